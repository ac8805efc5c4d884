"""Fills in the pixel sizes the timeline's rows lack: headers read on the backend a chunk at a time.

A library seen before has its sizes in the core's cache and needs nothing here; for new photos the timeline
first guesses 3:2 and lays the rows out again (keeping the photo at the top in place) as sizes arrive. Chunks
are small so that a search submitted meanwhile runs between two of them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from motis_desktop.core.services import PhotoSizes

CHUNK = 250  # headers read per backend job: a search submitted meanwhile waits for one chunk at most
APPLY_EVERY = 10_000  # sizes handed on at least this many at a time (each hand-over lays the rows out again)
APPLY_SHARE = 10  # ... and at least this share (1/N) of what a fill reads: at 1M photos a lay-out takes ~1 s


class SizeFiller(QObject):
    """Signals:
    arrived: Emitted with ``{path: aspect ratio}`` for newly read photos (after the last chunk, or every
        ``APPLY_EVERY`` photos, or every tenth of a larger fill).
    """

    arrived = Signal(object)

    def __init__(self, submit: Callable[..., Any], parent: QObject | None = None) -> None:
        """``submit(fn, on_done, on_error)`` runs ``fn(services)`` on the backend (``Backend.submit``)."""
        super().__init__(parent)
        self.submit = submit
        self._todo: deque[tuple[str, int]] = deque()  # a list sliced per chunk cost O(n) each: 0.15 s at 1M
        self._found: dict[str, float] = {}
        self._running = False
        self._read_any = False  # a chunk was read since the cache was last saved
        self._apply_every = APPLY_EVERY

    @property
    def idle(self) -> bool:
        """Nothing being read or left to read."""
        return not self._running and not self._todo

    def fill(self, missing: list[tuple[str, int]]) -> None:
        """Read the sizes of these (path, mtime) in the background (replaces what was still to read)."""
        self._todo = deque(missing)
        self._apply_every = max(APPLY_EVERY, len(self._todo) // APPLY_SHARE)
        if not self._running:
            self._next()

    def _next(self) -> None:
        if not self._todo:
            self._running = False
            if self._read_any:  # the cache file once per round, not after every chunk
                self._read_any = False
                self.submit(lambda s: s.save_photo_sizes(), lambda _none: None, lambda _message: None)
            if self._found:
                self.arrived.emit(self._found)
                self._found = {}
            return
        todo = self._todo
        chunk = [todo.popleft() for _ in range(min(CHUNK, len(todo)))]
        self._running = True
        self._read_any = True
        self.submit(lambda s: s.photo_sizes(chunk, read=len(chunk)), self._done, lambda _message: self._next())

    def _done(self, sizes: PhotoSizes) -> None:
        self._found.update({path: w / h for path, (w, h) in sizes.sizes.items()})
        if len(self._found) >= self._apply_every:
            self.arrived.emit(self._found)
            self._found = {}
        self._next()
