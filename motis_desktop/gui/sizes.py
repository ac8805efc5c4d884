"""Fills in the pixel sizes the timeline's rows lack: headers read on the backend a chunk at a time.

A library seen before has its sizes in the core's cache and needs nothing here; for new photos the timeline
first guesses 3:2 and lays the rows out again (keeping the photo at the top in place) as sizes arrive. Chunks
are small so that a search submitted meanwhile runs between two of them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from motis_desktop.core.services import PhotoSizes
from motis_desktop.gui.gallery_rows import GalleryRows, Row

CHUNK = 250  # headers read per backend job: a search submitted meanwhile waits for one chunk at most
APPLY_EVERY = 10_000  # sizes handed on at least this many at a time (each hand-over lays the rows out again)
APPLY_SHARE = 10  # ... and at least this share (1/N) of what a fill reads: each hand-over lays 1M photos out again
ROWS_PER_TURN = 5_000  # gallery rows given their sizes per turn of the event loop (RowSizes): ~5 ms
_ASPECT = Row._fields.index("aspect")


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


class RowSizes(QObject):
    """Sizes handed on, written into the gallery's rows (``Row.aspect``, which results and the next lay-out of
    the gallery read) a slice per turn of the event loop: at 1M photos a hand-over is 100k rows, ~0.2 s of the
    GUI thread in one go. :meth:`flush` writes what is left before the rows are used."""

    def __init__(self, target: Callable[[], tuple[Sequence[Row], Mapping[str, int]]], parent: QObject | None = None):
        """``target()``: the gallery's rows and each path's place in them, as they are when a slice is written."""
        super().__init__(parent)
        self.target = target
        self._left: deque[Iterator[tuple[str, float]]] = deque()  # hand-overs' items still to write
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)

    def add(self, aspects: dict[str, float]) -> None:
        """``aspects`` (by path) to write; the dict is not changed afterwards (the filler hands on a new one)."""
        self._left.append(iter(aspects.items()))
        self._timer.start()

    def flush(self) -> None:
        while self._left:
            self._slice()

    def _slice(self) -> None:
        rows, index = self.target()
        chunk = list(islice(self._left[0], ROWS_PER_TURN)) if self._left else []
        if len(chunk) < ROWS_PER_TURN and self._left:
            self._left.popleft()  # that hand-over is written
        if isinstance(rows, GalleryRows):
            rows.set_aspects(dict(chunk))  # into its columns, looked up together
        elif isinstance(rows, list):  # rows as tuples (results, tests)
            new = tuple.__new__
            for path, aspect in chunk:
                if (i := index.get(path)) is not None:
                    row = rows[i]  # row._replace(aspect=aspect) at a third of its cost
                    rows[i] = new(Row, (*row[:_ASPECT], aspect, *row[_ASPECT + 1 :]))
        if not self._left:
            self._timer.stop()
