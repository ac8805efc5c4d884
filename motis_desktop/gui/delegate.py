"""Paints one timeline tile from the model's roles.

Scores are in the tooltip and the viewer, not on every tile. A selected tile gets a highlight frame and a
check mark, never a tint over the photo. A photo whose library folder is offline (a card unplugged) is dimmed
and badged "offline": a search leaves it out until the folder is back."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Protocol

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from motis_desktop.gui.broken_tile import paint_unreadable
from motis_desktop.gui.library_model import Roles, path_of, row_data
from motis_desktop.gui.none_refs import keep_none_alive


class TileDelegate(QStyledItemDelegate):
    """Paints one timeline tile: the thumbnail filling the tile (cropped only past the layout's aspect
    limits), a placeholder while it loads, a broken-image tile with the file's name and why when the photo cannot
    be shown. Selected: a highlight frame and a check mark in the corner, the photo stays visible."""

    def __init__(self, thumbnails: ThumbnailSource, parent: QObject | None = None) -> None:
        super().__init__(parent)
        keep_none_alive()  # each paint loses PySide6 references to None (gui/none_refs.py)
        self.thumbnails = thumbnails
        self.edge = 384  # thumbnail size requested, device pixels (the view sets it from the zoom)
        self.offline: tuple[str, ...] = ()  # library folders offline now, each ending in a separator (set_offline)

    def set_offline(self, roots: Iterable[str]) -> None:
        """The library folders offline now: their photos are dimmed and badged until they are back."""
        self.offline = tuple(sorted(os.path.join(root, "") for root in roots))

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(self.edge, self.edge)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        rect, palette = option.rect, option.palette
        error = row_data(index, Roles.ERROR)
        pixmap = None if error else self.thumbnails.pixmap(path_of(index), self.edge)
        if pixmap is not None and not pixmap.isNull():
            painter.drawPixmap(rect, pixmap, _crop(pixmap.width(), pixmap.height(), rect.width(), rect.height()))
        elif error:  # a file the library cannot read: a broken-image tile with its name and why (gui/broken_tile)
            paint_unreadable(painter, option, path_of(index), error)
        else:  # placeholder while loading
            painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase).darker(115))
        if self.offline and path_of(index).startswith(self.offline):
            _paint_offline(painter, rect, palette)
        if option.state & QStyle.StateFlag.State_Selected:
            _paint_selected(painter, rect, palette.color(QPalette.ColorRole.Highlight))
        elif option.state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2, Qt.PenStyle.DotLine))
            painter.drawRect(rect.adjusted(1, 1, -2, -2))


class ThumbnailSource(Protocol):
    def pixmap(self, path: str, edge: int) -> QPixmap | None: ...


def _crop(pw: int, ph: int, tw: int, th: int) -> QRect:
    """The centred part of a ``pw``×``ph`` pixmap with the tile's aspect ratio."""
    if pw * th > tw * ph:  # pixmap wider than the tile
        w = max(1, round(ph * tw / max(1, th)))
        return QRect((pw - w) // 2, 0, w, ph)
    h = max(1, round(pw * th / max(1, tw)))
    return QRect(0, (ph - h) // 2, pw, h)


def _paint_offline(painter: QPainter, rect: QRect, palette: QPalette) -> None:
    """Dim the tile with the window's colour (readable in light and dark themes) and badge it "offline"."""
    veil = QColor(palette.color(QPalette.ColorRole.Window))
    veil.setAlpha(165)
    painter.fillRect(rect, veil)
    painter.save()
    font = QFont(painter.font())
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
    painter.setFont(font)
    text = "offline"
    width = painter.fontMetrics().horizontalAdvance(text) + 12
    badge = QRect(rect.left() + 6, rect.bottom() - 24, min(width, max(0, rect.width() - 12)), 18)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(40, 40, 40, 210))
    painter.drawRoundedRect(badge, 4, 4)
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


def _paint_selected(painter: QPainter, rect: QRect, colour: QColor) -> None:
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(colour, 4))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(rect.adjusted(2, 2, -2, -2))
    painter.setBrush(colour)
    painter.setPen(QPen(QColor(255, 255, 255), 2))
    mark = QRect(rect.x() + 8, rect.y() + 8, 20, 20)
    painter.drawEllipse(mark)
    painter.drawPolyline(
        [
            QPointF(mark.x() + 5, mark.y() + 10),
            QPointF(mark.x() + 9, mark.y() + 14),
            QPointF(mark.x() + 15, mark.y() + 6),
        ]
    )
    painter.restore()
