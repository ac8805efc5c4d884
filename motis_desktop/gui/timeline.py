"""The gallery's timeline: photos in justified rows under date (or folder) headers, with a date scrubber.

A ``QAbstractItemView`` over the :class:`LibraryModel`, so selection, the current photo, ``activated``
(Enter), tooltips and the context menu work as in any item view. The geometry comes from
:mod:`motis_desktop.gui.justified` (computed once per width, zoom and rows; lookups are binary searches);
only the tiles on screen are painted, and painting is what requests thumbnails.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Iterable, Sequence

import numpy as np
from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QResizeEvent, QShowEvent, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyleOptionViewItem, QWidget

from motis_desktop.core.formatting import count
from motis_desktop.gui.delegate import TileDelegate
from motis_desktop.gui.gallery_order import Stopped
from motis_desktop.gui.gallery_rows import GalleryRows
from motis_desktop.gui.justified import Layout, Spacing
from motis_desktop.gui.library_model import LibraryModel, Row
from motis_desktop.gui.scrubber import WIDTH as SCRUBBER_WIDTH
from motis_desktop.gui.scrubber import DateScrubber
from motis_desktop.gui.tasks import Lane, Task
from motis_desktop.gui.thumbnails import ThumbnailManager
from motis_desktop.gui.timeline_groups import ZOOM_HEIGHTS, Grouping, HeaderKind, header_kind, month_marks, zoom_step
from motis_desktop.gui.timeline_items import PAD, TileItemView
from motis_desktop.gui.timeline_layout import LaidOut, LayoutJob, LayoutKey, lay_out
from motis_desktop.gui.unreadable_group import UnreadableGroup, header_font

# Photos: from here a lay-out takes long enough to be made on the LAYOUT lane (the rows on screen stay meanwhile),
# after a resize pauses, and once the view is shown.
DEFER_RESIZE_FROM = 20_000
EDGES = (192, 256, 384, 512, 768)  # thumbnail sizes asked for (longest side, logical px)


def thumbnail_edge(target: int) -> int:
    """The thumbnail size for a row height: a 3:2 photo's long side, rounded up to a cached size."""
    want = 1.5 * target
    return next((e for e in EDGES if e >= want), EDGES[-1])


class TimelineView(TileItemView):
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
        self.tiles = Layout(0)  # the geometry of the rows (empty while a large gallery's is on its way)
        self.spacing = Spacing()
        self.runner = thumbnails.runner
        self._rows: Sequence[Row] = []
        self._days: list[str] | None = None  # per row; None until the first lay-out of the rows read them
        self._aspects: np.ndarray | None = None  # per row, likewise
        self._sizes: list[dict[str, float]] = []  # sizes handed on that ``_aspects`` lacks yet (see LayoutJob)
        self._sizes_had = 0  # how many hand-overs ``_aspects`` has (of these rows' list: counted on)
        self._kind = HeaderKind.MONTH
        self._laying_out = False  # margins and scroll bars change the width while laying out: no re-entry
        self._stale = False  # rows arrived while hidden: to lay out when shown
        self._pending: tuple[str, int] | None = None  # the anchor that layout is to keep (see scroll_to_anchor)
        self._pending_at = 0  # the scroll offset when it was set
        self._generation = 0  # lay-outs asked for: only the latest one is shown
        self._asked_width = 0  # the width of the latest one
        self._ghost: tuple[Layout, Sequence[Row]] | None = None  # the previous rows on screen until the new ones' come
        self._kept: LaidOut | None = None  # the last large gallery's lay-out, kept while results are shown
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
        self.unreadable = UnreadableGroup(self, lambda: self.tiles, lambda: self.spacing.header)  # the files at the end

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

    def day_of(self, row: int) -> str:
        """``"YYYY-MM-DD"`` of a row's photo ("" without a date)."""
        days = self._days or []
        return days[row] if 0 <= row < len(days) else ""

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
        shown = (self.tiles, self._rows) if len(self.tiles) else self._ghost
        super().reset()
        library = self.library()
        rows = library.shown() if library is not None else []
        kept = self._kept
        self._sizes, self._sizes_had, self._ghost = [], 0, None
        self.tiles = Layout(0)  # the old geometry was the old rows'
        if kept is not None and (kept.rows is rows or _same_rows(kept.rows, rows)):
            self._rows, self._days, self._aspects = kept.rows, kept.days, kept.aspects  # back to a large gallery
            self._sizes_had = kept.sizes_upto
        else:
            self._rows, self._days, self._aspects = rows, None, None
            if len(rows) > DEFER_RESIZE_FROM:  # another large gallery; results (few rows) keep it for Esc
                self._kept = None
                self._ghost = shown  # on screen until the new rows' lay-out comes (see paintEvent)
        self.relayout(anchor)
        if at_top:
            self.verticalScrollBar().setValue(0)

    def set_aspects(self, aspects: dict[str, float]) -> None:
        """Aspect ratios read since the rows came (by path, not changed afterwards): the rows are laid out again,
        the lay-out placing them (at 1M photos, 100k look-ups: not on the GUI thread)."""
        self._sizes.append(aspects)
        self._kept = None
        self.relayout()

    def relayout(self, anchor: tuple[str, int] | None = None) -> None:
        """Lay the rows out again (width, zoom, grouping or rows changed), keeping ``anchor`` (a photo's path
        and its distance from the top) or the photo now at the top in place. A large gallery is laid out on the
        ``LAYOUT`` lane: the rows on screen stay until its lay-out comes (:meth:`_arrived`)."""
        if self._laying_out:
            return
        anchor = anchor or self._pending or self.anchor()
        large = len(self._rows) > DEFER_RESIZE_FROM
        if large and not self.isVisible():
            self._stale = True  # laid out once shown, at the width it has then (not once now and again then)
            self._pending = anchor  # and kept in place then: the rows have no geometry to scroll to now
            return
        self._stale, self._pending = False, None
        job = self._job(scrubber=True)
        kept = self._kept if self._kept is not None and self._kept.rows is self._rows else None
        if kept is not None and (kept.key == job.key or not len(self.tiles)):
            self._take(kept, anchor)  # Esc back from results to a large gallery: its lay-out, not 1M rows again
            anchor = self.anchor()
        if kept is None or kept.key != job.key:
            if large:
                self._ask(job, anchor)  # (the kept lay-out, if any, on screen until then: width or zoom changed)
                return
            self._take(lay_out(job), anchor)
            if self.scrubber.isHidden() and self.viewport().width() - 2 * PAD != self.tiles.width:
                self._take(lay_out(self._job(scrubber=False)), anchor)  # the rows fit on one screen: full width
        self.laid_out.emit(len(self.tiles))

    def _job(self, scrubber: bool) -> LayoutJob:
        """The lay-out to make now: the margin for the scrubber set first, then the width measured."""
        kind = header_kind(self.grouping, self.target)
        dated = scrubber and kind in (HeaderKind.MONTH, HeaderKind.DAY)
        self._laying_out = True  # margins and scroll bars change the width: no re-entry
        try:
            self.setViewportMargins(0, 0, SCRUBBER_WIDTH if dated else 0, 0)  # before the width is measured
        finally:
            self._laying_out = False
        self._generation += 1
        key = LayoutKey(max(1, self.viewport().width() - 2 * PAD), self.target, kind, self.spacing, dated)
        self._asked_width = key.width
        library = self.library()
        row_of = library.row_of if library is not None else LayoutJob.row_of
        upto = self._sizes_had + len(self._sizes)
        return LayoutJob(self._rows, key, self._days, self._aspects, tuple(self._sizes), row_of, upto, self._generation)

    def _ask(self, job: LayoutJob, anchor: tuple[str, int] | None) -> None:
        """Lay ``job`` out on the ``LAYOUT`` lane; a job no longer the latest when its turn comes is skipped."""
        if not len(self.tiles):
            self._pending, self._pending_at = anchor, self.verticalOffset()  # the new rows' place, kept for them

        def work(_report: object, cancel: threading.Event) -> LaidOut | None:
            def stop() -> bool:  # the window closing, or a newer lay-out asked for: not waited for
                return cancel.is_set() or job.generation != self._generation

            try:
                return None if stop() else lay_out(job, stop)
            except Stopped:
                return None

        def connect(task: Task) -> None:
            task.signals.succeeded.connect(self._arrived)  # the view as receiver: nothing comes once it is gone

        self.runner.start(Lane.LAYOUT, work, connect)

    def _arrived(self, out: LaidOut | None) -> None:
        """A lay-out from the ``LAYOUT`` lane: shown if it is the latest one asked for these rows, keeping the photo
        at the top (or the place the rows were to keep) where it is."""
        if out is None or out.rows is not self._rows:
            return  # skipped, or made for rows shown no more
        self._adopt(out)
        if out.generation != self._generation:
            return  # sizes, a resize or a zoom came meanwhile: a newer one is on its way
        if len(self.tiles):
            anchor = self.anchor()
        elif self._ghost is not None and self.verticalOffset() != self._pending_at:
            anchor = self._anchor_in(*self._ghost)  # scrolled meanwhile: the photo at the top now stays
        else:
            anchor = self._pending
        self._pending = None
        self._take(out, anchor)
        self.laid_out.emit(len(self.tiles))

    def _adopt(self, out: LaidOut) -> None:
        """The day keys and aspect ratios a lay-out read from the rows (sizes read since then applied on top)."""
        if self._days is None:
            self._days = out.days
        if self._aspects is None or out.sizes_upto > self._sizes_had:  # (results come in the order asked)
            del self._sizes[: out.sizes_upto - self._sizes_had]
            self._aspects, self._sizes_had = out.aspects, out.sizes_upto

    def _take(self, out: LaidOut, anchor: tuple[str, int] | None) -> None:
        """Show a lay-out of the rows; ``anchor`` keeps its place."""
        self._adopt(out)
        self.tiles, self._kind, self._ghost = out.layout, out.key.kind, None
        if len(self._rows) > DEFER_RESIZE_FROM:
            self._kept = out
        library = self.library()
        ratio = library.pixel_ratio if library is not None else 1.0
        self.delegate.edge = round(thumbnail_edge(self.target) * ratio)
        self.scrubber.setVisible(out.key.scrubber and self.tiles.height > self.viewport().height())
        self.updateGeometries()
        self.scroll_to_anchor(anchor)
        self.viewport().update()

    def scroll_to_anchor(self, anchor: tuple[str, int] | None) -> None:
        """Scroll so that the anchor's photo (from :meth:`anchor`) is as far from the top as it was; rows still to
        lay out (a large gallery behind another page, or on its way) are scrolled there once laid out."""
        if self._stale or (self._rows and not len(self.tiles)):
            self._pending, self._pending_at = anchor, self.verticalOffset()
            return
        library = self.library()
        row = library.row_of(anchor[0]) if anchor is not None and library is not None else None
        if anchor is not None and row is not None and row < len(self.tiles):
            self.verticalScrollBar().setValue(int(self.tiles.ys[row]) - anchor[1])

    def anchor(self) -> tuple[str, int] | None:
        """The current photo if on screen, else the first one on screen: (path, y from the top); while the rows
        wait for their lay-out, the place they are to keep."""
        if self._rows and not len(self.tiles):
            return self._pending
        top = self.verticalOffset()
        current = self.currentIndex().row() if self.currentIndex().isValid() else -1
        rows = self._rows
        if 0 <= current < min(len(rows), len(self.tiles)):
            y = int(self.tiles.ys[current]) - top
            if 0 <= y < self.viewport().height():
                return rows[current].path, y
        return self._anchor_in(self.tiles, rows)

    def waiting_text(self) -> str:
        """What the grid says while its rows wait for their first lay-out with nothing else to show (a large
        gallery's first one takes 0.4-2.5 s at 1M photos): "" once they have one, or while the previous rows'
        stays on screen."""
        if not self._rows or len(self.tiles) or self._ghost is not None:
            return ""
        return f"Arranging {count(len(self._rows), 'photo')}…"

    def _anchor_in(self, tiles: Layout, rows: Sequence[Row]) -> tuple[str, int] | None:
        """The first photo of ``tiles`` on screen: (path, y from the top)."""
        top = self.verticalOffset()
        on_screen = tiles.visible(top, top + self.viewport().height())
        first = next((i for i in on_screen if tiles.ys[i] + tiles.hs[i] > top), -1)
        return (rows[first].path, int(tiles.ys[first]) - top) if 0 <= first < len(rows) else None

    def updateGeometries(self) -> None:
        bar, shown = self.verticalScrollBar(), self._shown()[0]
        height = self.viewport().height()
        bar.setRange(0, max(0, shown.height - height))
        bar.setPageStep(height)
        bar.setSingleStep(max(20, self.target // 3))
        if self.scrubber.isVisibleTo(self):
            vp = self.viewport().geometry()
            self.scrubber.setGeometry(vp.right() + 1, vp.top(), SCRUBBER_WIDTH, vp.height())
            self.scrubber.set_marks(month_marks(shown), bar.maximum())
            self.scrubber.set_value(bar.value())
        super().updateGeometries()

    def _shown(self) -> tuple[Layout, Sequence[Row] | None]:
        """What is on screen: the rows' lay-out, or the previous rows' (with them) until the new one comes."""
        return (self.tiles, None) if self._ghost is None else self._ghost

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
        """A deferred resize: laid out again only if the width the rows fill changed from the last lay-out asked
        for (the scrubber showing after the first layout of a large gallery resized the viewport to its width)."""
        if max(1, self.viewport().width() - 2 * PAD) != self._asked_width:
            self.relayout()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            delta = event.angleDelta().y()
            if delta:
                self.zoom(1 if delta > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    # -- painting ------------------------------------------------------------------------

    def set_offline(self, roots: Iterable[str]) -> None:
        """The library folders offline now: their photos are drawn dimmed, badged "offline" (gui/delegate.py)."""
        self.delegate.set_offline(roots)
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if model is None:
            return
        painter = QPainter(self.viewport())
        top, bottom = self.verticalOffset(), self.verticalOffset() + self.viewport().height()
        tiles, ghost = self._shown()
        if not len(tiles) and self.waiting_text():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.waiting_text())
        self._paint_headers(painter, tiles, top, bottom)
        option = QStyleOptionViewItem()
        self.initViewItemOption(option)
        selection, current = self.selectionModel(), self.currentIndex()
        library = self.library()
        for i in tiles.visible(top, bottom):
            # the previous rows' lay-out (a new gallery's is on its way): their photos, where the new rows have them
            row = i if ghost is None or library is None else library.row_of(ghost[i].path)
            if row is None:
                continue
            index = model.index(row, 0)
            x, y, w, h = tiles.rect(i)
            option.rect = QRect(x + PAD, y - top, w, h)
            state = option.state & ~(QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus)
            if selection is not None and selection.isSelected(index):
                state |= QStyle.StateFlag.State_Selected
            if index == current and self.hasFocus():
                state |= QStyle.StateFlag.State_HasFocus
            option.state = state
            self.delegate.paint(painter, option, index)
        painter.end()

    def _paint_headers(self, painter: QPainter, tiles: Layout, top: int, bottom: int) -> None:
        sections = tiles.sections
        if not sections or self.spacing.header == 0:
            return
        painter.setFont(header_font(self.font()))
        painter.setPen(self.palette().color(QPalette.ColorRole.Text))
        for section in sections[tiles.section_index_at(top) :]:
            if section.y > bottom:
                break
            if section.label:
                box = QRect(PAD, section.y - top, self.viewport().width() - 2 * PAD, self.spacing.header)
                # A long folder is cut in its middle with "…": its end is where folders differ ("…cousins 2024")
                label = painter.fontMetrics().elidedText(section.label, Qt.TextElideMode.ElideMiddle, box.width())
                painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)


def _same_rows(kept: Sequence[Row], rows: Sequence[Row]) -> bool:
    """The same row objects (a copy of the list: results' rows, not the gallery's columns, which are shared)."""
    if isinstance(kept, GalleryRows) or isinstance(rows, GalleryRows):
        return False
    return len(kept) == len(rows) and all(map(operator.is_, kept, rows))
