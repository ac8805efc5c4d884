"""Paints one grid cell from the model's roles: thumbnail (or placeholder/failed icon) and name.

Scores are in the tooltip and the viewer, not on every tile. A selected cell gets a highlight frame and a
faint tint around the photo, never over it."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from motis_desktop.gui.library_model import Roles

TEXT_HEIGHT = 18
PADDING = 6


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, cell: int = 180, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cell = cell

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(self.cell, self.cell + TEXT_HEIGHT)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        painter.save()
        rect = option.rect
        palette = option.palette
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            tint = QColor(palette.color(QPalette.ColorRole.Highlight))
            tint.setAlpha(60)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setBrush(tint)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3))
            painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 8, 8)
        image_rect = QRect(
            rect.x() + PADDING,
            rect.y() + PADDING,
            rect.width() - 2 * PADDING,
            rect.height() - TEXT_HEIGHT - 2 * PADDING,
        )
        error = index.data(Roles.ERROR)
        pixmap = None if error else index.data(Roles.THUMBNAIL)
        target = image_rect
        if pixmap is not None and not pixmap.isNull():
            scaled = pixmap.size().scaled(image_rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, scaled.width(), scaled.height())
            target.moveCenter(image_rect.center())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(target, pixmap)
        elif error:
            painter.fillRect(image_rect, QColor(70, 40, 40))
            painter.setPen(QPen(QColor(230, 120, 120), 3))
            c = image_rect.center()
            painter.drawLine(c.x() - 14, c.y() - 14, c.x() + 14, c.y() + 14)
            painter.drawLine(c.x() + 14, c.y() - 14, c.x() - 14, c.y() + 14)
        else:  # placeholder while loading
            painter.fillRect(image_rect, palette.color(QPalette.ColorRole.AlternateBase).darker(110))
        text_rect = QRect(rect.x() + PADDING, rect.bottom() - TEXT_HEIGHT - 2, rect.width() - 2 * PADDING, TEXT_HEIGHT)
        painter.setFont(option.font)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        name = painter.fontMetrics().elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideMiddle, text_rect.width()
        )
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, name)
        painter.restore()
