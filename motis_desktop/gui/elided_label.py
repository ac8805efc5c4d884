"""Labels for text that comes from the user (a query, a path, a file name), which must never widen the window:
a one-line label that ends in "…" where it is cut, with the whole text in its tooltip, and a label that wraps even
inside a word longer than its line."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QLabel, QSizePolicy, QStyleOption, QWidget


class ElidedLabel(QLabel):
    """``text()`` stays the whole text; what does not fit is drawn as "…" and the tooltip says it all (QLabel
    clips a long line mid-letter: the status line read 'for “gree' in a narrow window)."""

    def __init__(self, parent: QWidget | None = None, mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight) -> None:
        super().__init__(parent)
        self.mode = mode  # ElideMiddle for a file name: its start and its extension stay
        self.setMinimumWidth(1)  # a long line is cut at the window's edge, never widens the window

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(1, super().minimumSizeHint().height())

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self._tooltip()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._tooltip()

    def _fits(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self.text()) <= self.contentsRect().width()

    def _tooltip(self) -> None:
        self.setToolTip("" if self._fits() else self.text())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        if self._fits():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        rect = self.contentsRect()
        elided = self.fontMetrics().elidedText(self.text(), self.mode, rect.width())
        self.style().drawItemText(
            painter,
            rect,
            int(self.alignment()),
            option.palette,
            self.isEnabled(),
            elided,
            QPalette.ColorRole.WindowText,
        )


class WrappedLabel(QLabel):
    """Plain text that wraps at word boundaries, and inside a word longer than the line (a query of one long word,
    a path), so its minimum width is 1: a QLabel's is its longest word's, and a long query that found nothing
    widened the window past the screen. Its height follows its width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumWidth(1)

    def _option(self) -> QTextOption:
        option = QTextOption(self.alignment())
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        return option

    def _text_height(self, width: int) -> int:
        layout = QTextLayout(self.text(), self.font())
        layout.setTextOption(self._option())
        layout.beginLayout()
        height = 0.0
        while (line := layout.createLine()).isValid():
            line.setLineWidth(max(width, 1))
            height += line.height()
        layout.endLayout()
        return int(height + 0.999)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        margins = self.contentsMargins()
        inner = width - margins.left() - margins.right() - 2 * self.margin()
        return self._text_height(inner) + margins.top() + margins.bottom() + 2 * self.margin()

    def sizeHint(self) -> QSize:  # noqa: N802
        width = self.fontMetrics().horizontalAdvance(self.text()) + 2 * self.margin() + 2
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(1, self.fontMetrics().height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        rect = QRectF(self.contentsRect().adjusted(self.margin(), self.margin(), -self.margin(), -self.margin()))
        painter.drawText(rect, self.text(), self._option())
