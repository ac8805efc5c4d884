"""A one-line label that ends in "…" where it is cut, with the whole text in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import QLabel, QStyleOption, QWidget


class ElidedLabel(QLabel):
    """``text()`` stays the whole text; what does not fit is drawn as "…" and the tooltip says it all (QLabel
    clips a long line mid-letter: the status line read 'for “gree' in a narrow window)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(1)  # a long line is cut at the window's edge, never widens the window

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
        elided = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        self.style().drawItemText(
            painter,
            rect,
            int(self.alignment()),
            option.palette,
            self.isEnabled(),
            elided,
            QPalette.ColorRole.WindowText,
        )
