"""Decode photos for display (thumbnails, the viewer) in worker processes: a decoder crash costs one photo.

A native decoder can crash the process it runs in on a hostile file (issue 11: mutated APNGs segfault
OpenCV). Indexing already decodes in worker processes (``library/decode_pool.py``); this is the same
isolation for the window, which asks for one photo at a time from several threads:

- :class:`DecoderProcesses` keeps up to ``workers`` spawned processes (numpy + OpenCV only, never torch or
  Qt). A call takes an idle worker (starting one when fewer are running, else waiting for one), sends it the
  path and sizes, and waits for its answer or its death. A worker that dies, or takes longer than
  ``timeout_s``, is replaced, and the call raises ``ImageError`` ("the decoder crashed on this photo").
- What native decoders write to stderr in a worker is dropped (the window shows its own reasons).
- ``MOTIS_DECODE_ISOLATION=0`` decodes in the calling thread instead (as for indexing).

:func:`load_image` is the one call front ends make; it uses one shared instance per process, closed at exit.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from motis_desktop.core.errors import ImageError, ImageProblem, os_reason

log = logging.getLogger(__name__)

CRASHED = "cannot show this photo: the decoder crashed on it"
TIMED_OUT = "cannot show this photo: the decoder took too long"
ISOLATION_ENV = "MOTIS_DECODE_ISOLATION"  # the same switch as indexing's decode pool
DEFAULT_TIMEOUT_S = 120.0  # a decode that takes longer is hung: its worker is killed


def isolation_enabled() -> bool:
    return os.environ.get(ISOLATION_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def decode_here(
    path: str, min_side: int | None = None, max_side: int | None = None
) -> tuple[np.ndarray, tuple[int, int]]:
    """Decode ``path`` in this process: RGB ``uint8 H×W×3`` upright, scaled down to ``max_side`` if larger,
    and the decoded (width, height) before that scaling."""
    import cv2

    from motis_desktop.core.images.decode import load_image as decode_file

    rgb = decode_file(path, min_side=min_side)
    h, w = rgb.shape[:2]
    if max_side and max(h, w) > max_side:
        scale = max_side / max(h, w)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(rgb), (w, h)


def _worker_main(conn: Any) -> None:
    """A decoder process: answer (path, min_side, max_side) requests until None or the pipe closes."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # libpng/OpenCV warnings: the window shows its own reason
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)  # the window and the model come first
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import cv2

    cv2.setNumThreads(1)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        path, min_side, max_side = request
        try:
            reply: tuple[str, object] | tuple[str, str, str] = ("ok", decode_here(path, min_side, max_side))
        except ImageError as exc:
            reply = ("error", str(exc), exc.kind.value)
        except FileNotFoundError:
            reply = ("error", "the file is gone", ImageProblem.VANISHED.value)
        except (OSError, MemoryError) as exc:
            why = os_reason(exc) if isinstance(exc, OSError) else str(exc) or "out of memory"
            reply = ("error", f"cannot read: {why}", ImageProblem.UNREADABLE.value)
        except Exception as exc:  # cv2.error and the like: this photo, not the worker
            log.info("decoding %s failed: %s: %s", path, type(exc).__name__, exc)  # the library's words: log only
            reply = ("error", "damaged or incomplete file", ImageProblem.INVALID.value)
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: Any
    conn: Any


class DecoderProcesses:
    """Up to ``workers`` decoder processes shared by any number of threads (see the module docstring)."""

    def __init__(self, workers: int = 2, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.max_workers = max(1, workers)
        self.timeout_s = timeout_s
        self.crashes = 0
        self._ctx = multiprocessing.get_context("spawn")
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._count = 0  # workers running or being started
        self._closed = False

    def load(
        self, path: str, min_side: int | None = None, max_side: int | None = None
    ) -> tuple[np.ndarray, tuple[int, int]]:
        """``path`` decoded in a worker (see :func:`decode_here`); ImageError for a bad photo or a crash."""
        worker = self._take()
        ready: list[Any] = []
        try:
            worker.conn.send((os.fspath(path), min_side, max_side))
            ready = multiprocessing.connection.wait([worker.conn, worker.process.sentinel], self.timeout_s)
            reply = worker.conn.recv() if worker.conn in ready and worker.conn.poll() else None
        except (EOFError, OSError):
            reply = None
        if reply is None:  # died on this photo (its pipe closed), or hung on it (nothing within the timeout)
            hung = not ready
            self._discard(worker)
            self.crashes += 1
            log.warning("photo decoder %s on %s", "hung" if hung else "crashed", path)
            raise ImageError(TIMED_OUT if hung else CRASHED, ImageProblem.INVALID)
        self._give_back(worker)
        if reply[0] == "ok":
            decoded: tuple[np.ndarray, tuple[int, int]] = reply[1]
            return decoded
        raise ImageError(reply[1], ImageProblem(reply[2]))

    def close(self) -> None:
        """Stop every worker (callers still waiting get an ImageError)."""
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._cond.notify_all()
        for worker in idle:
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.conn.send(None)
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()

    def _take(self) -> _Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise ImageError("cannot show this photo: the app is closing", ImageProblem.UNREADABLE)
                if self._idle:
                    return self._idle.pop()
                if self._count < self.max_workers:
                    self._count += 1
                    break
                self._cond.wait()
        try:
            return self._start()
        except BaseException:
            with self._cond:
                self._count -= 1
                self._cond.notify()
            raise

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(target=_worker_main, args=(child,), name="motis-photo-decoder", daemon=True)
        try:
            process.start()
        except (OSError, RuntimeError) as exc:
            parent.close()
            child.close()
            raise ImageError(f"cannot show this photo: no decoder process ({exc})", ImageProblem.UNREADABLE) from None
        child.close()
        return _Worker(process, parent)

    def _give_back(self, worker: _Worker) -> None:
        with self._cond:
            if not self._closed:
                self._idle.append(worker)
                self._cond.notify()
                return
        self._stop(worker)

    def _discard(self, worker: _Worker) -> None:
        self._stop(worker)
        with self._cond:
            self._count -= 1
            self._cond.notify()

    @staticmethod
    def _stop(worker: _Worker) -> None:
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=5)
        worker.conn.close()


_shared: DecoderProcesses | None = None
_shared_lock = threading.Lock()


def shared() -> DecoderProcesses:
    """This process's decoder processes (started on first use, stopped at exit)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = DecoderProcesses(workers=max(1, min(4, os.cpu_count() or 2)))
            atexit.register(_shared.close)
        return _shared


def restart_shared() -> None:
    """Stop this process's decoder processes; the next photo starts new ones (which see the environment as
    it is then)."""
    global _shared
    with _shared_lock:
        old, _shared = _shared, None
    if old is not None:
        old.close()


def load_image(path: str, *, min_side: int | None = None, max_side: int | None = None) -> np.ndarray:
    """Decode a photo for display, crash-isolated: RGB ``uint8 H×W×3`` upright (at least ``min_side`` on its
    short side where the decoder can reduce, at most ``max_side`` on its long side). ImageError says why a
    photo cannot be shown, including "the decoder crashed on it"; the caller never crashes with it."""
    return load_photo(path, min_side=min_side, max_side=max_side)[0]


def load_photo(
    path: str, *, min_side: int | None = None, max_side: int | None = None
) -> tuple[np.ndarray, tuple[int, int]]:
    """:func:`load_image` and the photo's decoded (width, height) before scaling to ``max_side``."""
    if not isolation_enabled():
        return decode_here(path, min_side, max_side)
    return shared().load(path, min_side, max_side)
