"""Settings' line on photos removed from the library folders: how many are remembered for their return, and a
button that forgets them now. It only shows what it is given; the count and the forgetting run on the backend
(``SettingsController``), never on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from motis_desktop.core.services import GONE_KEEP_DAYS

FORGET = "Forget them now"
NONE_LEFT = "None remembered"


class GoneLine(QWidget):
    """The words and the "Forget them now" button (disabled, "None remembered", when there is nothing to forget).

    Signals:
        forget_requested: Emitted when the user presses the button.
    """

    forget_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setObjectName("goneLine")
        self.label.setWordWrap(True)
        self.button = QPushButton(FORGET)
        self.button.setObjectName("forgetGone")
        self.button.setToolTip(
            "Forget now what was learned from them: search vectors, dates and the text read in them.\n"
            "Your files are not touched; one that comes back is indexed again like a new photo."
        )
        self.button.clicked.connect(self._forget)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.show_count(None)

    def show_count(self, count: int | None) -> None:
        """Say that ``count`` photos are remembered now (None: not counted yet)."""
        words = (
            f"Photos removed from your folders are remembered for {GONE_KEEP_DAYS:g} days, so they are not read "
            "again if they come back."
        )
        self.label.setText(words if count is None else f"{words} {count:,} remembered now.")
        self.button.setEnabled(bool(count))
        self.button.setText(NONE_LEFT if count == 0 else FORGET)

    def _forget(self) -> None:
        self.button.setEnabled(False)
        self.button.setText("Forgetting…")
        self.forget_requested.emit()
