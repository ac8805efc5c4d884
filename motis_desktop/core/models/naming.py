"""The name a model imported from files is proposed under, one rule for both front ends (``motis models import``
without ``--name``, the window's name box): the folder the files sit in when it is named for the model, else the
name in a model manifest beside them, else "imported-model"; numbered ("-2", "-3", ...) when taken (the demo
model's name is always taken)."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from motis_desktop.core.models.demo import DEMO_MODEL
from motis_desktop.core.models.manifest import MANIFEST, NAME_RE

FALLBACK = "imported-model"
# Folders that hold files of every kind: their name says nothing about the model in them.
GENERIC_FOLDERS = frozenset(
    {"downloads", "download", "desktop", "documents", "models", "model", "files", "tmp", "temp", "home", "users"}
    | {"checkpoints", "checkpoint", "weights", "pictures", "usb", "media", "mnt", "volumes", "export", "exports"}
)
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def import_name(files: Sequence[str | os.PathLike[str]], taken: Iterable[str]) -> str:
    """The name to propose for a model made of ``files`` (a checkpoint file or folder, or a TorchScript pair),
    not one of ``taken``."""
    first = Path(files[0]).expanduser().absolute()
    folder = first if first.is_dir() else first.parent  # an open_clip checkpoint folder is the model itself
    base = _folder_name(folder) or _manifest_name(folder) or FALLBACK
    names = {*taken, DEMO_MODEL}  # the demo's name is kept for the demo (``demo.demo_name_problem``)
    if base not in names:
        return base
    n = 2
    while f"{base}-{n}" in names:
        n += 1
    return f"{base}-{n}"


def _folder_name(folder: Path) -> str | None:
    """The folder's name as a model name, unless it is a general-purpose folder (Downloads, home, a drive)."""
    if folder == folder.parent or folder == Path.home() or folder.name.lower() in GENERIC_FOLDERS:
        return None
    return _cleaned(folder.name)


def _manifest_name(folder: Path) -> str | None:
    """The name in a model manifest beside the files (an installed model's folder, copied), if any."""
    try:
        name = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        return None
    return _cleaned(name) if isinstance(name, str) else None


def _cleaned(text: str) -> str | None:
    """``text`` as a valid model name (letters, digits, '.', '_', '-'), or None when nothing of it is left."""
    name = _NOT_IN_NAME.sub("-", text).strip("-._")[:64].rstrip("-._")
    return name if NAME_RE.match(name) else None
