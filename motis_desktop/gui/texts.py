"""Texts the window shows in more than one place."""

import os
import re

from motis_desktop.gui.local_files import readable

_QUOTED = re.compile(r'"([^"]+)"')
QUOTES = (
    '"“”«»'  # a query holding one of these (not an apostrophe: "don't") is named as typed, not in quotes of its own
)

SEARCH_PLACEHOLDER = (
    "Describe a photo, e.g. “sunset over the sea”, or drop a photo here — Enter to search, Esc to reset"
)
NO_MODEL_TEXT = (
    "No model installed yet: choose File ▸ Install model… to download one or to import model files "
    "(no internet? “Try a demo model” there knows colour words only)."
)
NO_MODEL_PLACEHOLDER = "Search works once a model is installed"  # the box: the window's centre says how
NO_FOLDERS_STATUS = "No photos yet"  # the status line before any folder: the centre (or the offer) says the rest
NEEDS_MODEL = "Install a model to search them (File ▸ Install model…)"  # beside the photos, while none is
DROP_TEXT = "Drop a folder of photos here\nor press Ctrl+O to choose one"


def removed_elsewhere(model: str, here: bool = False) -> str:
    """This window's model removed by another process: the status line's words, and the model offer's first line;
    ``here``: removed in this window's model dialog."""
    return f"the model {model} was removed" + ("" if here else " by another MoTIS window or command")


def takeover_paused(model: str) -> str:
    """A take-over of the demo model cancelled (gui/takeover_pause.py): the status bar's words, until resumed."""
    return f"{model} installed: indexing paused — File ▸ Update index to finish"


def missing_photo(path: str, folders: tuple[str, ...]) -> str:
    """Why the photo at ``path`` (a file that is not there) cannot be shown: its library folder (one of
    ``folders``) is offline, as the search results say of such photos, or the file alone is gone. Stats the disk:
    not on the GUI thread."""
    root = max((f for f in folders if path.startswith(f.rstrip(os.sep) + os.sep)), key=len, default=None)
    if root is not None and not os.path.isdir(root):
        name = readable(os.path.basename(root.rstrip(os.sep)) or root)  # the whole path is in Details' "Where"
        return f"This photo's folder “{name}” is offline: plug its drive back in"
    return "This photo is no longer on disk (moved or deleted?)"


def empty_text(folders: bool, model_missing: bool, photos: int) -> str | None:
    """What the window says where the grid would be, or None for the grid. Folders without a model hold no photos
    yet (the model's indexing reads them): the window says so rather than show an empty grid."""
    if not folders:
        return DROP_TEXT + ("\n\n" + NO_MODEL_TEXT if model_missing else "")
    if model_missing and not photos:
        return "Your folders are added: their photos show up once a model reads them.\n\n" + NO_MODEL_TEXT
    return None


def query_words(text: str) -> str:
    """A query as the window names it in a sentence: in quotes as typed, except that a photo's path (the box's
    photo from Find similar or a drop, always first) is its file name: ``"/p/cat.jpg" + snow`` reads
    "photos like cat.jpg + snow"; a query that holds quotes itself (``text:"x"``) is not quoted again.
    Bytes of a name that are not UTF-8 show as "�"."""
    words = _QUOTED.sub(lambda m: os.path.basename(m[1]) if os.path.isabs(m[1]) else m[0], text)
    first = _QUOTED.match(text)
    if first is not None and os.path.isabs(first[1]):
        return "photos like " + readable(words)
    if any(q in words for q in QUOTES):
        return readable(words)
    return f"“{readable(words)}”"
