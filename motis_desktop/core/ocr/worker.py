"""Read photos' text in a worker process, so a photo that crashes, hangs or exhausts the reader costs that
photo only (like ``library/decode_pool`` for decoders).

One ``spawn``-ed process loads the OCR models once and reads one photo at a time (it is sent a path and
decodes the file itself, first at a reduced scale for the detector's quick look: :func:`read_photo`). The
parent waits for each answer on the pipe and on the process's sentinel: a process that dies is reported as
:data:`CRASHED` for that photo, one that takes longer than ``timeout_s`` is killed and reported as
:data:`TIMED_OUT`; either way a fresh worker takes over for the next photo. A failure while another photo
was decoded ahead beside this one counts as this photo's only once it fails alone (``ProcessTextReader.read``).
Decoding goes through the core's one image reader (bombs are refused from the header before any pixel is
decoded), and the decoded photo is scaled so its long side is at most ``MAX_SIDE``. ``TextReader`` is the
same interface in this process (no isolation): for tests of the engine and the fallback where processes
cannot start.

The worker's private memory is capped (``MEMORY_HEADROOM_MB`` above what it takes with its models loaded,
``RLIMIT_DATA``; Linux): a photo that needs more is reported as :data:`OUT_OF_MEMORY` and skipped, or, when
the allocation fails where Python cannot catch it, as a crash.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from motis_desktop.core.errors import ImageError
from motis_desktop.core.images.decode import MEMORY_WORDS, NO_MEMORY
from motis_desktop.core.ocr.engine import PRESCREEN_SIDE, WHOLE, OcrEngine, OcrResult, TextLine

log = logging.getLogger(__name__)

CRASHED = "the text reader crashed on this photo"
TIMED_OUT = "reading the text took too long"
DEFAULT_TIMEOUT_S = 120.0
TIMEOUT_ENV = "MOTIS_OCR_TIMEOUT_S"  # overrides DEFAULT_TIMEOUT_S (seconds one photo may take)
START_TIMEOUT_S = 120.0
# Address space one photo may take in the worker, above what it uses once its models are loaded: a photo
# that needs more (a huge PNG, a panorama) fails there with MemoryError and is reported and skipped, instead
# of pushing the desktop into swap. Decoding a 180 MP photo (the decoders' limit) takes about 540 MB.
MEMORY_HEADROOM_MB = 2048
MEMORY_ENV = "MOTIS_OCR_MEMORY_MB"  # overrides MEMORY_HEADROOM_MB
OUT_OF_MEMORY = "the photo needs more memory than the text reader may use"
MAX_SIDE = 4096  # long side of the photo the reader sees (crops of text come from this)
DECODE_MIN_SIDE = 1536  # large JPEGs are decoded at a reduced scale that still gives this short side
# Test-only hooks: a reader aborts (crash) or never answers (hang) on a photo whose name contains this text.
CRASH_HOOK_ENV = "MOTIS_TEST_OCR_CRASH"
HANG_HOOK_ENV = "MOTIS_TEST_OCR_HANG"


@dataclass(frozen=True)
class ReadJob:
    file_id: int
    path: str
    next_path: str | None = None  # the photo read after this one: the worker decodes it meanwhile


Loaded = tuple[bytes, np.ndarray]  # a photo's bytes and its decode for the quick look


@dataclass
class ReadOutcome:
    file_id: int
    lines: tuple[TextLine, ...] = ()
    regions: int = 0
    error: str | None = None
    seconds: float = 0.0
    width: int = 0  # the photo's size as shown; the lines' boxes are in its pixels
    height: int = 0


def load_photo(path: str, data: bytes | None = None, quick: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """The photo as RGB, long side at most MAX_SIDE, and the factor from its pixels to the photo's full size
    (ImageError for files that are not readable photos). ``data``: the file's bytes when already read;
    ``quick``: the photo as :func:`quick_look` decoded it, used when it is already as large as this would be."""
    from motis_desktop.core.images.decode import decode_image, read_image_bytes

    data = read_image_bytes(path) if data is None else data
    if quick is not None and _full_factor(data, quick) == 1.0:
        rgb = quick  # not reduced (not a JPEG, or a small one): decoding again would give the same pixels
    else:
        rgb = decode_image(data, min_side=DECODE_MIN_SIDE)
    height, width = rgb.shape[:2]
    factor = _full_factor(data, rgb)
    if max(height, width) > MAX_SIDE:
        scale = MAX_SIDE / max(height, width)
        rgb = cv2.resize(
            rgb, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
        )
        factor /= scale
    return rgb, factor


def quick_look(data: bytes) -> np.ndarray:
    """The photo decoded for the detector's quick look: a large JPEG at the reduced DCT scale that still gives
    a long side of about ``PRESCREEN_SIDE`` (an eighth of the work of a full decode), others in full."""
    from motis_desktop.core.images.decode import REDUCED_OVERSAMPLE, decode_image
    from motis_desktop.core.images.reader import read_info

    info = read_info(data)
    min_side = None
    if info.size is not None:
        long_side, short_side = max(info.size), min(info.size)
        # decode_image keeps REDUCED_OVERSAMPLE × min_side; a long side down to 0.9 × PRESCREEN_SIDE will do
        min_side = max(1, int(PRESCREEN_SIDE * 0.9 * short_side / long_side / REDUCED_OVERSAMPLE))
    return decode_image(data, min_side=min_side, info=info)


def to_full_size(result: OcrResult, factor: float) -> OcrResult:
    """``result`` with its boxes and size in the pixels of the full-size photo."""
    if factor == 1.0:
        return result

    def quad(box: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return [(round(x * factor, 1), round(y * factor, 1)) for x, y in box]

    lines = [
        replace(line, box=quad(line.box), words=tuple(replace(w, box=quad(w.box)) for w in line.words))
        for line in result.lines
    ]
    return OcrResult(lines, round(result.width * factor), round(result.height * factor), result.regions)


def load_quick(path: str) -> Loaded:
    from motis_desktop.core.images.decode import read_image_bytes

    _test_hooks(path)  # where a decoder would crash or hang: for the next photo, on the prefetch thread
    data = read_image_bytes(path)
    return data, quick_look(data)


def read_photo(engine: OcrEngine, job: ReadJob, load: Callable[[], Loaded] | None = None) -> ReadOutcome:
    """Read one photo's text (never raises for a bad photo). The fast path: the detector's quick look at a
    reduced decode; the full decode and the detector at full scale only where it saw something. ``load``:
    gives the photo's bytes and quick-look decode (default: :func:`load_quick` now)."""
    started = time.perf_counter()
    outcome = ReadOutcome(job.file_id)
    try:
        data, quick = load() if load is not None else load_quick(job.path)
        height, width = quick.shape[:2]
        factor = _full_factor(data, quick)
        regions = engine.prescreen(quick) if max(height, width) * factor > PRESCREEN_SIDE * 1.25 else [WHOLE]
        if regions:
            rgb, factor = load_photo(job.path, data, quick)
            result = to_full_size(engine.read(rgb, regions), factor)
        else:
            result = to_full_size(OcrResult(width=width, height=height), factor)
        outcome.lines, outcome.regions = tuple(result.lines), result.regions
        outcome.width, outcome.height = result.width, result.height
    except ImageError as exc:
        outcome.error = OUT_OF_MEMORY if _out_of_memory(exc) else str(exc)
    except FileNotFoundError:
        outcome.error = "file vanished before it could be read"
    except MemoryError:
        outcome.error = OUT_OF_MEMORY
    except (OSError, ValueError, cv2.error) as exc:
        outcome.error = OUT_OF_MEMORY if _out_of_memory(exc) else f"cannot read the text: {exc}"
    outcome.seconds = time.perf_counter() - started
    return outcome


def _out_of_memory(exc: Exception) -> bool:
    """OpenCV says so in its message only (its decoders' errors reach us as ImageError, in decode's words)."""
    return NO_MEMORY in str(exc) or any(words in str(exc) for words in MEMORY_WORDS)


def _full_factor(data: bytes, rgb: np.ndarray) -> float:
    from motis_desktop.core.images.header import image_size, sniff_format

    fmt = sniff_format(data[:32])
    full = image_size(data, fmt) if fmt else None
    return max(full) / max(rgb.shape[:2]) if full and max(full) > max(rgb.shape[:2]) else 1.0


def _test_hooks(path: str) -> None:
    name = os.path.basename(path)
    crash, hang = os.environ.get(CRASH_HOOK_ENV), os.environ.get(HANG_HOOK_ENV)
    if crash and crash in name:
        os.abort()
    if hang and hang in name:
        signal.pause() if hasattr(signal, "pause") else time.sleep(3600)  # never answers: the parent kills it


def default_timeout() -> float:
    try:
        value = float(os.environ.get(TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


class TextReader:
    """The engine in this process (no isolation)."""

    def __init__(self, threads: int = 1) -> None:
        self.engine = OcrEngine(threads)
        self.crashes = 0

    def read(self, job: ReadJob) -> ReadOutcome:
        return read_photo(self.engine, job)

    def close(self) -> None:
        pass


class _Prefetch:
    """Reads and decodes the next photo for its quick look on a thread while this one is read: the decoder
    and onnxruntime release the GIL, so on two cores a camera JPEG's decode costs no wall time."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="motis-ocr-prefetch")
        self._path: str | None = None
        self._future: Future[Loaded] | None = None

    def take(self, path: str) -> Callable[[], Loaded]:
        """How to get ``path``'s decode: the one under way when it was prefetched, else decode it now."""
        future, self._future = self._future, None
        if future is not None and self._path == path:
            return future.result  # its errors (ImageError, MemoryError) are raised for this photo
        return functools.partial(load_quick, path)

    def start(self, path: str) -> None:
        self._path, self._future = path, self._pool.submit(load_quick, path)


def _worker_main(conn: Any, threads: int) -> None:
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)  # a front end's own threads come first
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cv2.setNumThreads(1)
    engine = OcrEngine(threads)
    _limit_memory()
    prefetch = _Prefetch()
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        load = prefetch.take(job.path)
        if job.next_path:
            prefetch.start(job.next_path)
        try:
            conn.send(read_photo(engine, job, load))
        except (BrokenPipeError, OSError):
            return


def memory_headroom_mb() -> int:
    try:
        value = int(os.environ.get(MEMORY_ENV, ""))
    except ValueError:
        return MEMORY_HEADROOM_MB
    return value if value > 0 else MEMORY_HEADROOM_MB


def _limit_memory() -> None:
    """Cap this worker's data memory at what it takes now (models loaded) plus the headroom (Linux only).

    ``RLIMIT_DATA`` (private writable memory, Linux ≥ 4.7), not ``RLIMIT_AS``: the address space a process
    reserves (glibc's per-thread malloc arenas, onnxruntime's threads) is far larger than what it uses, so an
    address-space cap tight enough to matter refuses small photos too."""
    try:
        import resource

        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[5]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError, IndexError):
        return  # no /proc (macOS, Windows): no cap
    limit = used + memory_headroom_mb() * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


class ProcessTextReader:
    """The engine in a worker process; ``read`` waits at most ``timeout_s`` for one photo."""

    def __init__(self, threads: int = 1, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.threads = threads
        self.timeout_s = timeout_s
        self.crashes = 0
        self.retried_alone = 0  # photos read again alone after failing beside another photo's decode
        self._ahead: str | None = None  # the photo the worker is decoding ahead
        self._ctx = multiprocessing.get_context("spawn")
        self._process: Any = None
        self._conn: Any = None

    def start(self) -> ProcessTextReader:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(child, self.threads), name="motis-ocr", daemon=True)
        process.start()
        child.close()
        ready = parent.poll(START_TIMEOUT_S)
        answer = None
        if ready:
            with contextlib.suppress(EOFError, OSError):
                answer = parent.recv()
        if answer != "ready":
            process.kill()
            process.join()
            parent.close()
            raise RuntimeError("the text reader process did not start")
        self._process, self._conn = process, parent
        return self

    def read(self, job: ReadJob) -> ReadOutcome:
        """Read ``job``'s photo. A crash, hang or lack of memory while another photo was decoded beside it (the
        next one ahead, or this one ahead of the last) may be that photo's: this one is then read again alone,
        in a fresh worker, before its failure is recorded (the store does not try a failed photo again)."""
        if self._process is None or not self._process.is_alive():
            self._restart()
        shared = job.next_path is not None or self._ahead == job.path
        outcome = self._read_once(job)
        if shared and outcome.error in (CRASHED, TIMED_OUT, OUT_OF_MEMORY):
            log.info("%s: %s beside another photo's decode; reading it alone", job.path, outcome.error)
            self.retried_alone += 1
            if outcome.error == OUT_OF_MEMORY:
                self._restart()  # the worker may still hold or be decoding the next photo
            return self.read(replace(job, next_path=None))
        return outcome

    def _read_once(self, job: ReadJob) -> ReadOutcome:
        started = time.perf_counter()
        try:
            self._conn.send(job)
        except (BrokenPipeError, OSError):
            pass  # died idle: the sentinel says so below
        self._ahead = job.next_path
        ready = multiprocessing.connection.wait([self._conn, self._process.sentinel], self.timeout_s)
        if self._conn in ready:
            with contextlib.suppress(EOFError, OSError):
                outcome = self._conn.recv()
                if isinstance(outcome, ReadOutcome):
                    return outcome
        reason = TIMED_OUT if not ready else CRASHED
        code = self._process.exitcode
        log.warning("text reader %s on %s (exit code %s)", "hung" if not ready else "died", job.path, code)
        self.crashes += 1
        self._restart()
        return ReadOutcome(job.file_id, error=reason, seconds=time.perf_counter() - started)

    def _restart(self) -> None:
        self._stop()
        self.start()
        self._ahead = None  # a fresh worker has decoded nothing ahead

    def _stop(self) -> None:
        if self._process is None:
            return
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=5)
        self._conn.close()
        self._process = self._conn = None

    def close(self) -> None:
        if self._process is not None and self._process.is_alive():
            with contextlib.suppress(BrokenPipeError, OSError):
                self._conn.send(None)
            self._process.join(timeout=2)
        self._stop()
