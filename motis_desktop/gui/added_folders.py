"""What adding folders (a drop, File ▸ Add folder) does to the library, in words for the status line: a folder
already in it, or inside one of its folders, adds nothing (the library keeps one folder for both, see
``Store.add_folder``) and was silent; a folder that holds library folders takes them in."""

from __future__ import annotations

import os
from dataclasses import dataclass

from motis_desktop.core.pathnames import is_within
from motis_desktop.gui.local_files import readable


@dataclass(frozen=True)
class AddedFolders:
    """The folders to add (``new``) and what to say of those that change less than a person may think."""

    new: list[str]
    already: str  # "Garden is already in your library (inside Pictures)"; "" when every folder is new
    merged: str  # "Added Photos: Pictures is now part of it"; "" when no library folder was inside one


def _name(path: str) -> str:
    return readable(os.path.basename(path.rstrip(os.sep)) or path)


def _names(paths: list[str]) -> str:
    names = [_name(p) for p in paths]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def sort_added(folders: list[str], library: list[str]) -> AddedFolders:
    """Sort the ``folders`` a person adds against the ``library``'s folders (absolute paths, as stored)."""
    new: list[str] = []
    already: list[str] = []
    merged: list[str] = []
    for folder in folders:
        path = os.path.abspath(folder)
        root = next((r for r in library if is_within(path, r)), None)
        if root == path:
            already.append(f"{_name(path)} is already in your library")
        elif root is not None:
            already.append(f"{_name(path)} is already in your library (inside {_name(root)})")
        else:
            new.append(folder)
            inner = [r for r in library if is_within(r, path)]
            if inner:  # short: while the run that follows starts, its progress takes most of the line
                merged.append(
                    f"Added {_name(path)}: {_names(inner)} {'is' if len(inner) == 1 else 'are'} now part of it"
                )
    return AddedFolders(new, "; ".join(already), "; ".join(merged))
