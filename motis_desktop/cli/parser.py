"""The ``motis`` command line's argument parser (shared by ``cli.main`` and the query service): built from
``cli/command_table.py``'s commands; this module parses what argparse alone cannot (a search's query words)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from motis_desktop import __version__
from motis_desktop.cli.arg_table import Commands
from motis_desktop.cli.argv import command_at
from motis_desktop.cli.command_table import add_commands

# Marks a search's query word that starts with '-' (no command-line argument can hold a NUL character).
_WORD = "\0"
# An operator whose value may hold spaces, and that value, as one argument (core/search/query.py: the language).
_OPERATOR_VALUE = re.compile(r"^((?:folder|text|name):)(\S.*)$", re.DOTALL)


def parse_command_line(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``motis ARGV`` and check what argparse cannot (exits 2 on a usage error, as argparse does).

    A search's query may come in several arguments, its words where they stand among the options; a word
    that starts with '-' (``-people``: subtract) is a query word unless it is one of search's options.
    """
    args, extras = parser.parse_known_args(_mark_query_words(parser, list(sys.argv[1:] if argv is None else argv)))
    if args.command == "search":
        words = [w for w in extras if w.startswith(_WORD) or not w.startswith("-")]
        unknown = [w for w in extras if w not in words]
        if unknown:  # with search's usage line, as '-k abc' gets (QA walk 6: it printed motis's own)
            _command_parser(parser, "search").error(f"unrecognized arguments: {' '.join(unknown)}")
        parts = [w.removeprefix(_WORD) for w in [args.text, *words] if w.strip()]
        args.text = " ".join(_as_query_word(w, several=len(parts) > 1) for w in parts)
        if not args.text.strip() and not args.image:
            _command_parser(parser, "search").error(
                "search needs a query, e.g. motis search 'red car', or --image FILE (see motis search --help)"
            )
    elif extras:
        _parser_of(parser, args).error(f"unrecognized arguments: {' '.join(extras)}")
    if args.command == "models" and args.models_command == "import":
        _check_import(_command_parser(parser, "models", "import"), args)
    return args


def _as_query_word(arg: str, several: bool) -> str:
    """One argument of a search's query as the query language reads it: a shell-quoted path with spaces is quoted
    again, to stay one term, and so is an operator's value with spaces when the query came as ``several`` words
    (``text:"platform 9" red`` arrives as ``text:platform 9``, ``red``). A query in one argument is read as typed:
    ``'folder:2023 beach'`` is the folder 2023 and the word beach, as in the app's search box."""
    if '"' in arg or not any(c.isspace() for c in arg):
        return arg
    if several and (m := _OPERATOR_VALUE.match(arg)):
        return f'{m.group(1)}"{m.group(2)}"'
    return f'"{arg}"' if os.path.exists(os.path.expanduser(arg)) else arg


def _check_import(imp: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``models import`` takes a TorchScript pair or a checkpoint: anything else is a usage error."""
    if args.checkpoint and (args.image or args.text):
        imp.error("give either --checkpoint FILE or --image and --text, not both")
    if not args.checkpoint and not (args.image and args.text):
        imp.error("give --image and --text (a TorchScript pair) or --checkpoint FILE (or folder)")


def _parser_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the command ``args`` ran (``motis models import``'s, ``motis status``'s), for its usage line."""
    if args.command is None:
        return parser
    names = [args.command]
    nested = getattr(args, f"{args.command}_command", None)  # models, folders, config: their own commands
    return _command_parser(parser, *names, *([nested] if nested else []))


def _command_parser(parser: argparse.ArgumentParser, *names: str) -> argparse.ArgumentParser:
    """The parser of ``motis NAMES...`` (e.g. ``"models", "import"``)."""
    for name in names:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return parser


def _mark_query_words(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with each argument of a search that starts with '-' but is no option of it marked a query word
    (argparse would take ``-red`` for an unknown option, ``-hat`` for ``-h`` and ``-kids`` for ``-k ids``)."""
    at = command_at(argv)
    if at is None or argv[at] != "search":
        return argv
    search = _command_parser(parser, "search")
    options = {s: a.nargs != 0 for a in search._actions for s in a.option_strings}
    marked, value_next, words_only = argv[: at + 1], False, False
    for arg in argv[at + 1 :]:
        if words_only and _names_option(arg, options):
            # '--' ends the options (argparse's rule), and an option there would only be searched as a
            # word: '-- -red --all' searched "-red -all" with the cut-off. Say so rather than guess.
            search.error(f"'{arg}' after '--' would be searched as a query word; put options before '--'")
        if words_only or (not value_next and _is_query_word(arg, options)):
            marked.append(_WORD + arg if arg.startswith("-") else arg)
            continue
        marked.append(arg)
        words_only = not value_next and arg == "--"
        value_next = not value_next and _takes_value(arg, options)
    return marked


def _is_query_word(arg: str, options: dict[str, bool]) -> bool:
    if arg == "-":  # the subtract operator between words: beach - people
        return True
    if not arg.startswith("-") or arg.startswith("--") or arg in options:
        return False
    # '-k5' is '-k 5'; a short option with its value attached is a number here (-k is search's only one)
    return not (options.get(arg[:2]) and arg[2:].isdigit())


def _names_option(arg: str, options: dict[str, bool]) -> bool:
    """Whether ``arg`` is one of search's options as typed: ``--all``, ``-k``, ``-k5``, ``--model=x``."""
    name = arg.split("=", 1)[0] if arg.startswith("--") else arg
    return name in options or (options.get(arg[:2], False) and arg[2:].isdigit())


def _takes_value(arg: str, options: dict[str, bool]) -> bool:
    """Whether the argument after ``arg`` is its value (argparse accepts a long option's unique prefix)."""
    if arg in options:
        return options[arg]
    if not arg.startswith("--") or "=" in arg:
        return False
    named = [takes for option, takes in options.items() if option.startswith(arg)]
    return len(named) == 1 and named[0]


def build_parser() -> argparse.ArgumentParser:
    """The parser of every ``motis`` command (``--home`` is accepted before or after the command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--home", default=argparse.SUPPRESS, help="app data folder (default: $MOTIS_HOME or the platform data folder)"
    )
    parser = argparse.ArgumentParser(
        prog="motis", parents=[common], description="Find photos on your disk by describing them in words."
    )
    parser.add_argument("--version", action="version", version=f"motis {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (no network, no model needed): build a tiny model, index and search "
        "generated photos in a temporary folder; exit 0 if all is well",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    add_commands(Commands(sub, common))
    _describe(parser)
    return parser


def _describe(parser: argparse.ArgumentParser) -> None:
    """Give each command without a description of its own its one-line help as one (``motis X --help``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                command = action.choices[choice.dest]
                if not command.description and choice.help:
                    command.description = f"{choice.help[0].upper()}{choice.help[1:]}."
                _describe(command)
