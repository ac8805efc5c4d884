"""Decode files for the indexer in worker processes, so a decoder crash costs one file, not the run.

A native decoder (OpenCV, libpng, libjpeg…) can crash the whole process on a
hostile file (issue 11: a corrupted APNG segfaults ``cv2.imdecode``). Each
worker process decodes one file at a time; a worker that dies takes only its
file with it: that file is reported as "the decoder crashed on this file" and a
fresh worker takes over. Processes also run decoding outside the main
process's GIL, beside the model.

- Workers are started with the ``spawn`` method on every OS (Linux, macOS,
  Windows, and inside a PyInstaller bundle, whose entry points call
  ``multiprocessing.freeze_support()``); they import numpy and OpenCV, never
  torch.
- What native code writes to a worker's stderr (libpng/OpenCV warnings) is
  captured per file and logged, never shown on the terminal.
- A memory budget shared by all workers bounds the pixels being decoded at
  once: a file whose estimated cost would exceed it waits until others finish
  (a single file larger than the budget still runs, alone).
- A bounded queue between the dispatcher thread and the consumer keeps
  decoding a fixed number of files ahead of the model.

``ThreadDecodePool`` is the same interface without isolation (threads in this
process): the fallback where processes cannot be started, and what
``MOTIS_DECODE_ISOLATION=0`` selects.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from motis_desktop.core.errors import ImageError, ImageProblem
from motis_desktop.core.images.dates import photo_date
from motis_desktop.core.images.decode import decode_image, read_image_bytes, reduction_factor
from motis_desktop.core.images.preprocess import PreprocessConfig, preprocess
from motis_desktop.core.images.reader import ImageInfo, read_info
from motis_desktop.core.kinds import ImageFormat

log = logging.getLogger(__name__)

CRASHED = "the decoder crashed on this file"
# Test-only hook: a worker (or decode thread) aborts the process on a file whose name contains this text.
CRASH_HOOK_ENV = "MOTIS_TEST_DECODER_CRASH"
ISOLATION_ENV = "MOTIS_DECODE_ISOLATION"
DEFAULT_MEMORY_BUDGET = 1536 * 1024 * 1024
# Bytes per decoded pixel at the peak of decode + preprocess: the 8-bit RGB image, a 16-bit or
# alpha intermediate inside the decoder, and the float32 copy preprocessing makes of a small image.
BYTES_PER_PIXEL = 12


@dataclass(frozen=True)
class DecodeJob:
    """One file to decode (``file_id`` is the library's id, opaque here)."""

    file_id: int
    path: str


@dataclass
class Decoded:
    """The outcome of one job: preprocessed pixels, or an error (``transient``: worth retrying later)."""

    file_id: int
    path: str
    pixels: np.ndarray | None = None
    content_hash: str = ""
    size: int = 0
    mtime_ns: int = 0
    error: str | None = None
    transient: bool = False
    vanished: bool = False
    warnings: list[str] = field(default_factory=list)
    taken_at: float | None = None  # date taken (EXIF DateTimeOriginal, else mtime), unix time
    taken_source: str | None = None  # "exif" or "mtime"


def content_hash(data: bytes) -> str:
    """Content identity used to recognise renamed/moved files."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def decode_cost(data: bytes, min_side: int, info: ImageInfo | None = None) -> int:
    """Estimated peak bytes to decode and preprocess ``data`` (from its header, ``info`` if already read)."""
    info = info if info is not None else read_info(data)
    fmt, size = info.format, info.size
    if size is None:
        return len(data) * 4  # unknown geometry: compressed size times a typical ratio
    width, height = size
    pixels = max(width, 0) * max(height, 0)
    if fmt is ImageFormat.JPEG:
        pixels //= reduction_factor(min(width, height), min_side) ** 2
    return pixels * BYTES_PER_PIXEL


class _Reservation(Protocol):
    def __call__(self, cost: int) -> contextlib.AbstractContextManager[None]: ...


def decode_file(job: DecodeJob, config: PreprocessConfig, reserve: _Reservation | None = None) -> Decoded:
    """Read, hash, decode and preprocess one file (never raises for a bad file)."""
    item = Decoded(job.file_id, job.path)
    path = job.path
    try:
        before = os.stat(path)
        data = read_image_bytes(path)
        item.content_hash = content_hash(data)
        item.size, item.mtime_ns = before.st_size, before.st_mtime_ns
        info = read_info(data)  # the one read of the header and EXIF: date, memory cost, decoding
        item.taken_at, item.taken_source = photo_date(info.taken, before.st_mtime_ns)
        if len(data) != before.st_size or os.stat(path).st_mtime_ns != before.st_mtime_ns:
            item.error, item.transient = "file changed while being read (still being written?)", True
            return item
        _crash_hook(path)
        with reserve(decode_cost(data, config.size, info)) if reserve else contextlib.nullcontext():
            rgb = decode_image(data, min_side=config.size, info=info)
            item.pixels = preprocess(rgb, config.size, config.mean, config.std)
    except FileNotFoundError:
        item.vanished, item.error = True, "file vanished before it could be read"
    except ImageError as exc:
        item.error = str(exc)
        item.vanished = exc.kind is ImageProblem.VANISHED
        item.transient = exc.transient
    except PermissionError:
        item.error, item.transient = "permission denied", True
    except (OSError, MemoryError, ValueError) as exc:
        item.error, item.transient = f"cannot read: {exc}", True
    return item


def _crash_hook(path: str) -> None:
    marker = os.environ.get(CRASH_HOOK_ENV)
    if marker and marker in os.path.basename(path):
        os.abort()  # what glibc does on "double free or corruption"


def isolation_enabled() -> bool:
    """Decoders run in worker processes unless ``MOTIS_DECODE_ISOLATION=0``."""
    return os.environ.get(ISOLATION_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


# -- the memory budget ----------------------------------------------------------


class MemoryBudget:
    """Bytes of decoding that may run at once in this process's threads: ``with budget(cost):`` waits until
    the cost fits beside the decodes running (one decode larger than the whole budget runs alone)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.waiting = 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def __call__(self, cost: int) -> Iterator[None]:
        with self._cond:
            self.waiting += 1
            self._cond.notify_all()
            self._cond.wait_for(lambda: self.used == 0 or self.used + cost <= self.limit)
            self.waiting -= 1
            self.used += cost
        try:
            yield
        finally:
            with self._cond:
                self.used -= cost
                self._cond.notify_all()

    def wait_for_waiting(self, count: int, timeout_s: float | None = None) -> bool:
        """Wait until ``count`` callers are waiting for room (False on timeout): they are held, not running."""
        with self._cond:
            return self._cond.wait_for(lambda: self.waiting >= count, timeout_s)


class _ProcessBudget:
    """Budget shared by worker processes: one slot per worker holds its reservation, so the
    dispatcher can free the slot of a worker that died while decoding."""

    def __init__(self, limit: int, cond: Any, slots: Any, slot: int) -> None:
        self.limit, self._cond, self._slots, self._slot = limit, cond, slots, slot

    def _used(self) -> int:
        return sum(self._slots[:])

    @contextlib.contextmanager
    def __call__(self, cost: int) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: self._used() == 0 or self._used() + cost <= self.limit)
            self._slots[self._slot] = cost
        try:
            yield
        finally:
            with self._cond:
                self._slots[self._slot] = 0
                self._cond.notify_all()


# -- worker process -------------------------------------------------------------


def _worker_main(conn: Any, config: PreprocessConfig, stderr_path: str, budget: tuple[int, Any, Any, int]) -> None:
    """Entry point of a decode worker: decode jobs from ``conn`` until it sends None or closes."""
    capture = open(stderr_path, "w+b", buffering=0)  # noqa: SIM115 (lives as long as the process)
    os.dup2(capture.fileno(), 2)  # native warnings land here, read back after each file
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)  # the model's threads come first when the machine is busy
    import cv2

    cv2.setNumThreads(1)  # one worker, one core: the pool size is the decode parallelism
    reserve = _ProcessBudget(*budget)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    conn.send(_READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        start = capture.tell()
        item = decode_file(job, config, reserve)
        capture.seek(start)
        text = capture.read().decode("utf-8", "replace")
        capture.seek(0)
        capture.truncate()
        item.warnings = [line for line in text.splitlines() if line.strip()]
        try:
            conn.send(item)
        except (BrokenPipeError, OSError):
            return


_READY = "ready"
START_TIMEOUT_S = 120.0  # importing numpy and OpenCV on a loaded machine


@dataclass
class _Worker:
    slot: int
    process: Any
    conn: Any
    stderr_path: str
    job: DecodeJob | None = None


class DecodePool(Protocol):
    """Decodes jobs ahead of the consumer; results come in any order. Between :meth:`pause` and
    :meth:`resume` no new file starts decoding (files already started finish)."""

    crashes: int

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]: ...

    def close(self) -> None: ...

    def __enter__(self) -> DecodePool: ...

    def __exit__(self, *exc: object) -> None: ...


JobHook = Callable[[DecodeJob], None]


class _PoolBase:
    """What both pools share: settings, journal hooks, and a gate that lets files start decoding or holds
    them back; once :meth:`pause` returns, no file starts until :meth:`resume` (a start in progress
    completes before ``pause`` returns)."""

    def __init__(
        self,
        config: PreprocessConfig,
        workers: int,
        queue_size: int,
        on_start: JobHook | None,
        on_done: JobHook | None,
        on_crash: JobHook | None,
    ) -> None:
        self.config = config
        self.n_workers = max(1, workers)
        self.queue_size = max(1, queue_size)
        self.on_start, self.on_done, self.on_crash = on_start, on_done, on_crash
        self.crashes = 0
        self._cond = threading.Condition()
        self._open = True

    def pause(self) -> None:
        with self._cond:
            self._open = False

    def resume(self) -> None:
        with self._cond:
            self._open = True
            self._cond.notify_all()

    @contextlib.contextmanager
    def _starting(self, timeout: float | None = None) -> Iterator[bool]:
        """Hold the gate while a file is handed out; yields False if it stayed closed for ``timeout``."""
        with self._cond:
            yield self._cond.wait_for(lambda: self._open, timeout)


class ProcessDecodePool(_PoolBase):
    """``workers`` decode processes fed by a dispatcher thread; results pass through a bounded queue.

    ``on_start``/``on_done`` are called (on the dispatcher thread) when a file is handed to a worker and
    when its result or crash is known: the indexer journals them. ``on_crash`` is called for a file whose
    worker died.
    """

    def __init__(
        self,
        config: PreprocessConfig,
        workers: int = 1,
        queue_size: int = 32,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        on_start: JobHook | None = None,
        on_done: JobHook | None = None,
        on_crash: JobHook | None = None,
    ) -> None:
        super().__init__(config, workers, queue_size, on_start, on_done, on_crash)
        self._ctx = multiprocessing.get_context("spawn")
        self._budget_cond = self._ctx.Condition()
        self._budget_slots = self._ctx.Array("q", self.n_workers, lock=False)
        self._memory_budget = memory_budget
        self._tmp = tempfile.TemporaryDirectory(prefix="motis-decode-")
        self._workers: list[_Worker] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # The workers start when the pool is created, so their imports overlap whatever comes next.
    def start(self) -> ProcessDecodePool:
        """Start the worker processes (raises OSError if the OS refuses)."""
        for slot in range(self.n_workers):
            self._workers.append(self._spawn(slot))
        return self

    def _spawn(self, slot: int) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        stderr_path = os.path.join(self._tmp.name, f"worker-{slot}.stderr")
        budget = (self._memory_budget, self._budget_cond, self._budget_slots, slot)
        process = self._ctx.Process(
            target=_worker_main,
            args=(child, self.config, stderr_path, budget),
            name=f"motis-decode-{slot}",
            daemon=True,
        )
        process.start()
        child.close()
        # Wait for the worker's imports: a worker that cannot start must not be mistaken for a crash on a file.
        ready = parent.poll(START_TIMEOUT_S) and _recv_or_none(parent) == _READY
        if not ready:
            tail = _tail(stderr_path)
            process.kill()
            process.join()
            parent.close()
            raise RuntimeError(f"a decoder worker process did not start{f': {tail}' if tail else ''}")
        return _Worker(slot, process, parent, stderr_path)

    def stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]:
        """Decode ``jobs`` in the workers; yield results as they arrive (any order)."""
        if not self._workers:
            self.start()
        results: queue.Queue[Decoded | BaseException | None] = queue.Queue(self.queue_size)
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._dispatch, args=(iter(jobs), results), name="motis-decode-dispatch", daemon=True
        )
        self._thread.start()
        try:
            while True:
                item = results.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            with contextlib.suppress(queue.Empty):
                while True:  # unblock a dispatcher waiting on a full queue
                    results.get_nowait()
            self._thread.join()
            self._thread = None

    def _put(self, results: queue.Queue, item: Decoded | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                results.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _dispatch(self, jobs: Iterator[DecodeJob], results: queue.Queue) -> None:
        try:
            self._dispatch_loop(jobs, results)
        except BaseException as exc:  # noqa: BLE001 (handed to the consumer, raised there)
            self._put(results, exc)
        finally:
            if not self._stop.is_set():
                self._put(results, None)

    def _dispatch_loop(self, jobs: Iterator[DecodeJob], results: queue.Queue) -> None:
        exhausted = False
        while not self._stop.is_set():
            for worker in list(self._workers):
                if worker.job is not None or exhausted:
                    continue
                if not worker.process.is_alive():  # died while idle (e.g. the OOM killer): replace it
                    worker = self._replace(worker)
                with self._starting(timeout=0) as open_:
                    if not open_:
                        break
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                        break
                    if self.on_start:
                        self.on_start(job)
                    worker.job = job
                    try:
                        worker.conn.send(job)
                    except (BrokenPipeError, OSError):
                        pass  # died idle: noticed below through its sentinel
            busy = [w for w in self._workers if w.job is not None]
            if not busy:
                if exhausted:
                    return
                with self._starting(timeout=0.5):
                    pass  # paused (the model runs): wait for resume
                continue
            idle = not exhausted and len(busy) < len(self._workers)
            waitables = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(multiprocessing.connection.wait(waitables, timeout=0.05 if idle else 0.5))
            for worker in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                item = self._receive(worker)
                job = worker.job
                assert job is not None
                worker.job = None
                if item is None:
                    item = self._crashed(worker, job)
                for line in item.warnings:
                    log.info("decoder message for %s: %s", job.path, line)
                if self.on_done:
                    self.on_done(job)
                if not self._put(results, item):
                    return

    @staticmethod
    def _receive(worker: _Worker) -> Decoded | None:
        try:
            if worker.conn.poll():
                return worker.conn.recv()
        except (EOFError, OSError):
            pass
        return None

    def _crashed(self, worker: _Worker, job: DecodeJob) -> Decoded:
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        tail = _tail(worker.stderr_path)
        log.warning("decoder worker died on %s (exit code %s)%s", job.path, code, f": {tail}" if tail else "")
        self.crashes += 1
        if self.on_crash:
            self.on_crash(job)
        with self._budget_cond:
            self._budget_slots[worker.slot] = 0  # the dead worker's reservation
            self._budget_cond.notify_all()
        self._replace(worker)
        return Decoded(job.file_id, job.path, error=CRASHED)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.conn.close()
        fresh = self._spawn(worker.slot)
        self._workers[self._workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        """Stop the workers (those still decoding are terminated) and remove their files."""
        self._stop.set()
        for worker in self._workers:
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(None)
        for worker in self._workers:
            worker.process.join(timeout=2 if worker.job is None else 0)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5)
            worker.conn.close()
        self._workers.clear()
        self._tmp.cleanup()

    def __enter__(self) -> ProcessDecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _recv_or_none(conn: Any) -> Any:
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            lines = [ln.strip() for ln in fh.read()[-2000:].decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


class ThreadDecodePool(_PoolBase):
    """The same interface with decode threads in this process (no isolation: a crash ends the process)."""

    def __init__(
        self,
        config: PreprocessConfig,
        workers: int = 1,
        queue_size: int = 32,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        on_start: JobHook | None = None,
        on_done: JobHook | None = None,
        on_crash: JobHook | None = None,
    ) -> None:
        super().__init__(config, workers, queue_size, on_start, on_done, on_crash)
        self._budget = MemoryBudget(memory_budget)
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> ThreadDecodePool:
        self._pool = ThreadPoolExecutor(self.n_workers, thread_name_prefix="motis-decode")
        return self

    def _one(self, job: DecodeJob) -> Decoded:
        with self._starting():
            if self.on_start:
                self.on_start(job)
        item = decode_file(job, self.config, self._budget)
        if self.on_done:
            self.on_done(job)
        return item

    def stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]:
        if self._pool is None:
            self.start()
        assert self._pool is not None
        pending: list = []
        source = iter(jobs)
        try:
            while True:
                while len(pending) < self.queue_size:
                    job = next(source, None)
                    if job is None:
                        break
                    pending.append(self._pool.submit(self._one, job))
                if not pending:
                    return
                yield pending.pop(0).result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        self.resume()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ThreadDecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
