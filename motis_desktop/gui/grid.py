"""The empty-library placeholder and the empty-results state (the photos themselves: gui/timeline.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from motis_desktop.gui.elided_label import WrappedLabel


def make_empty_label() -> QLabel:
    """The large dashed drop target shown while the library has no folders."""
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet(
        "QLabel { font-size: 16px; color: palette(placeholder-text); border: 3px dashed palette(mid);"
        " border-radius: 16px; margin: 40px; padding: 40px; }"
    )
    return label


class EmptyResults(QWidget):
    """The grid's own empty state for a search that returned nothing: why, and "Show the closest anyway"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyResults")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.title = WrappedLabel()  # it names the query: a long one wraps, never widens the window
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("QLabel { font-size: 18px; font-weight: bold; }")
        self.reason = WrappedLabel()  # it may name folders
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reason.setStyleSheet("QLabel { font-size: 14px; }")
        self.closest = QPushButton("Show the closest anyway")
        self.closest.setToolTip("The best-scoring photos, even though none stands out")
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addWidget(self.reason)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.closest)
        row.addStretch()
        layout.addLayout(row)
        layout.addStretch(3)

    def show_reason(self, title: str, reason: str, closest: bool) -> None:
        self.title.setText(title)
        self.reason.setText(reason)
        self.closest.setVisible(closest)
