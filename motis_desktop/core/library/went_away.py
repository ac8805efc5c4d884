"""Photos whose files vanished while a run read them: counted by the folder that went away, not skipped.

A folder moved away (or a drive unplugged) in the middle of a run made every photo not read yet "skipped" with
"gone before it could be read" (QA: 1,313 lines, and crosses in the window as for broken files). Those photos
are not broken: they left the library with their folder (``Indexer`` forgets them as any vanished file) and the
scan finds them again, as new photos, once the folder is back."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from motis_desktop.core.library.records import Folder
from motis_desktop.core.pathnames import is_within

if TYPE_CHECKING:
    from motis_desktop.core.library.store import LibraryStore


def away_folder(path: str, root: str) -> str:
    """The folder that took ``path`` away: its highest ancestor that no longer exists, up to the library folder
    ``root`` (itself when it is gone); the file's own folder when that is still there (the file alone went: the
    indexer counts it removed)."""
    folder = gone = os.path.dirname(path)
    while is_within(folder, root) and not os.path.isdir(folder):
        gone = folder
        if folder == root:
            break
        folder = os.path.dirname(folder)
    return gone


def reachable_ids(folders: list[Folder], scanned: list[Folder], offline: list[str]) -> list[int]:
    """The ids of ``folders`` a run reads photos from: not those the scan found offline (``offline``) nor, of those
    it did not scan (a watcher's run names the roots that changed), those whose folder is not there. An offline
    folder's photos are neither read nor forgotten (QA: a new model made active while a drive was unplugged read
    them, found them gone and dropped them from the library); they are read when it is back."""
    scanned_ids = {f.id for f in scanned}
    return [f.id for f in folders if (f.path not in offline if f.id in scanned_ids else os.path.isdir(f.path))]


def waiting_for(
    store: LibraryStore, encoder: Any, folders: list[Folder], reachable: list[int]
) -> tuple[dict[str, int], str]:
    """The library folders out of reach whose photos have no vector of ``encoder``'s model yet, with how many (they
    are encoded when the folder is back: QA, a model switch while a drive was unplugged said nothing of them), and
    the model's name to say it with (``IndexSummary.waiting_words``)."""
    away = [f for f in folders if f.id not in set(reachable)]
    if not away:
        return {}, ""
    counts = store.folder_counts(encoder.model_id)
    waiting = {f.path: counts[f.id][1] for f in away if counts.get(f.id, (0, 0, 0))[1]}
    info = getattr(encoder, "info", None)  # an Encoder's manifest; test doubles have none
    return waiting, str(getattr(info, "name", "") or encoder.model_id)
