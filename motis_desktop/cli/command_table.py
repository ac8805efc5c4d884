"""Every ``motis`` command, its help and its arguments, declared as data (``cli/arg_table.py``);
``cli/parser.py`` builds the parser from it and parses."""

from __future__ import annotations

import argparse

from motis_desktop.cli.arg_table import Commands, arg, json_flag
from motis_desktop.core.services import GONE_KEEP_DAYS, MAX_BATCH, SYNTAX_HELP
from motis_desktop.core.services import STRATEGY_CHOICES as CHOICES

# What ``motis search``'s exit status says (cli/search_command.py).
SEARCH_OUTPUT = """output (one line a photo, the same columns for every query; two spaces apart):
  SCORE  DATE  PATH  [EXTRAS]
  SCORE   how close the photo's look is to the query (cosine, 4 decimals), or "-" where none is shown: a list of
          filters alone, a query of subtracted terms only, a photo that its text or name found
  DATE    the date taken, YYYY-MM-DD ("-" when unknown)
  PATH    the photo's file; a newline, tab or other control character in its name prints as \\n, \\t, \\xNN
          (one line a photo): --json gives the exact name
  EXTRAS  the words found in the photo's text or name, e.g. [text: INVOICE 2024]; absent when none
  A photo whose bytes are also in other files (a copied folder) is listed once, at its best path; an indented line
  below it names the folders of up to 3 of its copies (one per other folder first) below their library folder (led
  by its name for another library folder; "this folder" beside the photo; "(2)": two there), then how many more:
  "    Also in: Backup/Old disk/2024 Garden, Sent, and 4 more copies" (--json: their full paths).
  -k N, --all and the cut-off's "N more below" count photos, not copies.
  Notes (the cut-off's "N more below", offline folders, subfolders that cannot be opened) go to stderr.
  --json: one object a photo, for scripts ("score": null where SCORE is "-" for a list of filters alone).
"""

SEARCH_EXIT_STATUS = """exit status:
  0  the search ran: the photos found, or one line on stdout saying why none (no photo passes the filters,
     none stands out from the rest); with --json, [] then
  1  nothing to search (no model installed, no photo indexed yet, every folder offline, a query whose terms
     cancel out) or another problem you can fix: one line on stderr says what to do
  2  usage error: an option, or the query's syntax (an unknown operator or sort:, a date that is none,
     after: not earlier than before:)
"""


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _batch_size(value: str) -> int:
    number = _positive_int(value)
    if number > MAX_BATCH:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_BATCH}, not {number}")
    return number


# Arguments that several commands share.
_MODEL = arg("--model", help="model name (default: the active model)")
_REPLACE = arg("--replace", action="store_true", help="replace an installed model of that name")


def add_commands(motis: Commands) -> None:
    """Declare every command of ``motis``, in the order ``motis --help`` lists them."""
    _add_models(motis)
    _add_indexing(motis)
    _add_search(motis)
    _add_library(motis)


def _listing_command(motis: Commands, name: str, help: str, listed: str) -> Commands:
    """``motis NAME ACTION``, whose ACTION defaults to ``list`` (it lists the ``listed``); its actions."""
    command = motis.add(name, help, description=f"Without an ACTION: list the {listed} (as 'motis {name} list').")
    actions = motis.nest(command, f"{name}_command", "ACTION")
    command.set_defaults(**{f"{name}_command": "list", "json": False})  # after add_subparsers: ACTION defaults to list
    return actions


def _add_models(motis: Commands) -> None:
    """``motis models``: import, list, use, remove, available, download, demo, bench, export."""
    models = _listing_command(motis, "models", "list (the default), install and choose models", "installed models")
    _add_model_import(models)
    json_list = json_flag("print a JSON list of the models (active: true/false)")
    models.add("list", "list installed models (* marks the active one)", json_list)
    models.add(
        "use",
        "choose the active model (the library is encoded with it first)",
        arg("name", metavar="NAME", help="an installed model (see 'motis models list')"),
        description="Make NAME the active model. The library's photos are encoded with NAME first, in this "
        "process (it can take long: the plan printed first says how many photos); searches keep using the "
        "current model until NAME covers every photo, then NAME takes over in one step. Ctrl+C stops: the "
        "photos encoded so far are kept, and 'motis models use NAME' again continues from there.",
    )
    models.add(
        "remove",
        "delete an installed model",
        arg(
            "name",
            metavar="NAME",
            help="the installed model to delete (the library keeps its photos' vectors: importing the same model "
            "again brings them back at once)",
        ),
        arg("--yes", action="store_true", help="remove the active model without asking"),
        description="Delete an installed model's files. The library keeps the photos' vectors made with it: "
        "importing the same model files again brings them back at once, with nothing to encode. Removing the "
        "active model asks first on a terminal (elsewhere it needs --yes): search needs a model until you install "
        "or choose another.",
    )
    _add_getting_models(models)
    models.add(
        "bench",
        "measure each tower of a model in fp32 and int8 here and choose the fastest faithful mode",
        arg("name", nargs="?", help="model name (default: the active model)"),
        json_flag("print the choice and table as one JSON object"),
    )
    models.add(
        "export",
        "write a model as a seed-format TorchScript pair",
        arg("name", metavar="NAME", help="the installed model to write"),
        arg("--out", required=True, help="output folder"),
    )


def _add_model_import(models: Commands) -> None:
    """``motis models import``."""
    models.add(
        "import",
        "install model files from disk",
        arg(
            "--name",
            help="name to install the model under (default: the files' folder when it is named for the model, else "
            "the name in a model.json beside them, else imported-model)",
        ),
        arg("--image", help="image-tower TorchScript file (seed format)"),
        arg("--text", help="text-tower TorchScript file (seed format)"),
        arg(
            "--checkpoint",
            help="OpenAI/open_clip ViT state dict (.safetensors, .pt, .bin), or an open_clip Hugging Face folder "
            "(open_clip_config.json + open_clip_model.safetensors [+ tokenizer.json]: SigLIP2, MobileCLIP/MobileCLIP2)",
        ),
        _REPLACE,
        arg(
            "--image-size",
            type=int,
            help="input size of a TorchScript image tower (default: preprocess.json beside it, else 224)",
        ),
    )


def _add_getting_models(models: Commands) -> None:
    """``motis models available``, ``download`` and ``demo``."""
    models.add(
        "available",
        "models that can be downloaded",
        json_flag("print a JSON list of the models (installed: true/false)"),
        arg("--verbose", action="store_true", help="also the technical notes, each file and its download address"),
    )
    models.add(
        "download",
        "download and install a model from the registry (resumes an unfinished download)",
        arg("name", metavar="NAME", help="a model name from 'motis models available'"),
        arg("--timeout", type=float, default=30.0, help="seconds without data before giving up"),
        _REPLACE,
    )
    models.add(
        "demo",
        "install a tiny demo model that finds photos by their main colour (red, blue, …) — to try the app "
        "without a download; not for real searches",
    )


def _add_indexing(motis: Commands) -> None:
    """``motis eval``, ``motis index`` and ``motis watch``."""
    motis.add(
        "eval",
        "retrieval recall (R@1/5/10) on a captioned image set",
        arg("--captions", required=True, help="Karpathy-split JSON or COCO captions_*.json"),
        arg("--images", required=True, help="folder holding the images"),
        _MODEL,
        arg("--split", default="test", help="Karpathy split to use (default test; 'all' for every image)"),
        json_flag("print one JSON object"),
    )
    motis.add(
        "index",
        "add folders and bring the index up to date",
        arg("folders", nargs="*", metavar="FOLDER", help="folders to add (default: the library's)"),
        _MODEL,
        arg(
            "--batch-size",
            type=_batch_size,
            default=16,
            help=f"photos encoded together (default 16, at most {MAX_BATCH})",
        ),
        arg(
            "--no-text", action="store_true", help="do not read the words in photos this time (see 'motis config text')"
        ),
        arg(
            "--wait",
            action="store_true",
            help="when another MoTIS process (a window, 'motis watch') is indexing this library, wait for it to finish "
            "instead of failing (without --wait nothing is added then)",
        ),
        json_flag("print the summary as one JSON object"),
    )
    motis.add(
        "watch",
        "keep the library current while it runs: index changes as they happen",
        _MODEL,
        json_flag(
            'one JSON object a line, its "type" says which: "run" (an indexing run: the fields of '
            "'motis index --json'), \"folder_status\" (a library folder went offline or came back: "
            '"folder", "online") or "copying" (a photo still being copied in: "path", "state": "waiting" or '
            '"gave_up")'
        ),
    )


def _add_search(motis: Commands) -> None:
    """``motis search``."""
    motis.add(
        "search",
        "search photos by text, by example image, with filters",
        arg(
            "text",
            nargs="?",
            default="",
            help="the query (see the syntax below): quoted, or its words as they come (beach - people -k 2); a word "
            "starting with '-' subtracts (-people) unless it is an option above; a quoted path with spaces stays one "
            'term, and so does text:"two words" among other words (a query in one argument is read as typed: '
            "'text:\"two words\"')",
        ),
        arg("--image", metavar="FILE", help="an image file as (one more) query term: find photos like it"),
        arg("-k", type=_positive_int, help="show the top K results, without the relevance cut-off"),
        arg("--all", action="store_true", help="show every photo that passes the filters, ranked"),
        _MODEL,
        json_flag(
            "print a JSON list of {path, score, also_at, also_more, date, date_source, fused, matches} (date: local "
            "time; also_at: up to 3 other paths with the same bytes, absent when none; also_more: how many more, "
            "counted up to 1000; matches: the words found in the photo's text with their boxes, or in its name)"
        ),
        arg(
            "--index",
            choices=CHOICES,
            help="vector index strategy for this search "
            "(default: the configured one, 'auto' unless set with 'motis config index')",
        ),
        description="Search the library. By default only the photos that stand out from the rest for the query "
        "are shown (a relevance cut-off); -k N shows the top N, --all every photo that passes the filters.",
        epilog=f"{SYNTAX_HELP.rstrip()}\n\n{SEARCH_OUTPUT}\n{SEARCH_EXIT_STATUS}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_library(motis: Commands) -> None:
    """``motis serve``, ``config``, ``text``, ``folders`` (:func:`_add_folders`) and ``status``."""
    idle_exit = arg(
        "--idle-exit",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="stop after this long without queries (default 0: never)",
    )
    motis.add(
        "serve",
        "keep the model loaded and answer 'motis search' from other shells (this user only)",
        idle_exit,
        description="Load the active model and the library's search index once and keep them loaded: "
        "'motis search' in other shells of this user then answers in a fraction of a second instead of loading "
        "the model each time (same results and output). Only searches are served, only to this user. "
        "Runs until Ctrl+C (or --idle-exit).",
    )
    config_help, config_description = (
        "show the settings (the default) or change one",
        "Without a SETTING: show every setting.",
    )
    settings = motis.nest(motis.add("config", config_help, description=config_description), "config_command", "SETTING")
    strategy = arg("strategy", nargs="?", choices=CHOICES, help="set it to this (without: show it)")
    settings.add("index", "default vector index strategy", strategy)
    state = arg("state", nargs="?", choices=("on", "off"), help="turn it on or off (without: show it)")
    settings.add("text", "read the words in photos while indexing (on by default)", state)
    motis.add(
        "text",
        "print the text in photos (what indexing read; photos not read yet are read now)",
        arg("photos", nargs="+", metavar="PHOTO", help="a photo file (in the library or not)"),
        json_flag("print a JSON list of {path, text, lines: [{text, box}]}"),
        description="Print the words in each PHOTO, as indexing read them. A photo whose text was not read yet "
        "(not in the library, changed since, or indexed with text reading off) is read now (a few seconds).",
    )
    _add_folders(motis)
    motis.add("status", "library folders, counts and active model", json_flag("print it all as one JSON object"))


def _add_folders(motis: Commands) -> None:
    """``motis folders``: list, move, remove, forget-removed."""
    help = "list (the default), move or remove library folders, forget photos removed from them"
    folders = _listing_command(motis, "folders", help, "library's folders")
    folders.add("list", "the library's folders and their photo counts", json_flag("print a JSON list of {path, files}"))
    folder = arg("path", metavar="FOLDER", help="a library folder, as 'motis folders' lists it")
    folders.add("remove", "forget a folder and its photos (files on disk are never touched)", folder)
    folders.add(
        "move",
        "say where an offline library folder went (renamed, moved, a drive mounted elsewhere)",
        arg("old", metavar="OLD", help="the library folder that is offline, as 'motis folders' lists it"),
        arg("new", metavar="NEW", help="the folder that took its place"),
        arg("--wait", action="store_true", help="when another MoTIS process is indexing, wait for it to finish"),
        json_flag("print {from, to, photos, moved, others} as one JSON object"),
        description="NEW takes OLD's place in the library, in one step: each photo of OLD found at the same place "
        "below NEW (same size and content) moves there with what was indexed of it, nothing is read again. Photos "
        "not found there leave the library (remembered for "
        f"{GONE_KEEP_DAYS:g} days in case they come back); NEW's other photos are indexed by the next "
        "'motis index'. Nothing is changed when OLD is no library folder or is not offline, when NEW is in the "
        "library already, or holds none of OLD's photos. Photos found there with another modification time are "
        'checked first ("checking 1,204 of 9,000 photos…" on a terminal); Ctrl+C stops that with nothing changed. '
        "Your files are never touched.",
    )
    folders.add(
        "forget-removed",
        "forget now the photos deleted or moved out of the library folders",
        description="A photo deleted or moved out of the library folders is remembered for "
        f"{GONE_KEEP_DAYS:g} days (its search vectors, its date and the text read in it), so that it is not read "
        "again if it comes back (a folder moved to another disk and back). This forgets all of them now: one that "
        "comes back later is indexed again like a new photo. Your files are never touched; 'motis status' says "
        "how many are remembered.",
    )
