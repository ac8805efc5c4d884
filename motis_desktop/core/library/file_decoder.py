"""Decode one file for the indexer: read, hash, date, decode and preprocess it (what a decoder worker process
or thread runs per job), and the few settings every decoder shares."""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from motis_desktop.core.errors import ImageError, ImageProblem
from motis_desktop.core.images.dates import photo_date
from motis_desktop.core.images.decode import decode_image, read_image_bytes, reduction_factor
from motis_desktop.core.images.preprocess import PreprocessConfig, preprocess_uint8
from motis_desktop.core.images.reader import ImageInfo, read_info
from motis_desktop.core.kinds import CRASHED_DETAIL, ImageFormat

CRASHED = CRASHED_DETAIL
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
    problem: ImageProblem | None = None  # the error's kind (stored as ``files.problem``)
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
            item.problem = ImageProblem.UNREADABLE
            return item
        _crash_hook(path, crash_marker)
        with reserve(decode_cost(data, config.size, info)) if reserve else contextlib.nullcontext():
            rgb = decode_image(data, min_side=config.size, info=info)
            item.pixels = preprocess_uint8(rgb, config.size, config.resize_mode, config.interpolation)
    except FileNotFoundError:
        item.vanished, item.error, item.problem = True, "file vanished before it could be read", ImageProblem.VANISHED
    except ImageError as exc:
        item.error, item.problem = str(exc), exc.kind
        item.vanished = exc.kind is ImageProblem.VANISHED
        item.transient = exc.transient
    except PermissionError:
        item.error, item.transient, item.problem = "permission denied", True, ImageProblem.UNREADABLE
    except (OSError, MemoryError, ValueError) as exc:
        item.error, item.transient, item.problem = f"cannot read: {exc}", True, ImageProblem.UNREADABLE
    item.cpu_s = time.thread_time() - started
    return item


def _crash_hook(path: str, marker: str | None = None) -> None:
    marker = marker if marker is not None else os.environ.get(CRASH_HOOK_ENV)
    if marker and marker in os.path.basename(path):
        os.abort()  # what glibc does on "double free or corruption"


def isolation_enabled() -> bool:
    """Decoders run in worker processes unless ``MOTIS_DECODE_ISOLATION=0``."""
    return os.environ.get(ISOLATION_ENV, "1").strip().lower() not in ("0", "false", "no", "off")
