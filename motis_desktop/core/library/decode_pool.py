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
  decoding a fixed number of files ahead of the model. Decoders never pause:
  they run beside the model (at a lower priority), the engine's intra-op
  threads leave them their share of the cores (``indexer.plan_threads``).
- A pool outlives an indexing run: ``Services`` keeps one while the app runs,
  so the workers' start (importing numpy, OpenCV, Pillow) is paid once. The
  preprocessing settings travel with each job, so one pool serves any model.
- What travels back is the 8-bit centre crop (``preprocess_uint8``), a quarter
  of the float32 tensor; the consumer normalizes whole batches.

``ThreadDecodePool`` is the same interface without isolation (threads in this
process): the fallback where processes cannot be started, and what
``MOTIS_DECODE_ISOLATION=0`` selects.
"""

from __future__ import annotations

import abc
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
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from motis_desktop.core.errors import ImageError, ImageProblem
from motis_desktop.core.images.dates import photo_date
from motis_desktop.core.images.decode import decode_image, read_image_bytes, reduction_factor
from motis_desktop.core.images.preprocess import PreprocessConfig, preprocess_uint8
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
    """The outcome of one job: the 8-bit centre crop ``[S, S, 3]`` (normalize with
    ``preprocess.normalize_batch``), or an error (``transient``: worth retrying later)."""

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
    cpu_s: float = 0.0  # CPU time the decoder spent on this file (read, hash, decode, preprocess)


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


def decode_file(
    job: DecodeJob, config: PreprocessConfig, reserve: _Reservation | None = None, crash_marker: str | None = None
) -> Decoded:
    """Read, hash, decode and preprocess one file (never raises for a bad file). ``crash_marker``: the test
    hook's text (default: ``MOTIS_TEST_DECODER_CRASH`` of this process)."""
    item = Decoded(job.file_id, job.path)
    path = job.path
    started = time.thread_time()
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
        _crash_hook(path, crash_marker)
        with reserve(decode_cost(data, config.size, info)) if reserve else contextlib.nullcontext():
            rgb = decode_image(data, min_side=config.size, info=info)
            item.pixels = preprocess_uint8(rgb, config.size, config.resize_mode, config.interpolation)
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
    item.cpu_s = time.thread_time() - started
    return item


def _crash_hook(path: str, marker: str | None = None) -> None:
    marker = marker if marker is not None else os.environ.get(CRASH_HOOK_ENV)
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


def _worker_main(conn: Any, stderr_path: str, budget: tuple[int, Any, Any, int]) -> None:
    """Entry point of a decode worker: decode ``(job, config)`` pairs from ``conn`` until it sends None or closes."""
    capture = open(stderr_path, "w+b", buffering=0)  # noqa: SIM115 (lives as long as the process)
    os.dup2(capture.fileno(), 2)  # native warnings land here, read back after each file
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)  # the model's threads come first when the machine is busy
    import cv2
    import PIL.Image  # noqa: F401 (imported at start, not on the first file)

    cv2.setNumThreads(1)  # one worker, one core: the pool size is the decode parallelism
    reserve = _ProcessBudget(*budget)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    conn.send(_READY)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job, config, crash_marker = message
        start = capture.tell()
        item = decode_file(job, config, reserve, crash_marker)
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
    """Decodes jobs ahead of the consumer; results come in any order. One :meth:`stream` at a time; a pool
    serves any number of streams (indexing runs) until :meth:`close`."""

    crashes: int
    n_workers: int

    def stream(
        self,
        jobs: Iterable[DecodeJob],
        config: PreprocessConfig | None = None,
        hooks: JobHooks | None = None,
    ) -> Iterator[Decoded]: ...

    def close(self) -> None: ...

    def __enter__(self) -> DecodePool: ...

    def __exit__(self, *exc: object) -> None: ...


JobHook = Callable[[DecodeJob], None]


@dataclass(frozen=True)
class JobHooks:
    """Called (on the dispatcher thread) when a file is handed to a decoder, when its result or crash is
    known, and for a file whose worker died: the indexer journals them."""

    on_start: JobHook | None = None
    on_done: JobHook | None = None
    on_crash: JobHook | None = None


class _PoolBase(abc.ABC):
    """What both pools share: the default preprocessing settings and journal hooks, replaced per stream."""

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
        self.hooks = JobHooks(on_start, on_done, on_crash)
        self.crashes = 0
        self._streaming = threading.Lock()

    @contextlib.contextmanager
    def _stream_settings(self, config: PreprocessConfig | None, hooks: JobHooks | None) -> Iterator[None]:
        """Use ``config``/``hooks`` for one stream; a second stream at the same time is a programming error."""
        if not self._streaming.acquire(blocking=False):
            raise RuntimeError("a decode pool serves one stream at a time")
        saved = self.config, self.hooks
        self.config, self.hooks = config or self.config, hooks or self.hooks
        try:
            yield
        finally:
            self.config, self.hooks = saved
            self._streaming.release()

    def stream(
        self,
        jobs: Iterable[DecodeJob],
        config: PreprocessConfig | None = None,
        hooks: JobHooks | None = None,
    ) -> Iterator[Decoded]:
        """Decode ``jobs`` in the workers; yield results as they arrive (any order)."""
        with self._stream_settings(config, hooks):
            yield from self._stream(jobs)

    @abc.abstractmethod
    def _stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]:
        """The results of ``jobs`` as each pool decodes them (processes or threads)."""


class ProcessDecodePool(_PoolBase):
    """``workers`` decode processes fed by a dispatcher thread; results pass through a bounded queue.

    ``on_start``/``on_done``/``on_crash`` are the default :class:`JobHooks`; :meth:`stream` may replace them
    (and the preprocessing settings) for one stream. The workers stay up between streams.
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
        """Start the worker processes, all at once, and wait for their imports (OSError/RuntimeError if the OS
        refuses or one does not start)."""
        launched = [self._launch(slot) for slot in range(self.n_workers)]
        try:
            for worker in launched:
                self._await_ready(worker)
        except BaseException:
            for worker in launched:
                worker.process.kill()
                worker.process.join()
                worker.conn.close()
            raise
        self._workers.extend(launched)
        return self

    def _spawn(self, slot: int) -> _Worker:
        worker = self._launch(slot)
        self._await_ready(worker)
        return worker

    def _launch(self, slot: int) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        stderr_path = os.path.join(self._tmp.name, f"worker-{slot}.stderr")
        budget = (self._memory_budget, self._budget_cond, self._budget_slots, slot)
        process = self._ctx.Process(
            target=_worker_main,
            args=(child, stderr_path, budget),
            name=f"motis-decode-{slot}",
            daemon=True,
        )
        process.start()
        child.close()
        return _Worker(slot, process, parent, stderr_path)

    @staticmethod
    def _await_ready(worker: _Worker) -> None:
        """Wait for the worker's imports: a worker that cannot start must not be mistaken for a crash on a file."""
        parent = worker.conn
        if parent.poll(START_TIMEOUT_S) and _recv_or_none(parent) == _READY:
            return
        tail = _tail(worker.stderr_path)
        worker.process.kill()
        worker.process.join()
        parent.close()
        raise RuntimeError(f"a decoder worker process did not start{f': {tail}' if tail else ''}")

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and benchmarks: the same ids across runs)."""
        return [w.process.pid for w in self._workers]

    def _stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]:
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
            self._drain()

    def _drain(self, timeout: float = 10.0) -> None:
        """Collect the answers of files still being decoded when a stream stopped early (cancel), so the next
        stream starts with idle workers; a worker that does not answer in ``timeout`` is replaced."""
        for worker in list(self._workers):
            job = worker.job
            if job is None:
                continue
            answered = False
            with contextlib.suppress(EOFError, OSError):
                if worker.conn.poll(timeout):
                    worker.conn.recv()
                    answered = True
            worker.job = None
            if self.hooks.on_done:
                self.hooks.on_done(job)
            if not answered:
                worker.process.kill()
                worker.process.join(timeout=5)
                with self._budget_cond:
                    self._budget_slots[worker.slot] = 0
                    self._budget_cond.notify_all()
                self._replace(worker)

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
        hooks, config = self.hooks, self.config
        crash_marker = os.environ.get(CRASH_HOOK_ENV, "")  # read per stream: the workers outlive a run
        while not self._stop.is_set():
            for worker in list(self._workers):
                if worker.job is not None or exhausted:
                    continue
                if not worker.process.is_alive():  # died while idle (e.g. the OOM killer): replace it
                    worker = self._replace(worker)
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                    break
                if hooks.on_start:
                    hooks.on_start(job)
                worker.job = job
                try:
                    worker.conn.send((job, config, crash_marker))
                except (BrokenPipeError, OSError):
                    pass  # died idle: noticed below through its sentinel
            busy = [w for w in self._workers if w.job is not None]
            if not busy:
                return  # exhausted: every job was handed out and answered
            waitables = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(multiprocessing.connection.wait(waitables, timeout=0.5))
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
                if hooks.on_done:
                    hooks.on_done(job)
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
        if self.hooks.on_crash:
            self.hooks.on_crash(job)
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

    def _one(self, job: DecodeJob, config: PreprocessConfig, hooks: JobHooks) -> Decoded:
        if hooks.on_start:
            hooks.on_start(job)
        item = decode_file(job, config, self._budget)
        if hooks.on_done:
            hooks.on_done(job)
        return item

    def _stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]:
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
                    pending.append(self._pool.submit(self._one, job, self.config, self.hooks))
                if not pending:
                    return
                yield pending.pop(0).result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ThreadDecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
