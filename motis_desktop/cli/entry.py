"""The ``motis`` command's entry point: hands ``motis search`` to a running query service when
one is up for the home (``motis serve``), before importing the core, NumPy or torch; everything
else (and a search with no service) runs ``cli.main`` in this process.
Set ``MOTIS_NO_SERVICE=1`` to always search in-process.

Ctrl+C is held from the start (``cli/__init__.py``, :mod:`motis_desktop.cli.interrupts`); one that still reaches
this module (a second Ctrl+C while the program loads) ends it with "motis: interrupted" and status 130.
"""

from __future__ import annotations

import os
import sys

try:
    from motis_desktop.cli.argv import command_at
    from motis_desktop.cli.interrupts import hold_interrupts, release_interrupts, stop_on_terminate
except KeyboardInterrupt:  # a second Ctrl+C in the first milliseconds
    print("motis: interrupted", file=sys.stderr)
    raise SystemExit(130) from None


def _command(argv: list[str]) -> str | None:
    at = command_at(argv)
    return argv[at] if at is not None else None


def main() -> int:
    hold_interrupts()  # a Ctrl+C while the program loads is raised where the command can say what it kept
    stop_on_terminate()  # `kill` stops it as Ctrl+C does: the decoder processes and the library close
    try:
        return _run(sys.argv[1:])
    except KeyboardInterrupt:  # a second Ctrl+C while the program was still loading, or one during a forwarded search
        print("motis: interrupted", file=sys.stderr)
        return 130
    finally:
        hold_interrupts()  # the command has ended: a Ctrl+C while Python shuts down changes nothing


def _run(argv: list[str]) -> int:
    at = command_at(argv)
    if at is not None and argv[at] == "search" and not os.environ.get("MOTIS_NO_SERVICE"):
        release_interrupts()  # a forwarded search stops at the first Ctrl+C
        from motis_desktop.cli.server import client_home, forward_search, write_reply

        home = client_home(argv)  # --home may come before or after 'search'; None: "" (a usage error)
        reply = forward_search(home, argv[at + 1 :]) if home is not None else None
        if reply is not None:
            from motis_desktop.cli.streams import quiet_on_closed_pipe, set_up_streams

            set_up_streams()
            return quiet_on_closed_pipe(lambda: write_reply(*reply))
        hold_interrupts()  # no service: the search runs here, its imports and the library's opening held again
    from motis_desktop.cli.main import main as run
    from motis_desktop.core.services import name_this_process

    if at is not None:  # the command, for whoever it keeps waiting: "'motis watch' (pid N) is updating this library"
        name_this_process(f"'motis {argv[at]}'")
    return run()


if __name__ == "__main__":
    sys.exit(main())
