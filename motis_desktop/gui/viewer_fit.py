"""Where, and how, the viewer draws a photo in its page: large photos fitted, tiny ones zoomed up crisply."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt

MAX_ZOOM = 8
"""A small image is drawn at most this many times its size (a 16x16 icon fills 128x128, a 1x1 pixel 8x8)."""


def photo_rect(image: QSize, area: QRect) -> tuple[QRect, bool]:
    """The rectangle centred in ``area`` that the image is drawn into, and whether to draw it smoothly.

    A photo larger than ``area`` is fitted, smoothly, as before. A smaller one is zoomed up by the largest whole
    factor that fits, at most :data:`MAX_ZOOM`, without smoothing: every pixel becomes a same-sized square, so a
    16x16 icon or a 1x1 pixel is seen (it was a speck, or nothing, at 1:1) and stays sharp. A photo more than half
    as large as the area stays at 1:1 (a whole factor of 1): ordinary photos are not blurred or blown up."""
    if image.width() <= 0 or image.height() <= 0:
        return QRect(area.center(), QSize(0, 0)), True
    if image.width() > area.width() or image.height() > area.height():
        size, smooth = image.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio), True
    else:
        zoom = max(1, min(MAX_ZOOM, area.width() // image.width(), area.height() // image.height()))
        size, smooth = image * zoom, zoom == 1
    target = QRect(0, 0, size.width(), size.height())
    target.moveCenter(area.center())
    return target, smooth
