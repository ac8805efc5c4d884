"""The ``motis`` command line: a thin layer over :mod:`motis_desktop.core`.

Run as the ``motis`` command, the package holds Ctrl+C before anything else of the program is imported (see
:mod:`motis_desktop.cli.interrupts`): a Ctrl+C in the first milliseconds then ends the command quietly, with
exit status 130, instead of in a traceback from the middle of an import.
"""

import sys


def _is_the_motis_command() -> bool:
    """Started as ``motis`` (the installed script, ``motis.exe``, the bundle's executable), not imported by
    another program (a test run) or run by ``python -m``: those keep their own Ctrl+C until ``cli.entry`` holds it."""
    name = (getattr(sys, "argv", None) or [""])[0].replace("\\", "/").rsplit("/", 1)[-1]
    return name.lower().removesuffix(".exe") == "motis"


if _is_the_motis_command():
    from motis_desktop.cli.interrupts import hold_interrupts

    hold_interrupts()
