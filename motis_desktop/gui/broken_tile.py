"""The grid's tile for a file the library cannot read (broken, truncated, not a photo at all): a neutral tile with a
"broken image" icon, the file's name and a short reason ("can't read: truncated JPEG"), the whole reason in the
tile's tooltip. A dark tile with a cross looked like a black photo.

Only these tiles pay for it (few in any library; the photos' paint path is not touched); the icon is drawn once per
size and colour and then painted as a pixmap."""

from __future__ import annotations

import os
from functools import lru_cache

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QStyleOptionViewItem

from motis_desktop.core.kinds import brief_words, detail_words
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.theme import hint_colour

CANT_READ = "can't read"  # the window's words before a reader's (the core owns the reason: ``kinds.detail_words``)
TEXT_FROM = 80  # tiles at least this high show the name and reason under the icon (smaller: the icon alone)


def tile_reason(error: str) -> str:
    """The tile's short reason: "can't read: truncated JPEG"."""
    return f"{CANT_READ}: {brief_words(error)}"


def tooltip_reason(error: str) -> str:
    """The tooltip's line: the whole reason, "Can't read this file: truncated JPEG (no end-of-image marker …)"."""
    return f"Can't read this file: {detail_words(error)}"


def paint_unreadable(painter: QPainter, option: QStyleOptionViewItem, path: str, error: str) -> None:
    """A neutral tile (a shade off the window's colour, a thin frame), the icon, and under it, where the tile has the
    room, the file's name (cut in its middle) and the short reason (cut at its end), in the view's font (the
    painter's may be a header's, bold)."""
    rect, palette = option.rect, option.palette
    window = palette.color(QPalette.ColorRole.Window)
    ground = window.darker(108) if window.lightness() > 128 else window.lighter(135)
    painter.fillRect(rect, ground)
    painter.save()
    hint = _hint(palette)
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
    painter.drawRect(rect.adjusted(0, 0, -1, -1))
    side = max(16, min(48, rect.width() // 3, rect.height() // 3))
    lines = rect.height() >= TEXT_FROM and rect.width() >= 64
    font = QFont(option.font)
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    painter.setFont(font)
    line = painter.fontMetrics().lineSpacing()
    block = side + (line // 2 + 2 * line if lines else 0)
    top = rect.top() + (rect.height() - block) // 2
    ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
    icon = broken_icon(side, hint.rgba(), ratio)
    painter.drawPixmap(rect.left() + (rect.width() - side) // 2, top, icon)
    if lines:
        room = rect.width() - 12
        metrics = painter.fontMetrics()
        name = metrics.elidedText(readable(os.path.basename(path)), Qt.TextElideMode.ElideMiddle, room)
        reason = metrics.elidedText(tile_reason(error), Qt.TextElideMode.ElideRight, room)
        at = top + side + line // 2
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        painter.drawText(QRect(rect.left() + 6, at, room, line), Qt.AlignmentFlag.AlignHCenter, name)
        painter.setPen(hint)
        painter.drawText(QRect(rect.left() + 6, at + line, room, line), Qt.AlignmentFlag.AlignHCenter, reason)
    painter.restore()


_HINTS: dict[int, QColor] = {}  # each palette's hint colour (a search of up to 21 shades: once, not every paint)


def _hint(palette: QPalette) -> QColor:
    key = palette.cacheKey()
    if (colour := _HINTS.get(key)) is None:
        if len(_HINTS) > 8:
            _HINTS.clear()
        colour = _HINTS[key] = hint_colour(palette)
    return colour


@lru_cache(maxsize=16)
def broken_icon(side: int, rgba: int, ratio: float = 1.0) -> QPixmap:
    """A "broken image" icon ``side`` logical pixels square in the colour ``rgba``: a picture's frame (a hill and a
    sun) split by a jagged tear, its right half moved apart and down. Drawn once per size and colour (a zoom
    changes the size)."""
    pixmap = QPixmap(round(side * ratio), round(side * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    colour = QColor.fromRgba(rgba)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = float(side)
    pen = QPen(colour, max(1.5, s / 20), Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    tear = [QPointF(s * x, s * y) for x, y in ((0.52, 0.14), (0.44, 0.36), (0.58, 0.52), (0.46, 0.70), (0.54, 0.86))]
    for far, dx, dy in ((-s, -s * 0.03, 0.0), (2 * s, s * 0.05, s * 0.08)):  # the right half apart and lower
        p.save()
        clip = QPainterPath(QPointF(far, -s))
        for point in (QPointF(tear[0].x(), -s), *tear, QPointF(tear[-1].x(), 2 * s), QPointF(far, 2 * s)):
            clip.lineTo(point)
        clip.closeSubpath()
        p.setClipPath(clip)
        p.translate(dx, dy)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(s * 0.1, s * 0.12, s * 0.78, s * 0.66), s * 0.08, s * 0.08)
        p.drawPolyline([QPointF(s * 0.16, s * 0.72), QPointF(s * 0.38, s * 0.46), QPointF(s * 0.56, s * 0.64)])
        p.drawPolyline([QPointF(s * 0.5, s * 0.58), QPointF(s * 0.66, s * 0.42), QPointF(s * 0.86, s * 0.68)])
        p.setBrush(colour)
        p.drawEllipse(QPointF(s * 0.72, s * 0.3), s * 0.06, s * 0.06)
        p.restore()
    p.end()
    return pixmap
