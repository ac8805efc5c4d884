"""The model dialog's offline panel: where to download the chosen model's files on another computer (each
address with a Copy button), the way to import them here, and the demo model, which needs no files."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from motis_desktop.core.services import RegistryFile, RegistryModel
from motis_desktop.gui.install_words import IMPORT_DOWNLOADED

DEMO_BUTTON = "Try a demo model (colour words only)"
DEMO_OFFER = (
    "A tiny demo model is built right here, without a download. It understands colour words only (red, blue, "
    "green, …) and finds photos by their main colour: enough to try the app, not for real searches."
)


class OfflinePanel(QWidget):
    """The chosen model's download addresses, each with a Copy button, "Import files I downloaded…", and the demo
    model (built here: no files needed) unless it is installed."""

    def __init__(self, choose_files: Callable[[], None], demo: QPushButton, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlinePanel")
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.help = QLabel()
        self.help.setWordWrap(True)
        self.rows = QVBoxLayout()
        self.import_button = QPushButton(IMPORT_DOWNLOADED)
        self.import_button.clicked.connect(choose_files)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self.problem)
        layout.addWidget(self.help)
        layout.addLayout(self.rows)
        layout.addWidget(self.import_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.demo_button = demo
        self.demo = QWidget()  # the demo model, which needs no files (hidden once it is installed)
        demo_layout = QVBoxLayout(self.demo)
        demo_layout.setContentsMargins(0, 6, 0, 0)
        self.demo_text = QLabel(f"No files at all? {DEMO_OFFER}")
        self.demo_text.setWordWrap(True)
        demo_layout.addWidget(self.demo_text)
        demo_layout.addWidget(demo, alignment=Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.demo)

    def show_model(self, model: RegistryModel, problem: str | None, failed: str = "download") -> None:
        """``problem``: why the ``failed`` action (the download, or the import) did not work, if it did not."""
        self.problem.setText(f"<b>The {failed} did not work:</b> {problem}" if problem else "")
        self.problem.setVisible(bool(problem))
        self.help.setText(
            f"Download these files for {model.display_name} on a computer with internet, bring them here "
            f"(a USB stick is fine), then choose them with “{IMPORT_DOWNLOADED}”."
        )
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for f in model.files:
            self.rows.addWidget(_address_row(f))


def demo_button(start: Callable[[], None]) -> QPushButton:
    """ "Try a demo model (colour words only)", with a tooltip that says what it can and cannot do."""
    button = QPushButton(DEMO_BUTTON)
    button.setObjectName("tryDemoModel")
    button.setToolTip(DEMO_OFFER)
    button.clicked.connect(start)
    return button


def _address_row(f: RegistryFile) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    size = f" ({f.size / 1e6:.0f} MB)" if f.size else ""
    address = QLineEdit(f.url)
    address.setReadOnly(True)
    address.setCursorPosition(0)  # the host is what people recognise
    address.setToolTip(f"{f.role}{size}" + ("\nAlso at: " + "\n".join(f.alternate_urls) if f.alternate_urls else ""))
    copy = QPushButton("Copy")
    copy.setObjectName("copyAddress")
    copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(f.url))
    layout.addWidget(QLabel(f"{f.role}{size}:"))
    layout.addWidget(address, 1)
    layout.addWidget(copy)
    return row
