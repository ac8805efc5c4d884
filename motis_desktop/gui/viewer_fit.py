"""Where, and how, the viewer draws a photo in its page: large photos fitted, small ones zoomed up (smoothly, but
crisply for tiny images: icons, pixel art)."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt

MAX_ZOOM = 8
"""A small image is drawn at most this many times its size (a 16x16 icon fills 128x128, a 1x1 pixel 8x8)."""
CRISP_UP_TO = 64
"""An image at most this many pixels on its long side is zoomed without smoothing (an icon, pixel art)."""
CRISP_FROM_ZOOM = 4
"""From this zoom factor on, an image is zoomed without smoothing (smoothed, its pixels would be a blur)."""


def photo_rect(image: QSize, area: QRect) -> tuple[QRect, bool]:
    """The rectangle centred in ``area`` that the image is drawn into, and whether to draw it smoothly.

    A photo larger than ``area`` is fitted, smoothly, as before. A smaller one is zoomed up by the largest whole
    factor that fits, at most :data:`MAX_ZOOM`. A tiny image (at most :data:`CRISP_UP_TO` px on its long side) or one
    zoomed :data:`CRISP_FROM_ZOOM` times or more is drawn without smoothing: every pixel becomes a same-sized
    square, so a 16x16 icon or a 1x1 pixel is seen (it was a speck, or nothing, at 1:1) and stays sharp. A photo
    zoomed 2-3 times is smoothed: unsmoothed, a 300x200 photo looked blocky. A photo more than half as large as the
    area stays at 1:1 (a whole factor of 1): ordinary photos are not blurred or blown up."""
    if image.width() <= 0 or image.height() <= 0:
        return QRect(area.center(), QSize(0, 0)), True
    if image.width() > area.width() or image.height() > area.height():
        size, smooth = image.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio), True
    else:
        zoom = max(1, min(MAX_ZOOM, area.width() // image.width(), area.height() // image.height()))
        crisp = max(image.width(), image.height()) <= CRISP_UP_TO or zoom >= CRISP_FROM_ZOOM
        size, smooth = image * zoom, zoom == 1 or not crisp
    target = QRect(0, 0, size.width(), size.height())
    target.moveCenter(area.center())
    return target, smooth
