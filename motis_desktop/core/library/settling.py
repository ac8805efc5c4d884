"""A photo still being written (copied in slowly from a camera card or a network share) is not judged yet.

QA walk 6: a photo copied in slowly while ``motis watch`` ran was reported "skipped …: truncated JPEG" before the
copy had ended, then indexed when it had. Two rules, shared by ``motis watch`` and the window (both watch with
``FolderWatcher`` and index with ``Indexer``):

- :class:`OpenWrites` (the watcher): inotify (Linux) says when a file written to is closed (``IN_CLOSE_WRITE``).
  A photo written to and not closed since holds its root's report back until it is closed, or until nothing was
  written to it for ``settle_s`` (a copy stalled for good, a program that keeps it open): the hold is bounded,
  and the watcher looks again when it ends. FSEvents, ReadDirectoryChangesW and polling say nothing of closes:
  there the watcher's quiet second alone waits for a copy.
- :func:`still_written` (the indexer): a file that failed to decode and whose size or time is no longer what the
  run's scan saw is still changing: it is neither stored as unreadable nor reported skipped
  (``IndexSummary.still_written``), and stays to index; the change gave the watcher an event, so the next run
  reads it. A file that stays broken once it stopped changing is skipped with its reason, once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from watchdog.events import FileClosedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEvent

from motis_desktop.core.library.scanner import IMAGE_EXTENSIONS

if TYPE_CHECKING:
    from motis_desktop.core.library.file_decoder import Decoded
    from motis_desktop.core.library.records import FileRecord

SETTLE_S = 30.0  # a photo written to and not closed holds its folder's report back this long after its last write


def tells_closes(observer: object) -> bool:
    """Whether ``observer`` reports a file's close after writing: watchdog's inotify observer (Linux). By name: the
    module that defines it cannot even be imported elsewhere."""
    return type(observer).__name__ == "InotifyObserver"


class OpenWrites:
    """Photos being written under the watched roots, as inotify tells: a write opens one (``FileModifiedEvent``, the
    content changed: not ``touch``, which is an attribute event), its close after writing, its deletion or its
    rename ends it. Not thread-safe: the watcher calls it under its lock."""

    def __init__(self, settle_s: float = SETTLE_S) -> None:
        self.settle_s = settle_s
        self._written: dict[str, tuple[str, float]] = {}  # path -> (its root, when it was last written to)

    def note(self, event: FileSystemEvent, root: str, now: float) -> None:
        """Take one (relevant) event of ``root``'s watch, seen at ``now`` (``time.monotonic()``)."""
        path = os.fsdecode(event.src_path)
        if isinstance(event, FileModifiedEvent):
            if os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS:
                self._written[path] = (root, now)
        elif isinstance(event, FileClosedEvent | FileDeletedEvent | FileMovedEvent):
            self._written.pop(path, None)  # moved: a copy written beside and renamed into place is complete

    def held(self, now: float) -> dict[str, float]:
        """The roots held back now, each with the time (``time.monotonic()``) its hold ends unless a write renews
        it; photos not written to for ``settle_s`` are let go."""
        held: dict[str, float] = {}
        for path, (root, when) in list(self._written.items()):
            if now - when >= self.settle_s:
                del self._written[path]
            else:
                held[root] = max(held.get(root, now), when + self.settle_s)
        return held

    def forget(self, root: str) -> None:
        """``root`` is no longer watched (removed, or offline)."""
        self._written = {path: kept for path, kept in self._written.items() if kept[0] != root}


def still_written(batch: Iterable[Decoded], records: Mapping[int, FileRecord]) -> set[int]:
    """The ids of the files of ``batch`` that failed to decode and whose size or time is no longer what the scan
    stored in ``records`` (one ``stat`` each, of the failed files only): still being written, not judged yet."""
    changing: set[int] = set()
    for item in batch:
        if not item.error or item.vanished:
            continue
        record = records[item.file_id]
        try:
            now = os.stat(record.path)
        except OSError:  # gone meanwhile: the next scan says so
            continue
        if (now.st_size, now.st_mtime_ns) != (record.size, record.mtime_ns):
            changing.add(item.file_id)
    return changing
