"""Bring the library's embeddings up to date for one model.

1. Scan every library folder; compare with the database by (size, mtime):
   new, changed, unchanged, missing. A new file with the size of a missing
   one is hashed: equal content means a rename/move, which keeps its
   embedding. The differences are committed in one transaction.
2. Files lacking an embedding for the model are read, hashed and decoded by
   worker threads a bounded number of batches ahead of the model; each batch
   of embeddings (and decode errors) is committed in one transaction, so a
   kill loses at most the batch in flight.
Progress is reported through a callback; a ``threading.Event`` cancels.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from motis_desktop.core.errors import ImageError
from motis_desktop.core.images.decode import decode_image, read_image_bytes
from motis_desktop.core.images.preprocess import preprocess
from motis_desktop.core.library.locking import IndexLock
from motis_desktop.core.library.scanner import ScanEntry, scan_folder
from motis_desktop.core.library.store import EncodedFile, FileRecord, LibraryStore, is_within

if TYPE_CHECKING:  # torch-free at import time: the GUI starts before the model loads
    from motis_desktop.core.models.encoders.base import Encoder


@dataclass(frozen=True)
class Progress:
    """A snapshot of indexing progress (``phase`` is "scan" or "encode")."""

    phase: str
    done: int
    total: int
    encoded: int
    skipped: int
    elapsed_s: float
    rate: float  # files per second in this phase
    eta_s: float | None
    current: str = ""


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass
class IndexSummary:
    model_id: str
    encoded: int = 0
    unchanged: int = 0
    renamed: int = 0
    removed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "model_id": self.model_id,
            "encoded": self.encoded,
            "unchanged": self.unchanged,
            "renamed": self.renamed,
            "removed": self.removed,
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "cancelled": self.cancelled,
            "elapsed_s": round(self.elapsed_s, 3),
        }


@dataclass
class _Decoded:
    record: FileRecord
    pixels: np.ndarray | None = None
    content_hash: str = ""
    size: int = 0
    mtime_ns: int = 0
    error: str | None = None
    transient: bool = False
    vanished: bool = False


ProgressFn = Callable[[Progress], None]


class Indexer:
    """Scans library folders and encodes what is missing for ``encoder``'s model."""

    def __init__(
        self,
        store: LibraryStore,
        encoder: Encoder,
        batch_size: int = 16,
        workers: int | None = None,
        prefetch_batches: int = 2,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.batch_size = max(1, batch_size)
        self.workers = workers or max(1, min(4, os.cpu_count() or 1))
        self.prefetch_batches = max(1, prefetch_batches)

    def run(self, progress: ProgressFn | None = None, cancel: threading.Event | None = None) -> IndexSummary:
        """Scan all library folders, apply the differences, encode what is missing."""
        with IndexLock(self.store.db_path.parent / "index.lock"):
            return self._run(progress, cancel or threading.Event())

    def _run(self, progress: ProgressFn | None, cancel: threading.Event) -> IndexSummary:
        started = time.monotonic()
        summary = IndexSummary(model_id=self.encoder.model_id)
        folders = self.store.folders()
        self._scan(folders, summary, cancel, progress, started)
        if not summary.cancelled:
            folder_ids = [f.id for f in folders]
            summary.skipped.extend(Skipped(r.path, r.error or "") for r in self.store.failed(folder_ids))
            self._encode(self.store.pending(self.encoder.model_id, folder_ids), summary, cancel, progress)
        summary.elapsed_s = time.monotonic() - started
        return summary

    # -- phase 1: scan and diff ---------------------------------------------

    def _scan(
        self, folders: list, summary: IndexSummary, cancel: threading.Event, progress: ProgressFn | None, started: float
    ) -> None:
        by_path = {r.path: r for r in self.store.files()}
        embedded = self.store.embedded_ids(self.encoder.model_id)
        seen: set[str] = set()
        new: list[tuple[int, ScanEntry]] = []
        changed: list[tuple[int, int, int]] = []
        known_by_folder: dict[int, dict[str, tuple[int, int]]] = {}
        for r in by_path.values():
            known_by_folder.setdefault(r.folder_id, {})[r.path] = (r.size, r.mtime_ns)
        for n, folder in enumerate(folders):
            known = known_by_folder.get(folder.id, {})
            result = scan_folder(folder.path, known, cancel, [f.path for f in folders])
            if result.cancelled:
                summary.cancelled = True
                return
            summary.skipped.extend(Skipped(p, reason) for p, reason in result.rejected)
            for unlisted in result.unlisted:  # e.g. an unplugged drive: keep, do not delete
                seen.update(p for p in known if is_within(p, unlisted))
            for entry in result.entries:
                seen.add(entry.path)
                record = by_path.get(entry.path)
                if record is None:
                    new.append((folder.id, entry))
                elif (record.size, record.mtime_ns) != (entry.size, entry.mtime_ns):
                    changed.append((record.id, entry.size, entry.mtime_ns))
                elif record.id in embedded:
                    summary.unchanged += 1
            if progress:
                elapsed = time.monotonic() - started
                progress(
                    Progress(
                        "scan",
                        n + 1,
                        len(folders),
                        0,
                        len(summary.skipped),
                        elapsed,
                        len(seen) / max(elapsed, 1e-6),
                        None,
                        folder.path,
                    )
                )
        missing = [r for path, r in by_path.items() if path not in seen]
        renamed = _match_renames(missing, new)
        renamed_paths = {path for _, _, path, _, _ in renamed}
        renamed_ids = {fid for fid, *_ in renamed}
        new_rows = [(fid, e.path, e.size, e.mtime_ns) for fid, e in new if e.path not in renamed_paths]
        removed = [r.id for r in missing if r.id not in renamed_ids]
        self.store.apply_scan(new_rows, changed, renamed, removed)
        summary.renamed = len(renamed)
        summary.removed = len(removed)

    # -- phase 2: decode ahead, encode in batches, commit per batch -----------

    def _encode(
        self, todo: list[FileRecord], summary: IndexSummary, cancel: threading.Event, progress: ProgressFn | None
    ) -> None:
        total = len(todo)
        if not total:
            return
        started = time.monotonic()
        done = 0
        if progress:  # the scan is committed: front ends can show the new files now
            progress(Progress("encode", 0, total, 0, len(summary.skipped), 0.0, 0.0, None, ""))
        window = self.batch_size * (self.prefetch_batches + 1)
        pending: deque[Future[_Decoded]] = deque()
        queue = iter(todo)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="motis-decode") as pool:
            try:
                while True:
                    while len(pending) < window:
                        record = next(queue, None)
                        if record is None:
                            break
                        pending.append(pool.submit(self._decode, record))
                    if not pending:
                        break
                    batch = [pending.popleft().result() for _ in range(min(self.batch_size, len(pending)))]
                    self._commit(batch, summary)
                    done += len(batch)
                    if progress:
                        elapsed = time.monotonic() - started
                        rate = done / max(elapsed, 1e-6)
                        progress(
                            Progress(
                                "encode",
                                done,
                                total,
                                summary.encoded,
                                len(summary.skipped),
                                elapsed,
                                rate,
                                (total - done) / rate if rate > 0 else None,
                                batch[-1].record.path,
                            )
                        )
                    if cancel.is_set():
                        summary.cancelled = done < total
                        break
            finally:
                for future in pending:
                    future.cancel()

    def _decode(self, record: FileRecord) -> _Decoded:
        """Worker thread: read, hash, decode and preprocess one file (never raises)."""
        item = _Decoded(record)
        try:
            before = os.stat(record.path)
            data = read_image_bytes(record.path)
            item.content_hash = content_hash(data)
            item.size, item.mtime_ns = before.st_size, before.st_mtime_ns
            if len(data) != before.st_size or os.stat(record.path).st_mtime_ns != before.st_mtime_ns:
                item.error, item.transient = "file changed while being read (still being written?)", True
                return item
            cfg = self.encoder.preprocess_config
            item.pixels = preprocess(decode_image(data, min_side=cfg.size), cfg.size, cfg.mean, cfg.std)
        except FileNotFoundError:
            item.vanished, item.error = True, "file vanished before it could be read"
        except ImageError as exc:
            item.error = str(exc)
            item.vanished = "vanished" in item.error
            item.transient = item.error in ("permission denied",) or item.error.startswith("read error")
        except PermissionError:
            item.error, item.transient = "permission denied", True
        except (OSError, MemoryError, ValueError) as exc:
            item.error, item.transient = f"cannot read: {exc}", True
        return item

    def _commit(self, batch: list[_Decoded], summary: IndexSummary) -> None:
        good = [d for d in batch if d.pixels is not None]
        encoded: list[EncodedFile] = []
        if good:
            vectors = self.encoder.encode_images(np.stack([d.pixels for d in good]))
            encoded = [EncodedFile(d.record.id, d.size, d.mtime_ns, d.content_hash, v) for d, v in zip(good, vectors)]
        errors = [(d.record.id, d.error, d.transient) for d in batch if d.error and not d.vanished]
        vanished = [d.record.id for d in batch if d.vanished]
        self.store.commit_batch(self.encoder.model_id, encoded, errors, vanished)
        summary.encoded += len(encoded)
        summary.skipped.extend(Skipped(d.record.path, d.error or "") for d in batch if d.error)


def content_hash(data: bytes) -> str:
    """Content identity used to recognise renamed/moved files."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _match_renames(missing: list[FileRecord], new: list[tuple[int, ScanEntry]]) -> list[tuple[int, int, str, int, int]]:
    """Pair new paths with missing files of equal size and content hash: (file_id, folder_id, path, size, mtime)."""
    by_size: dict[int, list[FileRecord]] = {}
    for record in missing:
        if record.content_hash:
            by_size.setdefault(record.size, []).append(record)
    renamed = []
    for folder_id, entry in new:
        candidates = by_size.get(entry.size)
        if not candidates:
            continue
        try:
            digest = content_hash(read_image_bytes(entry.path))
        except (ImageError, OSError):
            continue
        for record in candidates:
            if record.content_hash == digest:
                candidates.remove(record)
                renamed.append((record.id, folder_id, entry.path, entry.size, entry.mtime_ns))
                break
    return renamed
