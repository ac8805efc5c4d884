"""The item-view side of the timeline: Qt's questions (where is a photo, which one is under a point, where the
keys go, what a rubber band selects) answered from the lay-out's plain geometry (gui/justified.py)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPersistentModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QAbstractItemView

from motis_desktop.gui.justified import Layout, Spacing

PAD = 12  # left and right of the rows
Cursor = QAbstractItemView.CursorAction


class TileItemView(QAbstractItemView):
    """A ``QAbstractItemView`` whose items are the rectangles of ``tiles`` (model row i: tile i), ``PAD`` from the
    left, scrolled vertically only. ``tiles`` is empty while rows wait for their lay-out: no item is anywhere."""

    tiles: Layout
    spacing: Spacing

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
