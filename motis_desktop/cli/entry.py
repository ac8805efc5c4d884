"""The ``motis`` command's entry point: hands ``motis search`` to a running query service when
one is up for the home (``motis serve``), before importing the core, NumPy or torch; everything
else (and a search with no service) runs ``cli.main`` in this process.
Set ``MOTIS_NO_SERVICE=1`` to always search in-process.
"""

from __future__ import annotations

import os
import sys

from motis_desktop.cli.argv import command_at
from motis_desktop.cli.interrupts import hold_interrupts


def _command(argv: list[str]) -> str | None:
    at = command_at(argv)
    return argv[at] if at is not None else None


def main() -> int:
    argv = sys.argv[1:]
    at = command_at(argv)
    if at is not None and argv[at] == "search" and not os.environ.get("MOTIS_NO_SERVICE"):
        from motis_desktop.cli.server import client_home, forward_search, write_reply

        home = client_home(argv)  # --home may come before or after 'search'; None: "" (a usage error)
        reply = forward_search(home, argv[at + 1 :]) if home is not None else None
        if reply is not None:
            from motis_desktop.cli.streams import quiet_on_closed_pipe, set_up_streams

            set_up_streams()
            return quiet_on_closed_pipe(lambda: write_reply(*reply))
    hold_interrupts()  # a Ctrl-C while the program loads is raised where the command can say what it kept
    try:
        from motis_desktop.cli.main import main as run

        return run()
    except KeyboardInterrupt:  # a second Ctrl-C while the program was still loading
        print("motis: interrupted", file=sys.stderr)
        return 130
    finally:
        hold_interrupts()  # the command has ended: a Ctrl-C while Python shuts down changes nothing


if __name__ == "__main__":
    sys.exit(main())
