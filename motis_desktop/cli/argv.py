"""Where the command stands in ``motis``'s arguments; imported before anything else (``cli.entry``), so it imports
nothing."""

from __future__ import annotations


def command_at(argv: list[str]) -> int | None:
    """Position of the subcommand: the first argument that is not an option (skipping ``--home VALUE``)."""
    skip = False
    for i, arg in enumerate(argv):
        if skip:
            skip = False
        elif arg == "--home":
            skip = True
        elif not arg.startswith("-"):
            return i
    return None
