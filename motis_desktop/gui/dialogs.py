"""Small dialogs shared by the window and the settings."""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from pathlib import Path

from PySide6.QtCore import QSize, QStandardPaths, Qt, QUrl
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from motis_desktop.core.formatting import count
from motis_desktop.core.services import Skipped
from motis_desktop.gui.local_files import local_path, readable

SKIPPED_LISTED = 500  # lines of Skipped…'s list at most (the counts above it are of all of them)


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


def skipped_groups(skipped: Sequence[Skipped]) -> list[tuple[str, list[Skipped]]]:
    """Skipped…'s groups, each with the sentence that counts it and says what it covers (the groups that have
    files): the status line's "unreadable files" and Settings' "Unreadable" are the first group's files."""
    unreadable = [s for s in skipped if s.unreadable]
    retried = [s for s in skipped if s.retried]
    left_out = [s for s in skipped if not (s.unreadable or s.retried)]
    groups = [
        (
            f"{count(len(unreadable), 'file')} in your folders could not be read: the gallery shows "
            f"{'it' if len(unreadable) == 1 else 'them'} with a cross, no search finds "
            f"{'it' if len(unreadable) == 1 else 'them'}, and "
            f"{'it is' if len(unreadable) == 1 else 'they are'} read again once changed.",
            unreadable,
        ),
        (
            f"{count(len(retried), 'file')} could not be read this time (permissions, a drive): "
            "the next run tries again.",
            retried,
        ),
        (
            f"{count(len(left_out), 'item')} left out by the scan, not in the library: broken links, link loops, "
            "folders that cannot be listed, files gone before they were read.",
            left_out,
        ),
    ]
    return [(words, group) for words, group in groups if group]


class SkippedDialog(QDialog):
    """Skipped… in the status bar: what the last indexing run could not read, in groups that say what each count
    covers; the list is as wide as its longest line (a QMessageBox's details box wrapped each path over 2-3 lines),
    within the screen."""

    def __init__(self, skipped: Sequence[Skipped], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Skipped files")
        groups = skipped_groups(skipped)
        self.summary = QLabel("\n".join(words for words, _group in groups))
        self.summary.setWordWrap(True)
        lines: list[str] = []
        for words, group in groups:
            lines += ([""] if lines else []) + [words.split(":")[0] + ":"]
            lines += [f"  {readable(s.path)}: {s.message}" for s in group]
        self.list = QPlainTextEdit("\n".join(lines[:SKIPPED_LISTED]))
        self.list.setReadOnly(True)
        self.list.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)  # a path on one line; scrolls if too wide
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        metrics = self.list.fontMetrics()
        widest = max((metrics.horizontalAdvance(line) for line in lines[:SKIPPED_LISTED]), default=0)
        chrome = 2 * layout.contentsMargins().left() + 2 * self.list.frameWidth() + 24  # margins, frame, scroll bar
        width = min(max(widest + chrome, 420), screen.width() * 9 // 10)
        rows = min(len(lines), SKIPPED_LISTED, 20) + 2
        self.list.setMinimumHeight(min(rows * metrics.lineSpacing(), screen.height() // 2))
        self.resize(width, self.sizeHint().height())
