"""The in-app viewer: the current photo large, inside the window.

Space or a double-click on the grid opens it (Enter still opens the photo in
the default app); Left/Right step through the grid's rows, Esc (or Space, or a
double-click) goes back to the grid at the photo last shown. Full-resolution
decoding runs on the task runner's ``VIEWER`` lane (QImage there, QPixmap here); the photos
either side are prefetched, and a few recent ones are kept.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import cv2
from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QStackedWidget, QWidget

from motis_desktop.core.errors import ImageError
from motis_desktop.core.formatting import format_pixels, format_size
from motis_desktop.core.images import isolated
from motis_desktop.core.images.dates import read_photo_date
from motis_desktop.gui.broken_tile import broken_icon
from motis_desktop.gui.library_model import LibraryModel, Roles, Row, row_data
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.result_copies import deleted_words
from motis_desktop.gui.result_renames import Renamed, renamed_words
from motis_desktop.gui.tasks import Lane, TaskRunner
from motis_desktop.gui.text_overlay import matched_words, paint_text_matches
from motis_desktop.gui.texts import missing_photo
from motis_desktop.gui.viewer_fit import photo_rect
from motis_desktop.gui.viewer_place import Places

MAX_EDGE = 3000  # decoded photos are kept at most this large (memory); the screen rarely shows more
CACHE_ITEMS = 5
INFO_HEIGHT = 28
_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Escape, Qt.Key.Key_Space, Qt.Key.Key_Home, Qt.Key.Key_End)


@dataclass(frozen=True)
class Loaded:
    """A decoded photo (or why it failed) with what the info line shows."""

    path: str
    image: QImage | None
    error: str
    width: int = 0
    height: int = 0
    file_bytes: int = 0
    date: str = ""


def load_for_viewer(path: str, folders: tuple[str, ...] = ()) -> Loaded:
    """Worker thread: decode ``path`` upright at full resolution (capped at ``MAX_EDGE``) as a QImage; ``folders``:
    the library's, to say that a missing photo's folder is offline."""
    try:
        st = os.stat(path)
        rgb, (w, h) = isolated.load_photo(path, max_side=MAX_EDGE)  # in a decoder process: a crash costs this photo
    except FileNotFoundError:  # the footer said "[Errno 2] No such file or directory: '/media/…'"
        return Loaded(path, None, missing_photo(path, folders))
    except OSError as exc:
        return Loaded(path, None, f"Cannot read this file: {(exc.strerror or str(exc)).lower()}")
    except (ImageError, cv2.error, MemoryError) as exc:
        return Loaded(path, None, str(exc))
    sh, sw = rgb.shape[:2]
    image = QImage(rgb.data, sw, sh, 3 * sw, QImage.Format.Format_RGB888).copy()
    return Loaded(path, image, "", w, h, st.st_size, _photo_date(path, st.st_mtime_ns))


def _photo_date(path: str, mtime_ns: int) -> str:
    """When the photo was taken (EXIF), else when the file was last changed."""
    taken, _source = read_photo_date(path, mtime_ns)
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(taken))


class PhotoViewer(QWidget):
    """Shows one row of a list of rows, fitted to the widget, with name, date, size and score."""

    closed = Signal(int)
    """Emitted when the viewer closes, with the row shown last."""
    shown = Signal(object)
    """Emitted with the path (str) whose photo (or failure) is now on screen (a Python object: a Qt string would drop
    the bytes of a name that are not UTF-8)."""
    moved = Signal(object)
    """Emitted with the path (str) of the photo the viewer turned to (opened, stepped), before it is decoded."""

    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(False)
        self.runner = runner if runner is not None else TaskRunner(self)
        self._cache: OrderedDict[str, Loaded] = OrderedDict()
        self._loading: set[str] = set()
        self._rows: Sequence[Row] = []
        self._places = Places(0, ())
        self.noun = "photo"  # what a readable row is called in the footer's place: "result" over a search's
        self.row = 0
        self._pixmap: QPixmap | None = None
        self._pixmap_path = ""
        self.folders: Callable[[], list[str]] = list  # the library's folders (the window's copy)

    # -- contents ------------------------------------------------------------------

    def show_rows(self, rows: Sequence[Row], row: int) -> None:
        self._set_rows(rows)
        self._go(row)

    def _set_rows(self, rows: Sequence[Row]) -> None:
        self._rows = rows  # the model's: a copy, or the gallery's columns (never changed)
        self._places = Places.of(rows)

    def follow(self, rows: Sequence[Row], row_of: Callable[[str], int | None]) -> bool:
        """The grid's rows were read again: step through ``rows`` from now on, on the photo shown if it is still
        there, else on the next one that is (the previous one at the end). False when none of its photos is."""
        old, at = self._rows, self.row
        self._set_rows(rows)
        places = range(len(old))  # their slices, not the rows': no 1M rows made
        for k in chain(places[at:], reversed(places[:at])):
            target = row_of(old[k].path)
            if target is not None:
                self._go(target)
                return True
        self.row = -1  # nothing to show: the caller goes back to the grid
        return False

    def forget(self, paths: list[str]) -> None:
        """These files changed on disk (``ThumbnailManager.changed``): decode them again when shown."""
        for path in paths:
            self._cache.pop(path, None)
        current = self.current
        if current is not None and current.path in paths and self.isVisible():
            self._go(self.row)

    def step(self, delta: int) -> None:
        if self._rows:
            self._go(max(0, min(len(self._rows) - 1, self.row + delta)))

    @property
    def current(self) -> Row | None:
        return self._rows[self.row] if 0 <= self.row < len(self._rows) else None

    @property
    def problem(self) -> str:
        """Why the photo on show cannot be shown ("" when it can, or while it loads): the page says it in its middle."""
        current = self.current
        loaded = self._cache.get(current.path) if current is not None else None
        return loaded.error if loaded is not None else ""

    @property
    def shown_path(self) -> str:
        """The path whose decoded photo is on screen ("" while it is still loading)."""
        return self._pixmap_path

    def shutdown(self) -> None:
        self.runner.drop_queued(Lane.VIEWER)
        self.runner.wait(Lane.VIEWER, 5000)

    def _go(self, row: int) -> None:
        self.row = row
        self._pixmap, self._pixmap_path = None, ""
        current = self.current
        if current is None:
            return
        self.moved.emit(current.path)
        loaded = self._cache.get(current.path)
        if loaded is not None:
            self._cache.move_to_end(current.path)
            self._display(loaded)
        else:
            self._request(current.path)
        for neighbour in (row + 1, row - 1):  # the next photo first: that is where people go
            if 0 <= neighbour < len(self._rows):
                self._request(self._rows[neighbour].path)
        self.update()

    def _request(self, path: str) -> None:
        if path in self._cache or path in self._loading:
            return
        self._loading.add(path)
        folders = tuple(self.folders())
        self.runner.call(Lane.VIEWER, lambda: load_for_viewer(path, folders), self._loaded)

    def _loaded(self, loaded: Loaded) -> None:
        self._loading.discard(loaded.path)
        self._cache[loaded.path] = loaded
        while len(self._cache) > CACHE_ITEMS:
            self._cache.popitem(last=False)
        current = self.current
        if current is not None and current.path == loaded.path:
            self._display(loaded)

    def _display(self, loaded: Loaded) -> None:
        self._pixmap = QPixmap.fromImage(loaded.image) if loaded.image is not None else None
        self._pixmap_path = loaded.path
        self.update()
        self.shown.emit(loaded.path)

    def info_text(self, width: int | None = None) -> str:
        """Name · date · pixel size · file size · score · place, as the bottom line shows it; within ``width``
        pixels (the footer's) a long name is cut in its middle (its start and extension stay), then the facts at
        their end, and the place ("photo 3 of 120", "unreadable file 1 of 4": as the status bar counts them) always
        shows."""
        current = self.current
        if current is None:
            return ""
        name, place = readable(os.path.basename(current.path)), self._places.words(self.row, self.noun)
        facts = "  ·  ".join(self._facts(current))
        whole = f"{name}  ·  {facts}  ·  {place}"
        metrics = self.fontMetrics()
        if width is None or metrics.horizontalAdvance(whole) <= width:
            return whole
        sep = metrics.horizontalAdvance("  ·  ")
        room = width - metrics.horizontalAdvance(place) - 2 * sep
        name = metrics.elidedText(
            name, Qt.TextElideMode.ElideMiddle, max(room - metrics.horizontalAdvance(facts), room // 2)
        )
        facts = metrics.elidedText(facts, Qt.TextElideMode.ElideRight, room - metrics.horizontalAdvance(name))
        return "  ·  ".join(part for part in (name, facts, place) if part)

    @property
    def footer(self) -> str:
        """The bottom line as drawn: :meth:`info_text` within the viewer's width."""
        return self.info_text(self.width() - 16)

    def _facts(self, current: Row) -> list[str]:
        """What the footer says of the photo between its name and its place."""
        loaded = self._cache.get(current.path)
        if loaded is not None and loaded.error:
            parts = [loaded.error]
        elif loaded is not None:
            parts = [loaded.date, format_pixels(loaded.width, loaded.height), format_size(loaded.file_bytes)]
        else:
            parts = ["loading…"]
        if current.score is not None:
            parts.append(f"score {current.score:.3f}")
        if current.matches:
            parts.append(matched_words(current.matches))
        return parts

    # -- painting and keys -----------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(18, 18, 18))
        area = self.rect().adjusted(8, 8, -8, -8 - INFO_HEIGHT)
        if self._pixmap is not None and not self._pixmap.isNull() and area.width() > 0 and area.height() > 0:
            target, smooth = photo_rect(self._pixmap.size(), area)  # tiny images zoomed up, crisp
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            painter.drawPixmap(target, self._pixmap)
            current = self.current
            if current is not None and current.matches:
                paint_text_matches(painter, target, current.matches)
        elif self.problem and area.width() > 0 and area.height() > 0:
            paint_problem(painter, area, self.problem)
        painter.setPen(QColor(225, 225, 225))
        info = QRect(8, self.height() - INFO_HEIGHT, self.width() - 16, INFO_HEIGHT)
        painter.drawText(info, Qt.AlignmentFlag.AlignCenter, self.footer)
        painter.end()

    def event(self, event: QEvent) -> bool:
        # The window binds Esc (back to the gallery); while the viewer has focus these keys are ours.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) and event.key() in _KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Right:
            self.step(1)
        elif key == Qt.Key.Key_Left:
            self.step(-1)
        elif key == Qt.Key.Key_Home:
            self.step(-len(self._rows))
        elif key == Qt.Key.Key_End:
            self.step(len(self._rows))
        elif key in (Qt.Key.Key_Escape, Qt.Key.Key_Space):
            self.closed.emit(self.row)
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.closed.emit(self.row)


def paint_problem(painter: QPainter, area: QRect, reason: str) -> None:
    """A file that cannot be shown: the grid tile's broken-image icon and the reason in plain words in the page's
    middle (the page was black, the reason only in the small footer)."""
    c = area.center()
    painter.save()  # the footer's font and pen after this
    ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
    painter.drawPixmap(c.x() - 28, c.y() - 72, broken_icon(56, QColor(200, 200, 200).rgba(), ratio))
    font = QFont(painter.font())
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor(235, 235, 235))
    text = QRect(area.x() + 16, c.y() - 8, area.width() - 32, area.bottom() - c.y())
    painter.drawText(text, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, "This file cannot be shown")
    font.setBold(False)
    font.setPointSizeF(font.pointSizeF() / 1.2)
    painter.setFont(font)
    line = painter.fontMetrics().lineSpacing()
    flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
    painter.drawText(text.adjusted(0, round(line * 1.6), 0, 0), flags, reason[:1].upper() + reason[1:])
    painter.restore()


class GridViewer(QObject):
    """Opens the viewer from a grid (Space, double-click) as a page of ``stack`` and returns to the grid.

    Signals:
        left: Emitted with a line for the status bar when the photo on show left the library while viewed, or
            results deleted were replaced by a copy of each.
    """

    left = Signal(str)

    def __init__(
        self, view: QAbstractItemView, stack: QStackedWidget, model: LibraryModel, runner: TaskRunner | None = None
    ) -> None:
        super().__init__(view)
        self.view, self.stack, self.model = view, stack, model
        self.viewer = PhotoViewer(runner=runner)
        stack.addWidget(self.viewer)
        self.viewer.closed.connect(self.close)
        self.noun: Callable[[], str] = lambda: "photo"  # the footer's word for the rows: "result" over results
        self._viewport = view.viewport()  # kept: the filter must not call into a view being destroyed
        view.installEventFilter(self)
        self._viewport.installEventFilter(self)

    @property
    def is_open(self) -> bool:
        return self.stack.currentWidget() is self.viewer

    def open(self, index: QModelIndex) -> None:
        """Show the photo at ``index`` large; Left/Right step through the grid's rows."""
        if not index.isValid():
            return
        self.viewer.noun = self.noun()
        self.viewer.show_rows(self.model.rows(), index.row())
        self.stack.setCurrentWidget(self.viewer)
        self.viewer.setFocus()

    def follow_rows(
        self,
        copies: Mapping[str, str] | None = None,
        unnamed: Mapping[str, str] | None = None,
        renamed: Sequence[Renamed] = (),
    ) -> None:
        """The grid's rows were read again (photos deleted or renamed, a folder removed): an open viewer steps
        through them; if its photo left, the next one still there shows, or the grid when none is. ``copies``:
        results deleted that a copy of each replaced (path → the copy's): said, and followed to the copy;
        ``unnamed``: results deleted whose copies were not named (path → "2 more"), said (searched again);
        ``renamed``: results renamed or moved, shown at their new paths: said, and followed there."""
        said = [renamed_words(renamed, self.viewer.folders())] if renamed else []
        if copies or unnamed:
            said.append(deleted_words(copies or {}, unnamed or {}, self.viewer.folders()))
        if said:
            self.left.emit("; ".join(said))
        copies, unnamed = {**(copies or {}), **{r.old: r.new for r in renamed}}, unnamed or {}
        if not self.is_open:
            return
        shown = self.viewer.current
        self.viewer.noun = self.noun()
        if not self.viewer.follow(self.model.rows(), lambda path: self.model.row_of(copies.get(path, path))):
            self.close()
        if (
            shown is not None
            and shown.path not in unnamed
            and self.model.row_of(copies.get(shown.path, shown.path)) is None
        ):
            self.left.emit(f"{readable(os.path.basename(shown.path))} is no longer in the library")

    def close(self, row: int | None = None) -> None:
        """Back to the grid, on the photo shown last (rows may have been refreshed meanwhile)."""
        current = self.viewer.current
        self.stack.setCurrentWidget(self.view)
        if current is not None:
            target = self.model.row_of(current.path)
            if target is not None:
                index = self.model.index(target)
                self.view.setCurrentIndex(index)
                self.view.scrollTo(index)  # only moves if it stepped out of sight
        self.view.setFocus()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            obj is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Space
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
        ):
            self.open(self.view.currentIndex())
            return True
        if (
            obj is self._viewport
            and event.type() == QEvent.Type.MouseButtonDblClick
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
        ):
            index = self.view.indexAt(event.position().toPoint())
            if index.isValid() and not row_data(index, Roles.ERROR):  # a broken tile's is Skipped…'s (unreadable_group)
                self.open(index)
                return True  # no `activated`: a double-click views, Enter opens in the default app
        return super().eventFilter(obj, event)
