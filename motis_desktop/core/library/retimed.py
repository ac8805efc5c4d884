"""Files whose time changed and whose bytes did not (``touch``, a restore or a sync tool that does not keep times).

A known file found with its stored size and a new mtime is hashed (the content hash the decoder stored, read by
the scan on the indexing thread, never the GUI thread); equal content means only its time changed: the stored time
is updated and the file counts as unchanged, so it is neither encoded nor read for text again. A file whose bytes
changed (an edit that kept the size) is a changed file as before; its decoder reads it again. Hashing thousands of
them (a library synced without its times) is reported as ``ProgressPhase.CHECK`` (QA walk 6: the scan showed no
progress meanwhile), at most every :data:`REPORT_EVERY_S`, and ``cancel`` stops it between two files.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from motis_desktop.core.kinds import ProgressPhase
from motis_desktop.core.library.index_report import Progress, ProgressFn
from motis_desktop.core.library.scanner import ScanEntry
from motis_desktop.core.library.store import ChangedFile, FileRecord, RenamedFile

REPORT_EVERY_S = 0.2  # the check's progress reports (a file hashes in a millisecond: one report each would flood)


@dataclass
class Retimed:
    """What hashing the files of equal size and a new time found."""

    retimed: list[RenamedFile] = field(default_factory=list)  # same path, same bytes: only the time is stored
    changed: list[ChangedFile] = field(default_factory=list)  # new bytes: encoded again


def may_be_retimed(record: FileRecord, entry: ScanEntry) -> bool:
    """Whether ``entry`` (found at ``record``'s path) has its stored size and a hash to compare with: a file
    decoded fine before, whose time alone may have changed."""
    return record.size == entry.size and bool(record.content_hash) and record.error is None


def split_retimed(
    candidates: list[tuple[FileRecord, ScanEntry]],
    digest: Callable[[str], str | None],
    cancel: threading.Event,
    progress: ProgressFn | None = None,
    phase: ProgressPhase = ProgressPhase.CHECK,
) -> Retimed | None:
    """Sort ``candidates`` (see :func:`may_be_retimed`) into files with the same bytes and files that changed,
    reporting ``progress`` (:func:`check_progress`, as ``phase``); None if ``cancel`` stopped it."""
    out = Retimed()
    started = last = time.monotonic()
    for done, (record, entry) in enumerate(candidates):
        if progress and (done == 0 or time.monotonic() - last >= REPORT_EVERY_S):
            last = time.monotonic()
            progress(check_progress(done, len(candidates), last - started, entry.path, phase))
        if cancel.is_set():
            return None
        if digest(entry.path) == record.content_hash:
            out.retimed.append(RenamedFile(record.id, record.folder_id, entry.path, entry.size, entry.mtime_ns))
        else:
            out.changed.append(ChangedFile(record.id, entry.size, entry.mtime_ns))
    if progress and candidates:
        progress(check_progress(len(candidates), len(candidates), time.monotonic() - started, phase=phase))
    return out


def check_progress(
    done: int, total: int, elapsed: float, current: str = "", phase: ProgressPhase = ProgressPhase.CHECK
) -> Progress:
    """A snapshot of the check: ``done`` of ``total`` files hashed after ``elapsed`` seconds (rate: files/s)."""
    rate = done / max(elapsed, 1e-6)
    eta = (total - done) / rate if rate > 0 else None
    return Progress(phase, done, total, 0, 0, elapsed, rate, eta, current)
