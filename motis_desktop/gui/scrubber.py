"""The timeline's year/month scrubber: a strip on the right of the photos, years labelled, months ticked (and
named where there is room: a library of a year or two).

Clicking or dragging on it jumps to the month under the mouse (hovering names that month). Positions are
linear in the timeline's scroll range, so the strip is a map of the whole library.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QWidget

from motis_desktop.gui.timeline_groups import short_month

WIDTH = 76
MARGIN = 10  # above the first and below the last position
LABEL_GAP = 16  # year labels closer than this to the previous one are left out


def faint_text(text: QColor) -> QColor:
    """Month names: quieter than the years."""
    faint = QColor(text)
    faint.setAlpha(170)
    return faint


def place_years(starts: list[int], bottom: int) -> list[int | None]:
    """Where each year's label goes on the strip (None: left out), given the strip's y of each year's first month,
    top to bottom. A label that would collide with the one above moves down, within its own year's stretch; where
    even that leaves no room, the year with the longer stretch (more photos: the strip is linear in the
    timeline's height) keeps its label. QA: a year of 5 photos at the top hid the largest recent year below it."""
    ends = [*starts[1:], max(bottom, starts[-1] if starts else 0)]
    placed: list[tuple[int, int]] = []  # (year, label y) of the years labelled so far, top to bottom

    def room(k: int) -> int | None:  # the label's y under the last one placed, if within year k's stretch
        y = starts[k] if not placed else max(starts[k], placed[-1][1] + LABEL_GAP)
        return y if y == starts[k] or y < ends[k] else None

    for k in range(len(starts)):
        y = room(k)
        if y is None:  # no room in its own stretch: the larger year of the two keeps its label
            last = placed[-1][0]
            if ends[k] - starts[k] <= ends[last] - starts[last]:
                continue
            placed.pop()
            y = room(k)
        if y is not None:
            placed.append((k, y))
    at: list[int | None] = [None] * len(starts)
    for k, y in placed:
        at[k] = y
    return at


class DateScrubber(QWidget):
    """Signals:
    chosen: Emitted with a month key (``"2021-08"``) when the user clicks or drags on that month.
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dateScrubber")
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click or drag to jump to a month")
        self._keys: list[str] = []
        self._ys: list[int] = []  # content y of each month's header, clamped to the scroll range
        self._range = 1
        self._value = 0
        self._hover: str | None = None

    def set_marks(self, marks: list[tuple[str, int]], scroll_range: int) -> None:
        """Months (key, content y) in timeline order and the timeline's largest scroll value."""
        self._range = max(1, scroll_range)
        self._keys = [k for k, _y in marks]
        self._ys = [min(y, self._range) for _k, y in marks]
        self.update()

    def set_value(self, value: int) -> None:
        """Where the timeline is scrolled to (drawn as a marker)."""
        self._value = value
        self.update()

    @property
    def months(self) -> list[str]:
        return list(self._keys)

    def y_for(self, key: str) -> int:
        """The strip's y for a month (where a click chooses it)."""
        return self._to_widget(self._ys[self._keys.index(key)])

    def key_at(self, y: int) -> str | None:
        """The month a click at ``y`` chooses: the last month that starts at or above it."""
        if not self._keys:
            return None
        return self._keys[max(0, bisect_right([self._to_widget(v) for v in self._ys], y) - 1)]

    def labels(self) -> list[tuple[str, int]]:
        """What the strip writes, top to bottom, with the strip's y of each: each year at its first month (a little
        lower where that collides with the year above: :func:`place_years`), then
        month names ("Sep") wherever they fit between those when the months are that far apart on average (a
        library of a year or two); once months are named, a year's label names its month too ("Nov 2021")."""
        ys = [self._to_widget(y) for y in self._ys]
        keys = self._keys
        chosen = {y: i for i, y in enumerate(ys)}  # months sharing a y: a click there chooses the last (key_at)
        starts: list[int] = []  # each year's first month, as the month a click at its y chooses
        for i, key in enumerate(keys):
            j = chosen[ys[i]]  # the year is written where a click goes to one of its months
            if (i == 0 or keys[i - 1][:4] != key[:4]) and keys[j][:4] == key[:4]:
                starts.append(j)
        places = place_years([ys[j] for j in starts], self.height() - MARGIN)
        years = {j: y for j, y in zip(starts, places, strict=True) if y is not None}
        taken = sorted(years.values())  # ys labelled so far
        months: list[int] = []
        spread = (ys[-1] - ys[0]) / (len(ys) - 1) if len(ys) > 1 else 0
        for i in range(len(keys) if spread >= LABEL_GAP else 0):  # many years: their labels alone, no stray months
            at = bisect_left(taken, ys[i])
            room = (at == 0 or ys[i] - taken[at - 1] >= LABEL_GAP) and (
                at == len(taken) or taken[at] - ys[i] >= LABEL_GAP
            )
            if room and len(keys[i]) >= 7 and chosen[ys[i]] == i:
                months.append(i)
                insort(taken, ys[i])
        labels = {i: (short_month(keys[i])[:3], ys[i]) for i in months}
        for i, y in years.items():
            labels[i] = ((short_month(keys[i]) if months else keys[i][:4]) if keys[i] else "—", y)
        return [labels[i] for i in sorted(labels)]

    def _to_widget(self, content_y: int) -> int:
        return MARGIN + round(content_y / self._range * max(1, self.height() - 2 * MARGIN))

    # -- mouse and painting ----------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._choose(round(event.position().y()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        event.accept()  # the jump was made on press (and drag)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        y = round(event.position().y())
        self._hover = self.key_at(y)
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._choose(y)
        self.update()

    def leaveEvent(self, _event: object) -> None:
        self._hover = None
        self.update()

    def _choose(self, y: int) -> None:
        key = self.key_at(y)
        if key is not None:
            self.chosen.emit(key)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Window))
        faint = QColor(text)
        faint.setAlpha(90)
        painter.setPen(faint)
        for y in self._ys:  # a tick per month
            wy = self._to_widget(y)
            painter.drawLine(self.width() - 10, wy, self.width() - 4, wy)
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        for label, wy in self.labels():
            painter.setPen(text if label[-1:].isdigit() or label == "—" else faint_text(text))
            painter.drawText(
                QRect(2, wy - 7, self.width() - 14, 14),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        marker = self._to_widget(min(self._value, self._range))
        painter.fillRect(QRect(self.width() - 12, marker - 1, 12, 3), palette.color(QPalette.ColorRole.Highlight))
        if self._hover:
            self._paint_hover(painter, self._hover)
        painter.end()

    def _paint_hover(self, painter: QPainter, key: str) -> None:
        wy = self.y_for(key)
        box = QRect(0, max(0, wy - 9), self.width() - 12, 18)
        painter.fillRect(box, self.palette().color(QPalette.ColorRole.Highlight))
        painter.setPen(self.palette().color(QPalette.ColorRole.HighlightedText))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, short_month(key))
