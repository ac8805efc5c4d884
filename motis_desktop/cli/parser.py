"""The ``motis`` command line's argument parser (shared by ``cli.main`` and the query service)."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from motis_desktop import __version__
from motis_desktop.cli.argv import command_at
from motis_desktop.core.services import (
    GONE_KEEP_DAYS,
    MAX_BATCH,
    SYNTAX_HELP,
)
from motis_desktop.core.services import STRATEGY_CHOICES as CHOICES

# argparse does not export the type of add_subparsers()' result.
_Sub = argparse._SubParsersAction
# Marks a search's query word that starts with '-' (no command-line argument can hold a NUL character).
_WORD = "\0"
# An operator whose value may hold spaces, and that value, as one argument (core/search/query.py: the language).
_OPERATOR_VALUE = re.compile(r"^((?:folder|text|name):)(\S.*)$", re.DOTALL)
# What ``motis search``'s exit status says (cli/search_command.py).
SEARCH_EXIT_STATUS = """exit status:
  0  the search ran: the photos found, or one line on stdout saying why none (no photo passes the filters,
     none stands out from the rest); with --json, [] then
  1  nothing to search (no model installed, no photo indexed yet, every folder offline, a query whose terms
     cancel out) or another problem you can fix: one line on stderr says what to do
  2  usage error
"""


def parse_command_line(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``motis ARGV`` and check what argparse cannot (exits 2 on a usage error, as argparse does).

    A search's query may come in several arguments, its words where they stand among the options; a word
    that starts with '-' (``-people``: subtract) is a query word unless it is one of search's options.
    """
    args, extras = parser.parse_known_args(_mark_query_words(parser, list(sys.argv[1:] if argv is None else argv)))
    if args.command == "search":
        words = [w for w in extras if w.startswith(_WORD) or not w.startswith("-")]
        unknown = [w for w in extras if w not in words]
        if unknown:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        parts = [w.removeprefix(_WORD) for w in [args.text, *words] if w.strip()]
        args.text = " ".join(_as_query_word(w, several=len(parts) > 1) for w in parts)
        if not args.text.strip() and not args.image:
            parser.error("search needs a query, e.g. motis search 'red car', or --image FILE (see motis search --help)")
    elif extras:
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
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

    _add_models(sub, common)
    _add_indexing(sub, common)
    _add_search(sub, common)
    _add_library(sub, common)
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


def _listing_command(sub: _Sub, common: argparse.ArgumentParser, name: str, help: str, listed: str) -> _Sub:
    """``motis NAME ACTION``, whose ACTION defaults to ``list`` (it lists the ``listed``); its actions' parsers."""
    command = sub.add_parser(
        name, parents=[common], help=help, description=f"Without an ACTION: list the {listed} (as 'motis {name} list')."
    )
    actions = command.add_subparsers(dest=f"{name}_command", metavar="ACTION")
    command.set_defaults(**{f"{name}_command": "list", "json": False})  # after add_subparsers: ACTION defaults to list
    return actions


def _add_models_remove(msub: _Sub, common: argparse.ArgumentParser) -> None:
    """``motis models remove NAME [--yes]``."""
    rem = msub.add_parser(
        "remove",
        parents=[common],
        help="delete an installed model",
        description="Delete an installed model's files. The library keeps the photos' vectors made with it: "
        "importing the same model files again brings them back at once, with nothing to encode. Removing the "
        "active model asks first on a terminal (elsewhere it needs --yes): search needs a model until you install "
        "or choose another.",
    )
    rem.add_argument(
        "name",
        metavar="NAME",
        help="the installed model to delete (the library keeps its photos' vectors: importing the same model "
        "again brings them back at once)",
    )
    rem.add_argument("--yes", action="store_true", help="remove the active model without asking")


def _add_models(sub: _Sub, common: argparse.ArgumentParser) -> None:
    """``motis models``: import, list, use, remove, available, download, demo, bench, export."""
    msub = _listing_command(sub, common, "models", "list (the default), install and choose models", "installed models")
    imp = msub.add_parser("import", parents=[common], help="install model files from disk")
    imp.add_argument(
        "--name",
        help="name to install the model under (default: the files' folder when it is named for the model, else "
        "the name in a model.json beside them, else imported-model)",
    )
    imp.add_argument("--image", help="image-tower TorchScript file (seed format)")
    imp.add_argument("--text", help="text-tower TorchScript file (seed format)")
    imp.add_argument(
        "--checkpoint",
        help="OpenAI/open_clip ViT state dict (.safetensors, .pt, .bin), or an open_clip Hugging Face folder "
        "(open_clip_config.json + open_clip_model.safetensors [+ tokenizer.json]: SigLIP2, MobileCLIP/MobileCLIP2)",
    )
    imp.add_argument("--replace", action="store_true", help="replace an installed model of that name")
    imp.add_argument(
        "--image-size",
        type=int,
        help="input size of a TorchScript image tower (default: preprocess.json beside it, else 224)",
    )
    lst = msub.add_parser("list", parents=[common], help="list installed models (* marks the active one)")
    lst.add_argument("--json", action="store_true", help="print a JSON list of the models (active: true/false)")
    use = msub.add_parser(
        "use",
        parents=[common],
        help="choose the active model (the library is encoded with it first)",
        description="Make NAME the active model. The library's photos are encoded with NAME first, in this "
        "process (it can take long: the plan printed first says how many photos); searches keep using the "
        "current model until NAME covers every photo, then NAME takes over in one step. Ctrl+C stops: the "
        "photos encoded so far are kept, and 'motis models use NAME' again continues from there.",
    )
    use.add_argument("name", metavar="NAME", help="an installed model (see 'motis models list')")
    _add_models_remove(msub, common)
    _add_getting_models(msub, common)
    bench = msub.add_parser(
        "bench",
        parents=[common],
        help="measure each tower of a model in fp32 and int8 here and choose the fastest faithful mode",
    )
    bench.add_argument("name", nargs="?", help="model name (default: the active model)")
    bench.add_argument("--json", action="store_true", help="print the choice and table as one JSON object")
    exp = msub.add_parser("export", parents=[common], help="write a model as a seed-format TorchScript pair")
    exp.add_argument("name", metavar="NAME", help="the installed model to write")
    exp.add_argument("--out", required=True, help="output folder")


def _add_getting_models(msub: _Sub, common: argparse.ArgumentParser) -> None:
    """``motis models available``, ``download`` and ``demo``."""
    avail = msub.add_parser("available", parents=[common], help="models that can be downloaded")
    avail.add_argument("--json", action="store_true", help="print a JSON list of the models (installed: true/false)")
    avail.add_argument(
        "--verbose", action="store_true", help="also the technical notes, each file and its download address"
    )
    dl = msub.add_parser(
        "download",
        parents=[common],
        help="download and install a model from the registry (resumes an unfinished download)",
    )
    dl.add_argument("name", metavar="NAME", help="a model name from 'motis models available'")
    dl.add_argument("--timeout", type=float, default=30.0, help="seconds without data before giving up")
    dl.add_argument("--replace", action="store_true", help="replace an installed model of that name")
    msub.add_parser(
        "demo",
        parents=[common],
        help="install a tiny demo model that finds photos by their main colour (red, blue, …) — to try the app "
        "without a download; not for real searches",
    )


def _add_indexing(sub: _Sub, common: argparse.ArgumentParser) -> None:
    """``motis eval``, ``motis index`` and ``motis watch``."""
    ev = sub.add_parser("eval", parents=[common], help="retrieval recall (R@1/5/10) on a captioned image set")
    ev.add_argument("--captions", required=True, help="Karpathy-split JSON or COCO captions_*.json")
    ev.add_argument("--images", required=True, help="folder holding the images")
    ev.add_argument("--model", help="model name (default: the active model)")
    ev.add_argument("--split", default="test", help="Karpathy split to use (default test; 'all' for every image)")
    ev.add_argument("--json", action="store_true", help="print one JSON object")

    idx = sub.add_parser("index", parents=[common], help="add folders and bring the index up to date")
    idx.add_argument("folders", nargs="*", metavar="FOLDER", help="folders to add (default: the library's)")
    idx.add_argument("--model", help="model name (default: the active model)")
    idx.add_argument(
        "--batch-size", type=_batch_size, default=16, help=f"photos encoded together (default 16, at most {MAX_BATCH})"
    )
    idx.add_argument(
        "--no-text", action="store_true", help="do not read the words in photos this time (see 'motis config text')"
    )
    idx.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    wat = sub.add_parser(
        "watch", parents=[common], help="keep the library current while it runs: index changes as they happen"
    )
    wat.add_argument("--model", help="model name (default: the active model)")
    wat.add_argument(
        "--json",
        action="store_true",
        help='one JSON object a line, its "type" says which: "run" (an indexing run: the fields of '
        "'motis index --json') or \"folder_status\" (a library folder went offline or came back: "
        '"folder", "online")',
    )


def _add_search(sub: _Sub, common: argparse.ArgumentParser) -> None:
    """``motis search``."""
    srch = sub.add_parser(
        "search",
        parents=[common],
        help="search photos by text, by example image, with filters",
        description="Search the library. By default only the photos that stand out from the rest for the query "
        "are shown (a relevance cut-off); -k N shows the top N, --all every photo that passes the filters.",
        epilog=f"{SYNTAX_HELP.rstrip()}\n\n{SEARCH_EXIT_STATUS}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    srch.add_argument(
        "text",
        nargs="?",
        default="",
        help="the query (see the syntax below): quoted, or its words as they come (beach - people -k 2); a word "
        "starting with '-' subtracts (-people) unless it is an option above; a quoted path with spaces stays one "
        'term, and so does text:"two words" among other words (a query in one argument is read as typed: '
        "'text:\"two words\"')",
    )
    srch.add_argument("--image", metavar="FILE", help="an image file as (one more) query term: find photos like it")
    srch.add_argument("-k", type=_positive_int, help="show the top K results, without the relevance cut-off")
    srch.add_argument("--all", action="store_true", help="show every photo that passes the filters, ranked")
    srch.add_argument("--model", help="model name (default: the active model)")
    srch.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of {path, score, date, date_source, fused, matches} (date: local time; "
        "matches: the words found in the photo's text with their boxes, or in its name)",
    )
    srch.add_argument(
        "--index",
        choices=CHOICES,
        help="vector index strategy for this search "
        "(default: the configured one, 'auto' unless set with 'motis config index')",
    )


def _add_library(sub: _Sub, common: argparse.ArgumentParser) -> None:
    """``motis serve``, ``config``, ``text``, ``folders`` (:func:`_add_folders`) and ``status``."""
    serve = sub.add_parser(
        "serve",
        parents=[common],
        help="keep the model loaded and answer 'motis search' from other shells (this user only)",
        description="Load the active model and the library's search index once and keep them loaded: "
        "'motis search' in other shells of this user then answers in a fraction of a second instead of loading "
        "the model each time (same results and output). Only searches are served, only to this user. "
        "Runs until Ctrl+C (or --idle-exit).",
    )
    serve.add_argument(
        "--idle-exit",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="stop after this long without queries (default 0: never)",
    )

    cfg = sub.add_parser(
        "config",
        parents=[common],
        help="show the settings (the default) or change one",
        description="Without a SETTING: show every setting.",
    )
    csub = cfg.add_subparsers(dest="config_command", metavar="SETTING")
    cidx = csub.add_parser("index", parents=[common], help="default vector index strategy")
    cidx.add_argument("strategy", nargs="?", choices=CHOICES, help="set it to this (without: show it)")
    ctext = csub.add_parser("text", parents=[common], help="read the words in photos while indexing (on by default)")
    ctext.add_argument("state", nargs="?", choices=("on", "off"), help="turn it on or off (without: show it)")

    txt = sub.add_parser(
        "text",
        parents=[common],
        help="print the text in photos (what indexing read; photos not read yet are read now)",
        description="Print the words in each PHOTO, as indexing read them. A photo whose text was not read yet "
        "(not in the library, changed since, or indexed with text reading off) is read now (a few seconds).",
    )
    txt.add_argument("photos", nargs="+", metavar="PHOTO", help="a photo file (in the library or not)")
    txt.add_argument("--json", action="store_true", help="print a JSON list of {path, text, lines: [{text, box}]}")
    _add_folders(sub, common)

    st = sub.add_parser("status", parents=[common], help="library folders, counts and active model")
    st.add_argument("--json", action="store_true", help="print it all as one JSON object")


def _add_folders(sub: _Sub, common: argparse.ArgumentParser) -> None:
    """``motis folders``: list, remove, forget-removed."""
    fsub = _listing_command(
        sub,
        common,
        "folders",
        "list (the default) or remove library folders, forget photos removed from them",
        "library's folders",
    )
    flist = fsub.add_parser("list", parents=[common], help="the library's folders and their photo counts")
    flist.add_argument("--json", action="store_true", help="print a JSON list of {path, files}")
    frem = fsub.add_parser(
        "remove", parents=[common], help="forget a folder and its photos (files on disk are never touched)"
    )
    frem.add_argument("path", metavar="FOLDER", help="a library folder, as 'motis folders' lists it")
    fsub.add_parser(
        "forget-removed",
        parents=[common],
        help="forget now the photos deleted or moved out of the library folders",
        description="A photo deleted or moved out of the library folders is remembered for "
        f"{GONE_KEEP_DAYS:g} days (its search vectors, its date and the text read in it), so that it is not read "
        "again if it comes back (a folder moved to another disk and back). This forgets all of them now: one that "
        "comes back later is indexed again like a new photo. Your files are never touched; 'motis status' says "
        "how many are remembered.",
    )


def _batch_size(value: str) -> int:
    number = _positive_int(value)
    if number > MAX_BATCH:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_BATCH}, not {number}")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number
