"""Phase 1 of indexing: scan the library folders and compare with the database by (size, mtime).

A known file with its stored size and a new time is hashed: equal content means only its time changed
(``retimed``): it is unchanged, not encoded again.

New, changed, unchanged and missing files; a new file with the size of a missing one is hashed, and equal
content means a rename/move, which keeps its embedding. A new file with the size of a file the library holds
is hashed too, and equal content means a copy, which gets that file's embeddings, date and text
(``copies``); one with the size of a photo that left the library lately, its content kept (``gone``), likewise
takes what was kept. New files that share their size with another new file are hashed, so that the indexer
encodes one of equal copies and the others take its vectors. The differences are committed in one transaction.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
import time
from dataclasses import dataclass, field

from motis_desktop.core.errors import ImageError
from motis_desktop.core.images.decode import read_image_bytes
from motis_desktop.core.kinds import ProgressPhase
from motis_desktop.core.library import scan_skips
from motis_desktop.core.library.app_data import AppData
from motis_desktop.core.library.file_decoder import content_hash
from motis_desktop.core.library.folder_moves import Moves, find_moves
from motis_desktop.core.library.index_report import IndexSummary, Progress, ProgressFn, Skipped
from motis_desktop.core.library.locking import IndexLock
from motis_desktop.core.library.own_folder import OwnFolder
from motis_desktop.core.library.retimed import Retimed, may_be_retimed, split_retimed
from motis_desktop.core.library.scanner import ScanEntry, ScanResult, scan_folder
from motis_desktop.core.library.settling import as_known
from motis_desktop.core.library.store import (
    ChangedFile,
    CopiedFile,
    FileRecord,
    Folder,
    LibraryStore,
    NewFile,
    RenamedFile,
    ReturnedFile,
    is_within,
)

log = logging.getLogger(__name__)
HEAD_BYTES = 64 * 1024  # new files of one size are compared by this much before they are hashed whole


@dataclass
class _Diff:
    """What the scan found against the database's records of the scanned folders."""

    by_path: dict[str, FileRecord]
    embedded: set[int]
    skipped_before: set[tuple[str, str]]  # (path, reason) the last scans rejected (``scan_skips``)
    rejected: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # this scan's, by folder id
    seen: set[str] = field(default_factory=set)
    new: list[tuple[int, ScanEntry]] = field(default_factory=list)
    changed: list[ChangedFile] = field(default_factory=list)
    maybe_retimed: list[tuple[FileRecord, ScanEntry]] = field(default_factory=list)  # hashed in ``_apply``
    library: list[Folder] = field(default_factory=list)  # every library folder (``folder_moves``)
    fresh: list[Folder] = field(default_factory=list)  # scanned folders with no photo in the library yet

    def add(self, folder: Folder, result: ScanResult, known: dict[str, tuple[int, int]], summary: IndexSummary) -> None:
        """Sort one folder's scan into new, changed and unchanged files."""
        # A library folder out of reach (a drive unplugged) is no file that could not be read: said apart
        summary.offline += [p for p, _ in result.rejected if p == folder.path and p in result.unlisted]
        rejected = [(p, why) for p, why in result.rejected if p not in summary.offline]
        summary.skipped.extend(
            Skipped(p, why, earlier=(p, why) in self.skipped_before, in_library=False) for p, why in rejected
        )
        self.rejected[folder.id] = rejected
        if result.own_folder is not None:  # its photos there (an older version indexed them) leave the library
            summary.own_folder_in.append(folder.path)
        if result.app_data:  # likewise: ~/Library, AppData of a home folder added whole (app_data.py)
            summary.app_data_in[folder.path] = result.app_data
        if folder.path not in result.unlisted:  # listed: its count says whether it holds photos
            summary.folder_photos[folder.path] = len(result.entries)
        for unlisted in result.unlisted:  # e.g. an unplugged drive: keep, do not delete
            self.seen.update(p for p in known if is_within(p, unlisted))
        for entry in result.entries:
            self.seen.add(entry.path)
            record = self.by_path.get(entry.path)
            if record is None:
                self.new.append((folder.id, entry))
            elif (record.size, record.mtime_ns) != (entry.size, entry.mtime_ns) and may_be_retimed(record, entry):
                self.maybe_retimed.append((record, entry))  # its time alone may have changed (``retimed``)
            elif (record.size, record.mtime_ns) != (entry.size, entry.mtime_ns):
                self.changed.append(ChangedFile(record.id, entry.size, entry.mtime_ns))
            elif record.id in self.embedded:
                summary.unchanged += 1


def scan_only(store: LibraryStore, progress: ProgressFn | None, cancel: threading.Event) -> IndexSummary:
    """Phase 1 alone, while no model is ready (none installed yet, or loading): the folders' new photos are
    in the library at once, so the gallery shows them; indexing encodes them once a model is ready."""
    with IndexLock(store.db_path.parent / "index.lock"):
        started = time.monotonic()
        summary = IndexSummary(model_id="")
        scan_library(store, "", store.folders(), summary, cancel, progress, started)
        summary.elapsed_s = time.monotonic() - started
        return summary


def scan_library(
    store: LibraryStore,
    model_id: str,
    folders: list[Folder],
    summary: IndexSummary,
    cancel: threading.Event,
    progress: ProgressFn | None,
    started: float,
) -> None:
    """Scan ``folders`` and apply the differences to ``store`` (nothing is applied if ``cancel`` stops it)."""
    scanned_ids = {f.id for f in folders}  # files of other folders are neither seen nor missing
    records = store.files()
    by_path = {r.path: r for r in records if r.folder_id in scanned_ids}
    diff = _Diff(by_path, store.embedded_ids(model_id), scan_skips.remembered(store, scanned_ids))
    known_by_folder: dict[int, dict[str, tuple[int, int]]] = {}
    for r in diff.by_path.values():
        known_by_folder.setdefault(r.folder_id, {})[r.path] = (r.size, r.mtime_ns)
    diff.library = store.folders()
    diff.fresh = [f for f in folders if f.id not in known_by_folder]
    library_roots = [f.path for f in diff.library]  # links to any of them (or above) are not followed
    own = OwnFolder.of(store.db_path.parent)  # the home: the database lives there (AppPaths.library_db)
    app_data = AppData.of()  # the user's home as the OS gives it ($HOME, %USERPROFILE%)
    for n, folder in enumerate(folders):
        known = known_by_folder.get(folder.id, {})
        result = scan_folder(folder.path, known, cancel, library_roots, own, app_data)
        result.entries = as_known(result.entries, known)  # a photo still being written waits for its close (settling)
        if result.cancelled:
            summary.cancelled = True
            return
        diff.add(folder, result, known, summary)
        if progress:
            elapsed = time.monotonic() - started
            rate = len(diff.seen) / max(elapsed, 1e-6)
            skipped = len(summary.skipped)
            progress(Progress(ProgressPhase.SCAN, n + 1, len(folders), 0, skipped, elapsed, rate, None, folder.path))
    _apply(store, model_id, diff, records, summary, cancel, progress)
    if not summary.cancelled:
        scan_skips.remember(store, diff.rejected)


def _apply(
    store: LibraryStore,
    model_id: str,
    diff: _Diff,
    records: list[FileRecord],
    summary: IndexSummary,
    cancel: threading.Event,
    progress: ProgressFn | None,
) -> None:
    missing = [r for path, r in diff.by_path.items() if path not in diff.seen]
    digest = _Digests()
    known = _known_elsewhere(diff, records, summary, digest, cancel, progress)
    if known is None:
        summary.cancelled = True
        return
    retimed, moves = known
    renamed = _match_renames(missing, diff.new, digest)
    renamed_paths = {r.path for r in renamed}
    renamed_ids = {r.file_id for r in renamed}
    gone = {r.id for r in missing} - renamed_ids
    changed = {c.file_id for c in diff.changed}
    twins = [r for r in records if r.id not in gone and r.id not in changed]
    twins.sort(key=lambda r: r.id not in diff.embedded)  # of equal twins, one with this model's vector first
    unmatched = [(fid, e) for fid, e in diff.new if e.path not in renamed_paths]
    copied = _match_copies(twins, unmatched, cancel, digest)
    if copied is None:
        summary.cancelled = True
        return
    copied_paths = {c.path for c in copied}
    unmatched = [(fid, e) for fid, e in unmatched if e.path not in copied_paths]
    returned = _match_returned(store.gone_sizes(), unmatched, cancel, digest)
    if returned is not None:
        returned_paths = {r.path for r in returned}
        unmatched = [(fid, e) for fid, e in unmatched if e.path not in returned_paths]
    hashes = None if returned is None else _hash_duplicates(unmatched, cancel, digest)
    if returned is None or hashes is None:
        summary.cancelled = True
        return
    new_rows = [NewFile(fid, e.path, e.size, e.mtime_ns, hashes.get(e.path)) for fid, e in unmatched]
    removed = [r.id for r in missing if r.id not in renamed_ids]
    log.info(
        "scan: %d new, %d copied, %d back, %d changed, %d renamed, %d removed, %d unchanged",
        len(new_rows),
        len(copied),
        len(returned),
        len(diff.changed),
        len(renamed),
        len(removed),
        summary.unchanged,
    )
    indexed = _indexed_before(store, model_id, returned)  # read before ``apply_scan`` forgets them as gone
    kept = renamed + retimed.retimed + moves.renamed  # rows that take a new path or time, nothing dropped
    took, summary.dropped = store.apply_scan(new_rows, diff.changed, kept, removed, copied, returned, moves.old_ids)
    summary.renamed = len(renamed)
    summary.removed = len(removed)
    unreadable = {r.id for r in records if r.error}
    summary.unreadable_removed = len(unreadable.intersection(removed))
    summary.retried = unreadable & changed  # read again now: "can now be shown" when read (indexer._commit)
    summary.copied = len(copied)
    summary.returned = min(took, indexed)  # those the model must encode again are said as encoded, not "back"


def _known_elsewhere(
    diff: _Diff,
    records: list[FileRecord],
    summary: IndexSummary,
    digest: _Digests,
    cancel: threading.Event,
    progress: ProgressFn | None,
) -> tuple[Retimed, Moves] | None:
    """Known photos that only look changed or new: a new time on the same bytes (``retimed``, its hashing reported to
    ``progress``), a library folder found again under a new name (``folder_moves``); None if ``cancel`` stopped it."""
    retimed = split_retimed(diff.maybe_retimed, digest, cancel, progress)
    if retimed is None:
        return None
    diff.changed += retimed.changed
    summary.unchanged += sum(r.file_id in diff.embedded for r in retimed.retimed)
    moves = find_moves(diff.library, diff.fresh, records, diff.new, digest, cancel)
    if moves is None:
        return None
    _take_moves(diff, moves, summary)
    return retimed, moves


def _take_moves(diff: _Diff, moves: Moves, summary: IndexSummary) -> None:
    """A moved folder's photos are no new files, and its old place is neither offline nor scanned any more."""
    moved = {r.path for r in moves.renamed}
    diff.new = [(fid, e) for fid, e in diff.new if e.path not in moved]
    for folder_id in moves.old_ids:
        diff.rejected.pop(folder_id, None)
    gone = {m.old for m in moves.moves}
    summary.offline = [p for p in summary.offline if p not in gone]
    summary.moved = moves.moves
    summary.unchanged += sum(r.file_id in diff.embedded for r in moves.renamed)  # said by the move's line


def _indexed_before(store: LibraryStore, model_id: str, returned: list[ReturnedFile]) -> int:
    """How many of the photos coming back kept a vector of ``model_id`` (QA: after a model switch, "encoded 23"
    was followed by "23 photos back in the library were already indexed before": they had the old model's only)."""
    hashes = sorted({r.content_hash for r in returned})
    kept: set[str] = set()
    for start in range(0, len(hashes), 500):
        chunk = hashes[start : start + 500]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT content_hash FROM gone_embeddings WHERE model_id = ? AND content_hash IN ({marks})"
        kept.update(row[0] for row in store.select(sql, (model_id, *chunk)))
    return sum(r.content_hash in kept for r in returned)


class _Digests:
    """Content hashes of new files, each read at most once per scan (``None``: the file cannot be read)."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}

    def __call__(self, path: str) -> str | None:
        if path not in self._known:
            self._known[path] = _digest(path)
        return self._known[path]


def _match_renames(missing: list[FileRecord], new: list[tuple[int, ScanEntry]], digest: _Digests) -> list[RenamedFile]:
    """Pair new paths with missing files of equal size and content hash."""
    by_size: dict[int, list[FileRecord]] = {}
    for record in missing:
        if record.content_hash:
            by_size.setdefault(record.size, []).append(record)
    renamed: list[RenamedFile] = []
    for folder_id, entry in new:
        candidates = by_size.get(entry.size)
        content = digest(entry.path) if candidates else None
        if not candidates or content is None:
            continue
        for record in candidates:
            if record.content_hash == content:
                candidates.remove(record)
                renamed.append(RenamedFile(record.id, folder_id, entry.path, entry.size, entry.mtime_ns))
                break
    return renamed


def _match_copies(
    twins: list[FileRecord], new: list[tuple[int, ScanEntry]], cancel: threading.Event, digest: _Digests
) -> list[CopiedFile] | None:
    """Pair new paths with files the library holds (``twins``: neither gone nor changed) of equal size and
    content hash: copies. None if ``cancel`` stopped it.

    Only a new file whose size equals a twin's is read here (a copy has its original's size): camera JPEGs'
    sizes are nearly unique, so a new photo that is no copy is seldom read twice (here and by its decoder),
    and one that is a copy is read once instead of being decoded and encoded. Formats whose files all have one
    size (uncompressed scans) are hashed here, each file once per scan that finds it new."""
    by_size: dict[int, list[FileRecord]] = {}
    for record in twins:
        if record.content_hash and record.error is None:  # hashed when it was decoded fine
            by_size.setdefault(record.size, []).append(record)
    copied: list[CopiedFile] = []
    for folder_id, entry in new:
        candidates = by_size.get(entry.size)
        if candidates and cancel.is_set():
            return None
        content = digest(entry.path) if candidates else None
        if not candidates or content is None:
            continue
        twin = next((r for r in candidates if r.content_hash == content), None)
        if twin is not None:
            copied.append(CopiedFile(twin.id, folder_id, entry.path, entry.size, entry.mtime_ns))
    return copied


def _match_returned(
    gone: dict[int, set[str]], new: list[tuple[int, ScanEntry]], cancel: threading.Event, digest: _Digests
) -> list[ReturnedFile] | None:
    """Pair new paths with photos that left the library lately (``gone``: content hashes by size) of equal
    content: they take what those kept. None if ``cancel`` stopped it. Only a new file with a gone photo's size
    is read here, as for copies."""
    returned: list[ReturnedFile] = []
    for folder_id, entry in new:
        if entry.size not in gone:
            continue
        if cancel.is_set():
            return None
        content = digest(entry.path)
        if content is not None and content in gone[entry.size]:
            returned.append(ReturnedFile(content, folder_id, entry.path, entry.size, entry.mtime_ns))
    return returned


def _hash_duplicates(
    new: list[tuple[int, ScanEntry]], cancel: threading.Event, digest: _Digests
) -> dict[str, str] | None:
    """The content hashes of new files whose bytes equal another new file's ({path: hash}): the indexer encodes
    one of them and the others take its vectors (``LibraryStore.take_twins``). Only files that share their size
    and first :data:`HEAD_BYTES` with another new file are read whole here (uncompressed RAW files of one camera
    share their size, and differ in the metadata at their start). None if ``cancel`` stopped it."""
    by_size: dict[int, list[str]] = {}
    for _, entry in new:
        by_size.setdefault(entry.size, []).append(entry.path)
    by_head: dict[tuple[int, bytes], list[str]] = {}
    for size, paths in by_size.items():
        for path in paths if len(paths) > 1 else ():
            if cancel.is_set():
                return None
            head = _head(path)
            if head is not None:
                by_head.setdefault((size, head), []).append(path)
    by_hash: dict[str, list[str]] = {}
    for path in (p for paths in by_head.values() if len(paths) > 1 for p in paths):
        if cancel.is_set():
            return None
        content = digest(path)
        if content is not None:
            by_hash.setdefault(content, []).append(path)
    return {path: content for content, paths in by_hash.items() if len(paths) > 1 for path in paths}


def _head(path: str) -> bytes | None:
    """A short hash of the first :data:`HEAD_BYTES` of a regular file (never blocking on a FIFO; kept per file, so
    not the bytes themselves); None if it cannot be read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
        return hashlib.blake2b(os.read(fd, HEAD_BYTES), digest_size=16).digest() if regular else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _digest(path: str) -> str | None:
    """The content hash of the file at ``path`` (as its decoder would store it); None if it cannot be read."""
    try:
        return content_hash(read_image_bytes(path))
    except (ImageError, OSError):
        return None
