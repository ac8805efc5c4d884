"""Fills in the pixel sizes the timeline's rows lack: headers read on the backend a chunk at a time.

A library seen before has its sizes in the core's cache and needs nothing here; for new photos the timeline
first guesses 3:2 and lays the rows out again (keeping the photo at the top in place) as sizes arrive. Chunks
are small so that a search submitted meanwhile runs between two of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from motis_desktop.core.services import PhotoSizes

CHUNK = 250  # headers read per backend job: a search submitted meanwhile waits for one chunk at most
APPLY_EVERY = 10_000  # sizes handed on at least this many at a time (each hand-over lays the rows out again)


class SizeFiller(QObject):
    """Signals:
    arrived: Emitted with ``{path: aspect ratio}`` for newly read photos (after the last chunk, or every
        ``APPLY_EVERY`` photos).
    """

    arrived = Signal(object)

    def __init__(self, submit: Callable[..., Any], parent: QObject | None = None) -> None:
        """``submit(fn, on_done, on_error)`` runs ``fn(services)`` on the backend (``Backend.submit``)."""
        super().__init__(parent)
        self.submit = submit
        self._todo: list[tuple[str, int]] = []
        self._found: dict[str, float] = {}
        self._running = False
        self._read_any = False  # a chunk was read since the cache was last saved

    @property
    def idle(self) -> bool:
        """Nothing being read or left to read."""
        return not self._running and not self._todo

    def fill(self, missing: list[tuple[str, int]]) -> None:
        """Read the sizes of these (path, mtime) in the background (replaces what was still to read)."""
        self._todo = list(missing)
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
        chunk, self._todo = self._todo[:CHUNK], self._todo[CHUNK:]
        self._running = True
        self._read_any = True
        self.submit(lambda s: s.photo_sizes(chunk, read=len(chunk)), self._done, lambda _message: self._next())

    def _done(self, sizes: PhotoSizes) -> None:
        self._found.update({path: w / h for path, (w, h) in sizes.sizes.items()})
        if len(self._found) >= APPLY_EVERY:
            self.arrived.emit(self._found)
            self._found = {}
        self._next()
