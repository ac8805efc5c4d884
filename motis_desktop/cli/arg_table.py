"""Commands declared as data for argparse: a command's name, help and arguments in one call
(``cli/command_table.py`` declares every ``motis`` command with it)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call: its names (``"--json"``, or a positional's) and its keywords."""

    names: tuple[str, ...]
    options: dict[str, Any]


def arg(*names: str, **options: Any) -> Arg:
    """An argument as ``add_argument(*names, **options)`` would add it."""
    return Arg(names, options)


def json_flag(help: str) -> Arg:
    """``--json``: print JSON (``help`` says which)."""
    return arg("--json", action="store_true", help=help)


@dataclass(frozen=True)
class Commands:
    """The commands of one parser (``motis``, ``motis models``…): each takes ``common``'s options too (``--home``)."""

    sub: argparse._SubParsersAction  # argparse does not export the type of add_subparsers()' result
    common: argparse.ArgumentParser

    def add(self, name: str, help: str, *args: Arg, **parser_options: Any) -> argparse.ArgumentParser:
        """Add the command ``name`` with its ``args`` in order; ``parser_options`` go to ``add_parser``
        (``description``, ``epilog``…)."""
        command = self.sub.add_parser(name, parents=[self.common], help=help, **parser_options)
        for each in args:
            command.add_argument(*each.names, **each.options)
        return command

    def nest(self, command: argparse.ArgumentParser, dest: str, metavar: str) -> Commands:
        """``command``'s own commands (``motis config SETTING``), named in ``args.<dest>``."""
        return Commands(command.add_subparsers(dest=dest, metavar=metavar), self.common)
