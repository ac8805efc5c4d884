"""Subfolders of a library folder that cannot be opened now (permission denied), with the photos they hold.

QA walk 7: a subfolder made unreadable after indexing kept its photos in the library ("281 indexed"), but every
search dropped them (a hit is checked on disk) without a word, and ``folder:Locked`` said only "no photo passes the
filters". An offline library folder is said; such a subfolder is said the same way: the scan remembers it
(``scan_skips``: "cannot list folder: permission denied"), and while it still cannot be listed its photos are left
out of searches and the front ends say so, in these words. A library folder itself that cannot be listed is offline
(``scan_diff``), not one of these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from motis_desktop.core.formatting import count
from motis_desktop.core.library.database import LibraryDatabase
from motis_desktop.core.pathnames import decode_path, encode_path

UNLISTED = "cannot list folder: "  # the scanner's words for a folder it could not list (``scanner.Walk.list``)


@dataclass(frozen=True)
class LockedFolder:
    """A subfolder of the library folder ``root`` that cannot be opened (``reason``), holding ``photos``."""

    path: str
    root: str
    reason: str  # the system's words: "permission denied"
    photos: int

    def words(self) -> str:
        """What both front ends say: "Photos/Locked cannot be opened (permission denied): its 1 photo is left out"
        (the path from its library folder's name: the user knows that name, and it tells two libraries apart)."""
        name = os.path.relpath(self.path, os.path.dirname(self.root))
        verb = "is" if self.photos == 1 else "are"
        return f"{name} cannot be opened ({self.reason}): its {count(self.photos, 'photo')} {verb} left out"


def locked_folders(store: LibraryDatabase) -> tuple[LockedFolder, ...]:
    """The subfolders the last scans could not list that still cannot be, and hold photos of the library (one small
    query, and an open per such folder: cheap enough for every search)."""
    rows = store.select(
        "SELECT s.path, s.reason, f.path FROM scan_skips s JOIN folders f ON f.id = s.folder_id "
        "WHERE s.reason LIKE ? ORDER BY s.path",
        (UNLISTED + "%",),
    )
    found = []
    for raw, reason, root in rows:
        path = decode_path(raw)
        if _listable(path):  # opened again (chmod undone): its photos are searched, and the next scan forgets it
            continue
        photos = _photos_within(store, raw)
        if photos:
            found.append(LockedFolder(path, decode_path(root), reason.removeprefix(UNLISTED), photos))
    return tuple(found)


def _listable(path: str) -> bool:
    try:
        with os.scandir(path):
            return True
    except OSError:
        return False


def _photos_within(store: LibraryDatabase, folder: bytes) -> int:
    """The library's readable photos below ``folder`` (an encoded path): those between "folder/" and the byte
    after the separator ("folder0" where it is "/")."""
    sep = encode_path(os.sep)
    below = folder.rstrip(sep) + sep
    rows = store.select(
        "SELECT COUNT(*) FROM files WHERE path > ? AND path < ? AND error IS NULL",
        (below, below[:-1] + bytes([below[-1] + 1])),
    )
    return int(rows[0][0])
