"""A photo still being written (copied in slowly from a camera card or a network share) is not judged yet.

QA walk 6: a photo copied in slowly while ``motis watch`` ran was reported "skipped …: truncated JPEG" before the
copy had ended, then indexed when it had. Three rules, shared by ``motis watch`` and the window (both watch with
``FolderWatcher`` and index with ``Indexer``):

- :class:`OpenWrites` (the watcher): inotify (Linux) says when a file written to is closed (``IN_CLOSE_WRITE``).
  A write to a photo does not report its folder by itself: its close does (or, when nothing was written to it for
  ``settle_s`` and it is still open, the end of that wait: a copy stalled for good, a program that keeps it open;
  bounded). Its folder's other changes are reported as usual meanwhile, so the photos already complete beside it
  are indexed while the growing one alone waits. A photo written to for over the quiet second is said once
  (``CopyWait.WAITING``: "waiting for … to finish copying"), and once more only if the wait is given up
  (``CopyWait.GAVE_UP``). FSEvents, ReadDirectoryChangesW and polling say nothing of closes: there the watcher's
  quiet second alone waits for a copy.
- :func:`as_known` (the scan): a photo a watcher of this process sees being written is taken as the library knows
  it (its stored size and time: unchanged; not listed when it is new), so no run of this process, whoever started
  it, reads it half-way.
- :func:`still_written` (the indexer): a file that failed to decode and whose size or time is no longer what the
  run's scan saw is still changing: it is neither stored as unreadable nor reported skipped
  (``IndexSummary.still_written``), and stays to index; the change gave the watcher an event, so the next run
  reads it. A file that stays broken once it stopped changing is skipped with its reason, once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from watchdog.events import FileClosedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEvent

from motis_desktop.core.kinds import CopyWait
from motis_desktop.core.library.scanner import IMAGE_EXTENSIONS, ScanEntry

if TYPE_CHECKING:
    from motis_desktop.core.library.file_decoder import Decoded
    from motis_desktop.core.library.records import FileRecord

SETTLE_S = 30.0  # a photo written to and not closed is waited for this long after its last write


def tells_closes(observer: object) -> bool:
    """Whether ``observer`` reports a file's close after writing: watchdog's inotify observer (Linux). By name: the
    module that defines it cannot even be imported elsewhere."""
    return type(observer).__name__ == "InotifyObserver"


@dataclass
class _Write:
    root: str
    first: float  # when it was first written to (``time.monotonic()``)
    last: float  # when it was last written to
    said: bool = False  # CopyWait.WAITING was said


@dataclass
class Due:
    """What :meth:`OpenWrites.due` found due: photos to say are waited for (``waiting``), photos whose wait was
    given up (``given_up``, path → root: the root is reported, the photo read as it is; ``said``: those said
    waiting), and when the next one falls due (``next_at``, ``time.monotonic()``; None: nothing pending)."""

    waiting: list[str] = field(default_factory=list)
    given_up: dict[str, str] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    next_at: float | None = None

    def notes(self) -> list[tuple[str, CopyWait]]:
        """(path, what to say of it), in order."""
        return [(p, CopyWait.WAITING) for p in self.waiting] + [(p, CopyWait.GAVE_UP) for p in self.said]


class OpenWrites:
    """Photos being written under the watched roots, as inotify tells: a write opens one (``FileModifiedEvent``, the
    content changed: not ``touch``, which is an attribute event), its close after writing, its deletion or its
    rename ends it. The watcher calls it under its lock; :func:`being_written` reads every live one from the
    indexing threads (hence its own lock). :meth:`close` when the watcher stops."""

    def __init__(self, settle_s: float = SETTLE_S, quiet_s: float = 1.0) -> None:
        self.settle_s, self.quiet_s = settle_s, quiet_s
        self._written: dict[str, _Write] = {}
        self._lock = threading.Lock()
        with _LIVE_LOCK:
            _LIVE.add(self)

    def note(self, event: FileSystemEvent, root: str, now: float) -> bool:
        """Take one (relevant) event of ``root``'s watch, seen at ``now`` (``time.monotonic()``): True when it is a
        write to a photo, which reports nothing by itself (its close does, or the end of its wait)."""
        path = os.fsdecode(event.src_path)
        with self._lock:
            if isinstance(event, FileModifiedEvent):
                if os.path.splitext(path)[1].lower() not in IMAGE_EXTENSIONS:
                    return False
                write = self._written.setdefault(path, _Write(root, now, now))
                write.last = now
                return True
            if isinstance(event, FileClosedEvent | FileDeletedEvent | FileMovedEvent):
                self._written.pop(path, None)  # moved: a copy written beside and renamed into place is complete
            return False

    def due(self, now: float) -> Due:
        """What falls due at ``now``: photos written to for ``quiet_s`` are said waited for (once); those not written
        to for ``settle_s`` are let go."""
        due = Due()
        with self._lock:
            for path, write in list(self._written.items()):
                if now - write.last >= self.settle_s:
                    del self._written[path]
                    due.given_up[path] = write.root
                    if write.said:
                        due.said.append(path)
                    continue
                if not write.said and now - write.first >= self.quiet_s:
                    write.said = True
                    due.waiting.append(path)
                ends = write.last + self.settle_s
                at = ends if write.said else min(ends, write.first + self.quiet_s)
                due.next_at = at if due.next_at is None else min(due.next_at, at)
        return due

    def paths(self) -> set[str]:
        """The photos being written now."""
        with self._lock:
            return set(self._written)

    def forget(self, root: str) -> None:
        """``root`` is no longer watched (removed, or offline)."""
        with self._lock:
            self._written = {path: w for path, w in self._written.items() if w.root != root}

    def close(self) -> None:
        """The watcher stopped: its photos are no longer known to be written."""
        with _LIVE_LOCK:
            _LIVE.discard(self)


_LIVE: set[OpenWrites] = set()  # every running watcher's (the window's, ``motis watch``'s): read by any scan here
_LIVE_LOCK = threading.Lock()


def being_written() -> set[str]:
    """The photos that a watcher of this process sees being written now."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    return set().union(*(writes.paths() for writes in live))


def as_known(entries: list[ScanEntry], known: Mapping[str, tuple[int, int]]) -> list[ScanEntry]:
    """A folder's scan, with each photo being written (:func:`being_written`) as the library knows it: its stored
    size and time (the run finds it unchanged), or left out when the library does not hold it yet. Its close (or the
    end of its wait) reports its folder again, and that run reads it whole."""
    writing = being_written()
    if not writing:
        return entries
    return [
        ScanEntry(entry.path, *known[entry.path]) if entry.path in writing else entry
        for entry in entries
        if entry.path not in writing or entry.path in known
    ]


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
