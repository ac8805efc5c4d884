"""Small dialogs shared by the window and the settings."""

from __future__ import annotations

from math import ceil
from pathlib import Path

from PySide6.QtCore import QSize, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from motis_desktop.gui.local_files import local_path


def within_screen(widget: QWidget, wanted: QSize) -> QSize:
    """``wanted``, at most 90 % of the free area of the screen ``widget`` is on: on a small screen, or at a scale
    factor of 2, a window or dialog of a fixed size hid its edges and buttons past the screen's."""
    screen = widget.screen().availableGeometry()
    return QSize(min(wanted.width(), screen.width() * 9 // 10), min(wanted.height(), screen.height() * 9 // 10))


def photos_folder() -> str:
    """Where a folder dialog starts: the user's Pictures folder if it exists, else the home folder."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and Path(pictures).is_dir() else str(Path.home())


def choose_folder(parent: QWidget | None) -> str:
    """Ask for a folder of photos, starting in Pictures or home; "" when cancelled."""
    url = QFileDialog.getExistingDirectoryUrl(parent, "Add a folder of photos", QUrl.fromLocalFile(photos_folder()))
    return local_path(url) or ""  # its own bytes: a name that is not UTF-8 stays that folder


class TextDialog(QDialog):
    """A page of reference text (Help ▸ Search syntax, Keyboard shortcuts) as wide as its longest line: nothing
    is cut or wrapped into a narrow column (a QMessageBox caps its width); a scroll bar only where the screen is
    smaller than the text."""

    def __init__(self, title: str, html: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.label = QLabel(html)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)  # only where the screen is narrower than the text (see the size below)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)  # no band above the text
        self.label.setContentsMargins(8, 8, 8, 8)
        scroll = QScrollArea()
        scroll.setWidget(self.label)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(buttons)
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        doc = QTextDocument()  # the text's width on one line per row, in the label's font
        doc.setDefaultFont(self.label.font())
        doc.setHtml(html)
        margins = 16 + 2 * layout.contentsMargins().left() + scroll.verticalScrollBar().sizeHint().width()
        width = min(ceil(doc.idealWidth()) + margins, screen.width() * 9 // 10)
        height = self.label.heightForWidth(width - margins) + buttons.sizeHint().height() + 48
        self.resize(width, min(height, screen.height() * 9 // 10))

    def text(self) -> str:
        return self.label.text()
