"""The gallery's timeline: photos in justified rows under date (or folder) headers, with a date scrubber.

A ``QAbstractItemView`` over the :class:`LibraryModel`, so selection, the current photo, ``activated``
(Enter), tooltips and the context menu work as in any item view. The geometry comes from
:mod:`motis_desktop.gui.justified` (computed once per width, zoom and rows; lookups are binary searches);
only the tiles on screen are painted, and painting is what requests thumbnails.
"""

from __future__ import annotations

import operator

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QPainter, QPaintEvent, QPalette, QRegion, QResizeEvent, QShowEvent, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyleOptionViewItem, QWidget

from motis_desktop.core.gc_pause import gc_paused
from motis_desktop.gui.delegate import TileDelegate
from motis_desktop.gui.justified import Layout, Spacing, justify
from motis_desktop.gui.library_model import LibraryModel, Row
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.scrubber import WIDTH as SCRUBBER_WIDTH
from motis_desktop.gui.scrubber import DateScrubber
from motis_desktop.gui.thumbnails import ThumbnailManager
from motis_desktop.gui.timeline_groups import (
    ZOOM_HEIGHTS,
    Grouping,
    HeaderKind,
    day_keys,
    group_keys,
    header_kind,
    month_marks,
    zoom_step,
)

PAD = 12  # left and right of the rows
GUESSED_ASPECT = 1.5  # until a photo's size is known
DEFER_RESIZE_FROM = 20_000  # photos: from here a layout takes long enough to wait for the resize to pause
EDGES = (192, 256, 384, 512, 768)  # thumbnail sizes asked for (longest side, logical px)
Cursor = QAbstractItemView.CursorAction


def thumbnail_edge(target: int) -> int:
    """The thumbnail size for a row height: a 3:2 photo's long side, rounded up to a cached size."""
    want = 1.5 * target
    return next((e for e in EDGES if e >= want), EDGES[-1])


class TimelineView(QAbstractItemView):
    """Justified rows of the model's photos; Ctrl+wheel (and the window's Zoom actions) zoom.

    Signals:
        laid_out: Emitted with the number of photos each time the rows were laid out again.
        zoomed: Emitted with the new target row height after a zoom.
        jumped: Emitted with a month key (``"2021-08"``) after a jump there (the scrubber).
    """

    laid_out = Signal(int)
    zoomed = Signal(int)
    jumped = Signal(str)

    def __init__(self, thumbnails: ThumbnailManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grouping = Grouping.DATE
        self.heights = {False: ZOOM_HEIGHTS[2], True: ZOOM_HEIGHTS[3]}  # row height: gallery, results (ranked)
        self.tiles = Layout(0)
        self.spacing = Spacing()
        self._rows: list[Row] = []
        self._days: list[str] = []
        self._aspects: list[float] = []
        self._kind = HeaderKind.MONTH
        self._laying_out = False  # margins and scroll bars change the width while laying out: no re-entry
        self._stale = False  # rows arrived while hidden: to lay out when shown
        self._pending: tuple[str, int] | None = None  # the anchor that layout is to keep (see scroll_to_anchor)
        # The last large gallery laid out (rows, days, aspects, layout key, layout), kept while results are shown.
        self._kept: tuple[list[Row], list[str], list[float], tuple[object, ...], Layout] | None = None
        self.delegate = TileDelegate(thumbnails, self)
        self.setItemDelegate(self.delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)  # no width change: one layout pass
        self._resized = QTimer(self)  # a large library is laid out again once a resize pauses
        self._resized.setSingleShot(True)
        self._resized.setInterval(80)
        self._resized.timeout.connect(self._resize_settled)
        self.scrubber = DateScrubber(self)
        self.scrubber.chosen.connect(self.jump_to_month)
        self.verticalScrollBar().valueChanged.connect(self.scrubber.set_value)

    # -- public --------------------------------------------------------------------

    @property
    def header_kind(self) -> HeaderKind:
        """What the headers are now (months, days, folders, none)."""
        return self._kind

    def library(self) -> LibraryModel | None:
        model = self.model()
        return model if isinstance(model, LibraryModel) else None

    @property
    def target(self) -> int:
        """The row height rows aim for now (results and the gallery are zoomed apart)."""
        return self.heights[self.grouping is Grouping.RANKED]

    def set_grouping(self, grouping: Grouping, relayout: bool = True) -> None:
        """Date headers (gallery), folder headers, or rank order without headers (results); ``relayout``
        False when new rows follow at once."""
        if grouping is not self.grouping:
            self.grouping = grouping
            if relayout:
                self.relayout()

    def set_target_height(self, height: int, ranked: bool | None = None) -> None:
        """The row height rows aim for (zoom) in the gallery or in results (default: what is shown); keeps the
        current (or top) photo in place."""
        height = max(ZOOM_HEIGHTS[0], min(ZOOM_HEIGHTS[-1], height))
        ranked = self.grouping is Grouping.RANKED if ranked is None else ranked
        if height != self.heights[ranked]:
            self.heights[ranked] = height
            if ranked == (self.grouping is Grouping.RANKED):
                self.relayout()
                self.zoomed.emit(height)

    def zoom(self, steps: int) -> None:
        """``steps`` zoom levels larger (positive) or smaller (negative)."""
        self.set_target_height(zoom_step(self.target, steps))

    def first_visible_row(self, settled: bool = False) -> int:
        """The model row of the first photo at least partly on screen (-1 when there is none); ``settled``: the
        first one that would not scroll the view when made current (whole, its header on screen), if any."""
        top, ys, hs = self.verticalOffset(), self.tiles.ys, self.tiles.hs
        bottom = top + self.viewport().height()
        rows = [i for i in self.tiles.visible(top, bottom) if ys[i] + hs[i] > top]
        whole = (
            [i for i in rows if self.tiles.top_of(i, self.spacing.gap) >= top and ys[i] + hs[i] <= bottom]
            if settled
            else []
        )
        return (whole or rows or [-1])[0]

    def day_of(self, row: int) -> str:
        """``"YYYY-MM-DD"`` of a row's photo ("" without a date)."""
        return self._days[row] if 0 <= row < len(self._days) else ""

    def jump_to_month(self, key: str) -> None:
        """Scroll so that the month's first header is at the top; its first photo becomes the current one, so the
        keys go on from the month shown."""
        dated = self._kind in (HeaderKind.MONTH, HeaderKind.DAY)
        section = next((s for s in self.tiles.sections if str(s.key)[:7] == key), None) if dated else None
        if section is not None:
            self.verticalScrollBar().setValue(section.y)
            self.make_current(section.first)
            self.jumped.emit(key)

    def make_current(self, row: int) -> None:
        """Make the photo at ``row`` the current one, selected as a click does, without scrolling: the caller has
        put the view where it is to be."""
        model = self.model()
        if model is None or not 0 <= row < model.rowCount():
            return
        self.setAutoScroll(False)  # also when hidden: Qt would scroll to it once shown
        try:
            self.setCurrentIndex(model.index(row, 0))
        finally:
            self.setAutoScroll(True)

    # -- layout ----------------------------------------------------------------------

    def reset(self) -> None:
        at_top = self.verticalOffset() == 0  # at the top, new photos (the newest) come into view
        anchor = None if at_top else self.anchor()  # else the photo at the top stays where it is
        super().reset()
        library = self.library()
        rows = library.rows() if library is not None else []
        kept = self._kept
        if kept is not None and len(kept[0]) == len(rows) and all(map(operator.is_, kept[0], rows)):
            self._rows, self._days, self._aspects = kept[0], kept[1], kept[2]  # back to the same large gallery
        else:
            self._rows = rows
            self._days = day_keys([r.taken_at for r in self._rows])
            self._aspects = [r.aspect or GUESSED_ASPECT for r in self._rows]
            if len(rows) > DEFER_RESIZE_FROM:  # another large gallery; results (few rows) keep it for Esc
                self._kept = None
        self.tiles = Layout(0)  # the old geometry was the old rows'
        self.relayout(anchor)
        if at_top:
            self.verticalScrollBar().setValue(0)

    def set_aspects(self, aspects: dict[str, float]) -> None:
        """Aspect ratios read since the rows came (by path): the rows are laid out again."""
        for i, row in enumerate(self._rows):
            if row.path in aspects:
                self._aspects[i] = aspects[row.path]
        self._kept = None
        self.relayout()

    def relayout(self, anchor: tuple[str, int] | None = None) -> None:
        """Lay the rows out again (width, zoom, grouping or rows changed), keeping ``anchor`` (a photo's path
        and its distance from the top) or the photo now at the top in place."""
        if self._laying_out:
            return
        anchor = anchor or self._pending or self.anchor()
        if len(self._rows) > DEFER_RESIZE_FROM and not self.isVisible():
            self._stale = True  # laid out once shown, at the width it has then (not once now and again then)
            self._pending = anchor  # and kept in place then: the rows have no geometry to scroll to now
            return
        self._stale, self._pending = False, None
        self._lay_out(anchor, scrubber=True)
        if self.scrubber.isHidden() and self.viewport().width() - 2 * PAD != self.tiles.width:
            self._lay_out(anchor, scrubber=False)  # the rows fit on one screen: no scrubber, the full width
        self.laid_out.emit(len(self.tiles))

    def _lay_out(self, anchor: tuple[str, int] | None, scrubber: bool) -> None:
        self._laying_out = True
        try:
            self._compute(anchor, scrubber)
        finally:
            self._laying_out = False

    def _compute(self, anchor: tuple[str, int] | None, scrubber: bool) -> None:
        self._kind = header_kind(self.grouping, self.target)
        dated = scrubber and self._kind in (HeaderKind.MONTH, HeaderKind.DAY)
        self.setViewportMargins(0, 0, SCRUBBER_WIDTH if dated else 0, 0)  # before the width is measured
        width = max(1, self.viewport().width() - 2 * PAD)
        key = (width, self.target, self._kind, self.spacing)
        kept = self._kept
        if kept is not None and kept[0] is self._rows and kept[3] == key:
            self.tiles = kept[4]  # Esc back from results to a large gallery: its layout, not 100k rows again
        else:
            with gc_paused():  # several lists of every photo's place
                keys, labels = group_keys(self._kind, self._days, [r.path for r in self._rows])
                labels = {key: readable(label) for key, label in labels.items()}  # folder names not in UTF-8
                self.tiles = justify(self._aspects, keys, labels, width, self.target, self.spacing)
            if len(self._rows) > DEFER_RESIZE_FROM:
                self._kept = (self._rows, self._days, self._aspects, key, self.tiles)
        library = self.library()
        ratio = library.pixel_ratio if library is not None else 1.0
        self.delegate.edge = round(thumbnail_edge(self.target) * ratio)
        self.scrubber.setVisible(dated and self.tiles.height > self.viewport().height())
        self.updateGeometries()
        self.scroll_to_anchor(anchor)
        self.viewport().update()

    def scroll_to_anchor(self, anchor: tuple[str, int] | None) -> None:
        """Scroll so that the anchor's photo (from :meth:`anchor`) is as far from the top as it was; rows still to
        lay out (a large gallery behind another page) are scrolled there once laid out."""
        if self._stale:
            self._pending = anchor
            return
        library = self.library()
        row = library.row_of(anchor[0]) if anchor is not None and library is not None else None
        if anchor is not None and row is not None and row < len(self.tiles):
            self.verticalScrollBar().setValue(self.tiles.ys[row] - anchor[1])

    def anchor(self) -> tuple[str, int] | None:
        """The current photo if on screen, else the first one on screen: (path, y from the top)."""
        top = self.verticalOffset()
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        rows = self._rows
        if 0 <= current < min(len(rows), len(self.tiles)):
            y = self.tiles.ys[current] - top
            if 0 <= y < self.viewport().height():
                return rows[current].path, y
        first = self.first_visible_row()
        return (rows[first].path, self.tiles.ys[first] - top) if 0 <= first < len(rows) else None

    def updateGeometries(self) -> None:
        bar = self.verticalScrollBar()
        height = self.viewport().height()
        bar.setRange(0, max(0, self.tiles.height - height))
        bar.setPageStep(height)
        bar.setSingleStep(max(20, self.target // 3))
        if self.scrubber.isVisibleTo(self):
            vp = self.viewport().geometry()
            self.scrubber.setGeometry(vp.right() + 1, vp.top(), SCRUBBER_WIDTH, vp.height())
            self.scrubber.set_marks(month_marks(self.tiles), bar.maximum())
            self.scrubber.set_value(bar.value())
        super().updateGeometries()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._laying_out:
            return
        if event.size().width() != event.oldSize().width():
            if len(self._rows) > DEFER_RESIZE_FROM:
                self._resized.start()
            else:
                self.relayout()
        else:
            self.updateGeometries()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.relayout()

    def _resize_settled(self) -> None:
        """A deferred resize: laid out again only if the width the rows fill changed (the scrubber showing after
        the first layout of a large gallery resized the viewport to the width that layout already used)."""
        if max(1, self.viewport().width() - 2 * PAD) != self.tiles.width:
            self.relayout()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoom(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    # -- QAbstractItemView ----------------------------------------------------------------

    def visualRect(self, index: QModelIndex | QPersistentModelIndex) -> QRect:
        i = index.row()
        if not index.isValid() or i >= len(self.tiles):
            return QRect()
        x, y, w, h = self.tiles.rect(i)
        return QRect(x + PAD, y - self.verticalOffset(), w, h)

    def indexAt(self, point: QPoint) -> QModelIndex:
        i = self.tiles.item_at(point.x() - PAD, point.y() + self.verticalOffset())
        model = self.model()
        return model.index(i, 0) if i is not None and model is not None else QModelIndex()

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        i = index.row()
        if not index.isValid() or i >= len(self.tiles):
            return
        _x, y, _w, h = self.tiles.rect(i)
        top = self.tiles.top_of(i, self.spacing.gap)
        bar, height = self.verticalScrollBar(), self.viewport().height()
        hints = QAbstractItemView.ScrollHint
        if hint == hints.PositionAtTop or (hint == hints.EnsureVisible and top < bar.value()):
            bar.setValue(top)
        elif hint == hints.PositionAtBottom or (hint == hints.EnsureVisible and y + h > bar.value() + height):
            bar.setValue(y + h + self.spacing.gap - height)
        elif hint == hints.PositionAtCenter:
            bar.setValue(y + h // 2 - height // 2)

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        model, n = self.model(), len(self.tiles)
        if model is None or n == 0:
            return QModelIndex()
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        if current < 0:  # nothing current yet (wheel-scrolled, then Tab or a key): start on screen, not at the top
            return model.index(max(0, self.first_visible_row(settled=True)), 0)
        return model.index(max(0, min(n - 1, self._moved(action, current))), 0)

    def _moved(self, action: QAbstractItemView.CursorAction, i: int) -> int:
        tiles, row = self.tiles, self.tiles.row_of(i)
        centre = tiles.xs[i] + tiles.ws[i] // 2
        if action in (Cursor.MoveLeft, Cursor.MovePrevious):
            return i - 1
        if action in (Cursor.MoveRight, Cursor.MoveNext):
            return i + 1
        if action == Cursor.MoveUp:
            return tiles.nearest_in_row(row - 1, centre) if row > 0 else i
        if action == Cursor.MoveDown:
            return tiles.nearest_in_row(row + 1, centre) if row + 1 < len(tiles.row_tops) else i
        if action == Cursor.MoveHome:
            return 0
        if action == Cursor.MoveEnd:
            return len(tiles) - 1
        page = self.viewport().height() * (1 if action == Cursor.MovePageDown else -1)
        if action in (Cursor.MovePageUp, Cursor.MovePageDown):
            return tiles.nearest_in_row(tiles.row_at(tiles.ys[i] + page), centre)
        return i

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: QModelIndex | QPersistentModelIndex) -> bool:
        return False

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        model, selection = self.model(), QItemSelection()
        top = self.verticalOffset()
        area = rect.normalized().translated(-PAD, top)
        run: list[int] = []
        for i in self.tiles.visible(area.top(), area.bottom()):
            if QRect(*self.tiles.rect(i)).intersects(area):
                run.append(i)
        if run and model is not None:
            selection.select(model.index(run[0], 0), model.index(run[-1], 0))
        self.selectionModel().select(selection, command)

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        return QRegion(self.viewport().rect())  # repaint the screen: a few dozen tiles

    # -- painting ------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if model is None:
            return
        painter = QPainter(self.viewport())
        top, bottom = self.verticalOffset(), self.verticalOffset() + self.viewport().height()
        self._paint_headers(painter, top, bottom)
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        selection, current = self.selectionModel(), self.currentIndex()
        for i in self.tiles.visible(top, bottom):
            index = model.index(i, 0)
            x, y, w, h = self.tiles.rect(i)
            option.rect = QRect(x + PAD, y - top, w, h)
            state = option.state & ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
            if selection is not None and selection.isSelected(index):
                state |= QStyle.StateFlag.State_Selected
            if index == current and self.hasFocus():
                state |= QStyle.StateFlag.State_HasFocus
            option.state = state
            self.delegate.paint(painter, option, index)
        painter.end()

    def _paint_headers(self, painter: QPainter, top: int, bottom: int) -> None:
        sections = self.tiles.sections
        if not sections or self.spacing.header == 0:
            return
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        painter.setFont(font)
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        for section in sections[self.tiles.section_index_at(top) :]:
            if section.y > bottom:
                break
            if section.label:
                box = QRect(PAD, section.y - top, self.viewport().width() - 2 * PAD, self.spacing.header)
                painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, section.label)
