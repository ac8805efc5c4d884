"""Where a photo a front end shows is now, when it was renamed or moved within the library folders.

A file renamed or moved in a file manager keeps its row in ``files`` (its id, vectors, date and text): the scan
finds its content at the new path and changes the row's path (``scan_diff``: renames by content hash; a library
folder renamed and added again, ``folder_moves``; one located, ``folder_locate``). A front end that holds the photo
at its old path (the window's search results) asks here, by the photo's id, where it is now: it shows the photo
there and says "renamed" or "moved", rather than "deleted" (QA: a result renamed in a file manager was replaced by
one of its copies, or dropped as "no longer in the library").
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

from motis_desktop.core.library.database import LibraryDatabase
from motis_desktop.core.pathnames import decode_path


@dataclass(frozen=True)
class Renamed:
    """A photo shown at ``old`` that the library now holds at ``new`` (the same file: its row, id and vectors)."""

    old: str
    new: str

    @property
    def moved(self) -> bool:
        """Moved to another folder (its name may have changed too); False: renamed in its folder."""
        return os.path.dirname(self.old) != os.path.dirname(self.new)


def where_now(db: LibraryDatabase, shown: Mapping[int, str], known_at: float) -> list[Renamed]:
    """The photos of ``shown`` (file id → the path a front end shows it at) that the library now holds at another
    path, in ``shown``'s order. Those no longer in it (deleted, their folder removed) and those at the same path
    are not listed. ``known_at`` is a time the front end knew them at those paths (when its copy was read): a row
    added after it is another photo that took the id of a deleted one (SQLite gives the largest id, freed, to the
    next row), not the photo renamed. One statement, whatever the number of photos."""
    if not shown:
        return []
    rows = db.select(
        "SELECT id, path FROM files WHERE id IN (SELECT value FROM json_each(?)) AND added_at <= ?",
        (json.dumps(list(shown)), known_at),
    )
    now = {file_id: decode_path(raw) for file_id, raw in rows}
    return [Renamed(old, now[i]) for i, old in shown.items() if now.get(i, old) != old]
