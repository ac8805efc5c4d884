"""What the scan could not take (a broken symbolic link, a link loop, a folder it cannot list, a path too long),
remembered per library folder so that each is news once.

Files a decoder could not read are remembered in their ``files`` row (its error), and a run says them as "still
skipped" after the first (``Skipped.earlier``). The scan's own rejections have no row: a broken link has no size
or content to store. Without this table ``motis index`` and ``motis watch`` said "skipped …/link_to_blue.jpg:
broken symbolic link" as new on every run (QA walk). ``scan_skips`` (schema v7) holds each scanned folder's
rejections as the last finished scan found them (path, reason); a rejection with the same words is "earlier", one
that is gone (the link was fixed or deleted) is dropped, and forgetting the folder deletes its rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from motis_desktop.core.library.database import LibraryDatabase
from motis_desktop.core.pathnames import decode_path, encode_path

Rejections = Mapping[int, Sequence[tuple[str, str]]]  # folder id → [(path, reason)] as its scan found them


def remembered(store: LibraryDatabase, folder_ids: Iterable[int]) -> set[tuple[str, str]]:
    """The (path, reason) pairs the last finished scans of ``folder_ids`` rejected."""
    ids = list(folder_ids)
    marks = ",".join("?" * len(ids)) or "NULL"
    rows = store.select(f"SELECT path, reason FROM scan_skips WHERE folder_id IN ({marks})", ids)
    return {(decode_path(path), reason) for path, reason in rows}


def remember(store: LibraryDatabase, rejections: Rejections) -> None:
    """Replace the remembered rejections of each folder in ``rejections`` with what its scan found (no write, so
    no new library version for readers to catch up with, when nothing changed)."""
    known = remembered(store, rejections)
    found = {(path, reason) for pairs in rejections.values() for path, reason in pairs}
    if known == found:
        return
    with store.transaction(photos=False) as conn:
        conn.executemany("DELETE FROM scan_skips WHERE folder_id = ?", [(fid,) for fid in rejections])
        conn.executemany(
            "INSERT OR REPLACE INTO scan_skips(folder_id, path, reason) VALUES (?, ?, ?)",
            [(fid, encode_path(path), reason) for fid, pairs in rejections.items() for path, reason in pairs],
        )
