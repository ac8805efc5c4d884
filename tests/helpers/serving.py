"""Serve a library through the query service (``cli/server.py``) and ask it, in this process.

``serving(services)`` binds the service's socket, answers on a thread until the block ends, then stops it;
``search_in_process`` runs the same ``motis search`` on ``services`` without the service, for comparison.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator

from motis_desktop.cli import server
from motis_desktop.core.services import Services


@contextlib.contextmanager
def serving(services: Services) -> Iterator[server.QueryService]:
    """The query service of ``services``, answering until the ``with`` block ends."""
    service = server.QueryService(services)
    service.bind()
    ready = threading.Event()
    thread = threading.Thread(target=service.serve, kwargs={"ready": ready.set}, daemon=True)
    thread.start()
    ready.wait()
    try:
        yield service
    finally:
        service.stop()
        thread.join(30)


def search_in_process(services: Services, argv: list[str]) -> tuple[int, str, str]:
    """``motis search ARGV`` on ``services`` here: (exit code, stdout, stderr), as the service replies."""
    from motis_desktop.cli.commands import run_command

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = run_command(services, ["search", *argv])
    return rc, out.getvalue(), err.getvalue()
