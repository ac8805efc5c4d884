"""The words a search matched in a photo, for the viewer: highlighted on the photo and listed in words.

Small and separate so the viewer (and a details panel) only call :func:`paint_text_matches` and
:func:`matched_words`. Boxes come in the photo's pixels (``TextMatch.image_size``) and are scaled to where the
photo is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRect
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from motis_desktop.core.services import TextMatch

FILL = QColor(255, 214, 0, 70)
EDGE = QColor(255, 200, 0, 230)


def paint_text_matches(painter: QPainter, target: QRect, matches: Iterable[TextMatch]) -> int:
    """Outline the matched words (or the matched line when it has no word boxes) over the photo drawn in
    ``target``; returns how many boxes were drawn."""
    drawn = 0
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(EDGE, 2))
    painter.setBrush(FILL)
    for match in matches:
        width, height = match.image_size
        if match.kind != "text" or match.box is None or width <= 0 or height <= 0:
            continue
        sx, sy = target.width() / width, target.height() / height
        boxes = [box for _, box in match.words] or [match.box]
        for box in boxes:
            polygon = QPolygonF([QPointF(target.x() + x * sx, target.y() + y * sy) for x, y in box])
            painter.drawPolygon(polygon)
            drawn += 1
    painter.restore()
    return drawn


def matched_words(matches: Iterable[TextMatch]) -> str:
    """A short line naming what matched: the photo's text lines, or its file name."""
    parts = []
    for match in matches:
        if match.kind == "text":
            parts.append(f"text “{match.text}”")
        else:
            parts.append(f"name “{match.text}”")
    return "; ".join(parts)
