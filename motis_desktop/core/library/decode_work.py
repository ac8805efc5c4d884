"""Decoding one file for the indexer, and what every decode pool shares (``decode_pool.py`` is the entry
point): the jobs and their results, the memory budget, the pool interface and its journal hooks."""

from __future__ import annotations

import abc
import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

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


class PoolBase(abc.ABC):
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
