"""Bring the library's embeddings up to date for one model.

1. Scan every library folder; compare with the database by (size, mtime):
   new, changed, unchanged, missing (a file with a new time only is hashed:
   same bytes, unchanged, ``retimed``). A new file with the size of a missing
   one is hashed: equal content means a rename/move, which keeps its embedding;
   copies and photos back take what they had (``scan_diff``). One transaction.
2. Files lacking an embedding for the model, less those that take the vectors
   of a file with their content (one of equal new files is encoded, then the
   others take its vectors: ``copies.take_twins``), are read, hashed, decoded and
   preprocessed in decoder worker processes (``decode_pool``: a decoder crash
   costs one file), a bounded queue ahead of the model, so decoding overlaps
   inference. Each batch of embeddings (and decode errors) is committed in one
   transaction, so a kill loses at most the batches in flight. The files being
   decoded are journaled (``journal``): a run that follows a crash skips the
   file that caused it.
3. Threads: the engine's intra-op threads and the decode workers share the
   cores this process may use (:func:`plan_threads`); decoders never pause.
   The engine runs ``engine_lanes`` batches at once: a lane thread each, all
   calling the one image session, whose intra-op pool they share (lane threads
   + pool workers = the engine's threads: ``ThreadPlan.session_threads``).
   This thread commits the batches in order, with at most
   ``IN_FLIGHT_PER_LANE * engine_lanes`` encoded or being encoded and not yet
   committed. A vector that is not finite (NaN, infinity) is never stored: its
   photo is reported skipped and stays pending for the next run.
Progress is reported through a callback; a ``threading.Event`` cancels.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from motis_desktop.core.cores import available_cores
from motis_desktop.core.formatting import count
from motis_desktop.core.images.dates import read_photo_date
from motis_desktop.core.images.preprocess import normalize_batch
from motis_desktop.core.kinds import ImageProblem, ProgressPhase
from motis_desktop.core.library.batching import batches
from motis_desktop.core.library.decode_pool import (
    CRASHED,
    DEFAULT_MEMORY_BUDGET,
    Decoded,
    DecodeJob,
    DecodePool,
    JobHooks,
    ThreadDecodePool,
    content_hash,
    isolation_enabled,
    make_decode_pool,
)
from motis_desktop.core.library.index_report import (
    MAX_BATCH,
    IndexSummary,
    Progress,
    ProgressFn,
    Skipped,
    encode_progress,
)
from motis_desktop.core.library.journal import DecodeJournal
from motis_desktop.core.library.locking import IndexLock
from motis_desktop.core.library.scan_diff import scan_library
from motis_desktop.core.library.settling import still_written
from motis_desktop.core.library.store import EncodedFile, FileError, FileRecord, LibraryStore
from motis_desktop.core.library.thread_plan import ThreadPlan, plan_threads
from motis_desktop.core.library.went_away import away_folder, reachable_ids, waiting_for
from motis_desktop.core.pathnames import is_within

if TYPE_CHECKING:  # torch-free at import time: the GUI starts before the model loads
    from motis_desktop.core.models.engine import Encoder

log = logging.getLogger(__name__)
__all__ = [
    "CRASHED",
    "Indexer",
    "IndexSummary",
    "Progress",
    "ProgressFn",
    "Skipped",
    "ThreadPlan",
    "available_cores",
    "content_hash",
    "make_decode_pool",
    "plan_threads",
    "prepare_engine",
]

# Idle engine threads that spin take the cores the decoders need (measured: docs/benchmarks.md).
INDEXING_SPINS = False
# Batches in flight (in a lane or done, not yet committed) per lane: a slow batch lets the other lanes run
# ahead by this much, no more (what a kill can lose, and the decoded pixels held).
IN_FLIGHT_PER_LANE = 2
NON_FINITE = "the model gave a vector that is not finite (NaN or infinity): not stored, tried again next run"


def prepare_engine(encoder: Encoder, threads: int) -> None:
    """Give the image tower its indexing settings (``threads`` intra-op threads, no spinning) and make its
    session now (the indexer does it on an engine lane while the decoder workers start and decode)."""
    encoder.set_threads(image=threads, spinning=INDEXING_SPINS)
    encoder.load(["image"])


class Indexer:
    """Scans library folders and encodes what is missing for ``encoder``'s model.

    ``workers``/``engine_threads``/``engine_lanes`` default to :func:`plan_threads`; ``isolate`` (default: on unless
    ``MOTIS_DECODE_ISOLATION=0``) runs decoders in worker processes; ``prefetch_batches`` bounds the
    queue of decoded files waiting for the model; ``memory_budget`` bounds the estimated bytes of
    concurrent decodes. ``pool``: a decoder pool that outlives this run (``Services`` keeps one while the
    app runs), or a function that gives it, called while the image session is being made on a lane (so
    waiting for the workers' start overlaps making the session); without it the run starts its own and
    closes it at the end.
    """

    def __init__(
        self,
        store: LibraryStore,
        encoder: Encoder,
        batch_size: int = 16,
        workers: int | None = None,
        prefetch_batches: int = 2,
        isolate: bool | None = None,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        engine_threads: int | None = None,
        pool: DecodePool | Callable[[], DecodePool] | None = None,
        read_text: bool = False,
        engine_lanes: int | None = None,
        on_indexed: Callable[[IndexSummary], None] | None = None,
    ) -> None:
        self.store = store
        self.read_text = read_text  # run the text stage (core/ocr/stage.py) after the embeddings
        self.on_indexed = on_indexed  # told what the run did before the text stage, which can take hours
        self.encoder = encoder
        self.batch_size = min(max(1, batch_size), MAX_BATCH)
        plan = plan_threads()
        self.workers = max(1, workers or plan.decode_workers)
        self.engine_threads = engine_threads or plan.engine_threads
        # Lanes need an engine whose runs may overlap (the onnxruntime encoder: sessions are thread-safe).
        lanes = engine_lanes or plan.engine_lanes if hasattr(encoder, "set_threads") else 1
        self.engine_lanes = max(1, min(lanes, self.engine_threads))
        self.session_threads = ThreadPlan(self.engine_threads, self.workers, self.engine_lanes).session_threads
        self.shared_pool = pool
        self.prefetch_batches = max(1, prefetch_batches)
        self.isolate = isolation_enabled() if isolate is None else isolate
        self.memory_budget = memory_budget
        self.journal = DecodeJournal(store.db_path.parent / "decoding.journal")
        self._roots: dict[int, str] = {}  # folder id → library folder, read by each run (went_away.py)
        self._started = 0.0  # the run's start (time.monotonic)

    def run(
        self,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        roots: Iterable[str] | None = None,
    ) -> IndexSummary:
        """Scan the library folders (only ``roots`` when given, e.g. those a watcher saw change),
        apply the differences, encode what is missing in the whole library."""
        with IndexLock(self.store.db_path.parent / "index.lock"):
            return self._run(progress, cancel or threading.Event(), None if roots is None else set(roots))

    def _run(self, progress: ProgressFn | None, cancel: threading.Event, roots: set[str] | None) -> IndexSummary:
        started = self._started = time.monotonic()
        summary = IndexSummary(model_id=self.encoder.model_id)
        recovery = self.journal.recover()
        if recovery.culprits:  # before the scan, which clears the error of a file that has changed since
            crashed = [FileError(fid, CRASHED, False, ImageProblem.CRASHED) for fid in recovery.culprits]
            self.store.commit_batch(self.encoder.model_id, [], crashed, [])
        folders = self.store.folders()
        self._roots = {f.id: f.path for f in folders}  # the library folder of each photo (went_away.py)
        scanned = folders if roots is None else [f for f in folders if f.path in roots]
        scan_library(self.store, self.encoder.model_id, scanned, summary, cancel, progress, started)
        if not summary.cancelled:
            folder_ids = reachable_ids(folders, scanned, summary.offline)  # an offline folder's photos wait
            summary.waiting, summary.model_name = waiting_for(self.store, self.encoder, folders, folder_ids)
            summary.skipped.extend(
                Skipped(r.path, r.error or "", r.problem, True) for r in self.store.failed(folder_ids)
            )
            self._backfill_dates(folder_ids, cancel)
            # Files whose content another file has: encoded once, the others take its vectors (copies.take_twins).
            todo = self._take_twins(self.store.pending(self.encoder.model_id, folder_ids), summary)
            firsts, others = _split_twins(todo)
            self._encode(firsts, set(recovery.suspects), summary, cancel, progress)
            rest = self._take_twins(others, summary) if others and not summary.cancelled else []
            self._encode(rest, set(recovery.suspects), summary, cancel, progress)  # their twin could not be read
            if not summary.cancelled:
                self._read_text(folder_ids, summary, cancel, progress)
        summary.elapsed_s = time.monotonic() - started
        return summary

    def _read_text(
        self, folder_ids: list[int], summary: IndexSummary, cancel: threading.Event, progress: ProgressFn | None
    ) -> None:
        """Phase 3, its own module: file names into the name index, then (``read_text``) the words in the
        photos (photos are searchable by meaning before it; ``on_indexed`` hears what the run did until then)."""
        from motis_desktop.core.ocr.stage import TextProgress, run_text_stage
        from motis_desktop.core.ocr.text_store import TextStore

        TextStore(self.store).sync_names()
        if not self.read_text:
            return
        if self.on_indexed is not None:
            self.on_indexed(replace(summary, elapsed_s=time.monotonic() - self._started))

        def report(p: TextProgress) -> None:
            if progress:
                rate, eta = p.rate, p.eta_s  # copies left out (they take their original's text at once)
                encoded, skipped = summary.encoded, len(summary.skipped)
                progress(
                    Progress(ProgressPhase.TEXT, p.done, p.total, encoded, skipped, p.elapsed_s, rate, eta, p.current)
                )

        text = run_text_stage(self.store, folder_ids, cancel, report, isolate=self.isolate)
        summary.text_read = text.read
        summary.text_failed = [Skipped(path, reason) for path, reason in text.failed]
        for path in text.vanished:  # gone with their folder: counted by it, as the photos the encoder missed
            self._gone_with_folder(summary, path)
        summary.cancelled = summary.cancelled or text.cancelled

    def _gone_with_folder(self, summary: IndexSummary, path: str) -> bool:
        """Count the photo at ``path``, which vanished, under the folder that went away with it (went_away.py);
        False when only the file went."""
        roots = [root for root in self._roots.values() if is_within(path, root)]
        folder = away_folder(path, max(roots, key=len) if roots else os.path.dirname(path))
        if os.path.isdir(folder):
            return False
        summary.went_away[folder] = summary.went_away.get(folder, 0) + 1
        return True

    def _take_twins(self, todo: list[FileRecord], summary: IndexSummary) -> list[FileRecord]:
        """``todo`` less the files that took the vectors of a file with their content (counted as copies)."""
        took = set(self.store.take_twins(self.encoder.model_id, [r for r in todo if r.content_hash]))
        summary.copied += len(took)
        return [r for r in todo if r.id not in took]

    def _backfill_dates(self, folder_ids: list[int], cancel: threading.Event) -> None:
        """Read the date taken of files embedded before dates were stored (schema < 3): metadata only."""
        dates: list[tuple[int, float, str]] = []
        for record in self.store.undated(self.encoder.model_id, folder_ids):
            if cancel.is_set():
                break
            dates.append((record.id, *read_photo_date(record.path, record.mtime_ns)))
            if len(dates) >= 500:
                self.store.set_dates(dates)
                dates = []
        self.store.set_dates(dates)

    # -- phase 2: decode ahead, encode in batches, commit per batch -----------

    def _encode(
        self,
        todo: list[FileRecord],
        suspects: set[int],
        summary: IndexSummary,
        cancel: threading.Event,
        progress: ProgressFn | None,
    ) -> None:
        if not todo:
            return  # up to date: the image tower is not even loaded (a GUI at 100k photos saves ~250 MB)
        summary.indexed_before = self.store.counts(self.encoder.model_id)["indexed"]
        if progress:  # the scan is committed: front ends can show the new files now
            progress(encode_progress(summary, 0, len(todo), 0.0))
        with ThreadPoolExecutor(self.engine_lanes, thread_name_prefix="motis-engine-lane") as lanes:
            # The image session is made on a lane while the decoder workers start and decode the first batch.
            engine = lanes.submit(self._prepare_engine)
            with self._pool() as pool:
                crashes_before = pool.crashes
                self.journal.open()
                decoded = self._decoded(pool, todo, suspects)
                try:
                    self._encode_batches(decoded, {r.id: r for r in todo}, summary, cancel, progress, lanes, engine)
                finally:
                    decoded.close()  # ends the stream now (a shared pool serves the next run)
                    self.journal.close()
                crashes = pool.crashes - crashes_before
        if crashes:
            log.warning("%s crashed a decoder worker; each was skipped", count(crashes, "file"))

    def _encode_batches(
        self,
        decoded: Iterable[Decoded],
        records: dict[int, FileRecord],
        summary: IndexSummary,
        cancel: threading.Event,
        progress: ProgressFn | None,
        lanes: ThreadPoolExecutor,
        engine: Future[None],
    ) -> None:
        """Encode and commit ``decoded`` in batches, reporting progress after each; stop early on ``cancel``.

        Up to ``engine_lanes`` batches are in the engine at once (on ``lanes``, once ``engine`` is ready): a lane
        takes the next batch as soon as it is free. This thread commits finished batches in order, one transaction
        per batch. Invariant: ``in_flight`` (batches submitted, not yet committed) never holds more than
        ``IN_FLIGHT_PER_LANE * engine_lanes``, so a kill loses at most that many batches."""
        started = time.monotonic()
        total, done = len(records), 0
        most = IN_FLIGHT_PER_LANE * self.engine_lanes
        in_flight: deque[tuple[list[Decoded], Future[list[EncodedFile]]]] = deque()

        def commit_oldest() -> bool:
            """Commit the oldest batch in flight; False once ``cancel`` is set (what is still in flight stays
            pending for the next run)."""
            nonlocal done
            batch, encoded = in_flight.popleft()
            self._commit(batch, encoded.result(), records, summary)
            done += len(batch)
            if progress:
                progress(encode_progress(summary, done, total, time.monotonic() - started, batch[-1].path))
            summary.cancelled = cancel.is_set() and done < total
            return not cancel.is_set()

        def commit_finished() -> bool:
            while in_flight and in_flight[0][1].done():
                if not commit_oldest():
                    return False
            return True

        for batch in batches(decoded, total, self.batch_size, self.engine_lanes):
            engine.result()  # the session's error, if it could not be made
            while in_flight:
                running = [f for _, f in in_flight if not f.done()]
                if len(running) < self.engine_lanes and len(in_flight) < most:
                    break  # a lane is free, and the batches not yet committed stay within the bound
                if running:  # a lane is free once any of its batches is done; the oldest may then be committed
                    wait(running, return_when=FIRST_COMPLETED)
                if not commit_finished():
                    return
            in_flight.append((batch, lanes.submit(self._encoded, batch)))
            if not commit_finished():
                return
        while in_flight:
            if not commit_oldest():
                return

    @contextlib.contextmanager
    def _pool(self) -> Iterator[DecodePool]:
        """The shared decoder pool if there is one, else one started for this run and closed after it."""
        if self.shared_pool is not None:
            yield self.shared_pool() if callable(self.shared_pool) else self.shared_pool
            return
        queue_size = self.batch_size * self.prefetch_batches
        pool = make_decode_pool(self.workers, queue_size, self.isolate, self.memory_budget)
        try:
            yield pool
        finally:
            pool.close()

    def _hooks(self, pool: DecodePool) -> JobHooks:
        in_process = isinstance(pool, ThreadDecodePool)  # a crash there names the decoding thread
        return JobHooks(
            on_start=lambda job: self.journal.begin(job.file_id, threading.get_ident() if in_process else 0),
            on_done=lambda job: self.journal.end(job.file_id),
            on_crash=lambda job: self.journal.crashed(job.file_id),
        )

    def _decoded(self, pool: DecodePool, todo: list[FileRecord], suspects: set[int]) -> Generator[Decoded, None, None]:
        """Suspects of a previous crash first, one at a time (a crash then names its file), then the rest."""
        config, hooks = self.encoder.preprocess_config, self._hooks(pool)
        for record in todo:
            if record.id in suspects:
                yield from pool.stream([DecodeJob(record.id, record.path)], config, hooks)
        yield from pool.stream((DecodeJob(r.id, r.path) for r in todo if r.id not in suspects), config, hooks)

    def _prepare_engine(self) -> None:
        """The image tower's indexing settings (``session_threads`` intra-op threads, no spinning) and its session,
        made now (the onnxruntime engine: one session per tower, which every lane calls)."""
        log.info("indexing with %s", ThreadPlan(self.engine_threads, self.workers, self.engine_lanes))
        set_threads, load = getattr(self.encoder, "set_threads", None), getattr(self.encoder, "load", None)
        if set_threads is not None:
            set_threads(image=self.session_threads, spinning=INDEXING_SPINS)
        if load is not None:
            load(["image"])

    def _encoded(self, batch: list[Decoded]) -> list[EncodedFile]:
        """Normalize and encode a batch's decoded images (on a lane thread)."""
        good = [d for d in batch if d.pixels is not None]
        if not good:
            return []
        config = self.encoder.preprocess_config
        pixels = normalize_batch(np.stack([d.pixels for d in good]), config.mean, config.std)  # type: ignore[misc]
        vectors = self.encoder.encode_images(pixels)
        return [
            EncodedFile(d.file_id, d.size, d.mtime_ns, d.content_hash, v, d.taken_at, d.taken_source)
            for d, v in zip(good, vectors, strict=True)
        ]

    def _commit(
        self, batch: list[Decoded], encoded: list[EncodedFile], records: dict[int, FileRecord], summary: IndexSummary
    ) -> None:
        """Store a batch's embeddings with its errors in one transaction; a vector that is not finite is never
        stored (it would poison every search): its photo is reported skipped and stays pending. A file that failed
        while still being written is neither (``settling``): it stays pending, the next run reads it."""
        waiting = still_written(batch, records)
        summary.still_written += [records[file_id].path for file_id in waiting]
        batch = [d for d in batch if d.file_id not in waiting]
        errors = [FileError(d.file_id, d.error, d.transient, d.problem) for d in batch if d.error and not d.vanished]
        vanished = [d.file_id for d in batch if d.vanished]
        finite = [bool(np.isfinite(e.vector).all()) for e in encoded]
        stored = [e for e, ok in zip(encoded, finite) if ok]
        # Photos whose folder was removed from the library meanwhile (another process, or the window's Settings)
        # are left out, not encoded but dropped: the removal wins ("a folder was removed meanwhile")
        dropped = self.store.commit_batch(self.encoder.model_id, stored, errors, vanished)
        summary.encoded += len(stored) - dropped
        summary.repaired += sum(1 for e in stored if e.file_id in summary.retried)  # could not be read before
        summary.dropped += dropped
        for path in (records[e.file_id].path for e, ok in zip(encoded, finite) if not ok):
            log.warning("%s (will retry): %s", path, NON_FINITE)
            summary.skipped.append(Skipped(path, NON_FINITE))
        for d in batch:
            if d.error:
                what = "vanished" if d.vanished else "will retry" if d.transient else "skipped"
                log.info("%s (%s): %s", records[d.file_id].path, what, d.error)
        for d in batch:  # no broken file: one whose folder went away is counted by it, one deleted is removed
            if d.vanished and not self._gone_with_folder(summary, records[d.file_id].path):
                summary.removed += 1
        summary.skipped.extend(
            Skipped(records[d.file_id].path, d.error or "", d.problem) for d in batch if d.error and not d.vanished
        )


def _split_twins(todo: list[FileRecord]) -> tuple[list[FileRecord], list[FileRecord]]:
    """``todo`` as the files to encode and the others whose content hash one of those has (in ``todo``'s order)."""
    seen: set[str] = set()
    firsts, others = [], []
    for record in todo:
        if record.content_hash in seen:
            others.append(record)
            continue
        if record.content_hash:
            seen.add(record.content_hash)
        firsts.append(record)
    return firsts, others
