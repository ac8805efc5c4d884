"""The library folders in Settings: photos, still to index, unreadable files (click for paths and reasons), online.

The counts are the status line's: "Photos" are the files the app can show, "Unreadable" the files it cannot
(a broken-image tile in the gallery), so a folder's two add up to its files.

Counts and failure lists come from ``Services.folder_reports`` through the
window's background ``submit`` (SQLite and ``stat`` of possibly unplugged
drives never run on the GUI thread). Adding and removing only edits the list;
the settings dialog's caller applies it. An offline folder's row has "Locate…": the user shows where it is now,
and ``locate_requested`` asks the caller to move it there (``Services.move_folder``; :meth:`moving` shows how far it
is, with a Cancel in place of "Locate…" that sends ``cancel_requested``; :meth:`replace` then shows the new place).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from motis_desktop.core.services import FolderReport, Services
from motis_desktop.gui.dialogs import within_screen
from motis_desktop.gui.local_files import file_url, local_path, readable
from motis_desktop.gui.locked_notes import folder_status

# Each row's folder, kept as a Python object: its text is for people and loses the bytes of a name that are not UTF-8.
PATH_ROLE = Qt.ItemDataRole.UserRole

Submit = Callable[[Callable[[Services], Any], Callable[[Any], None]], object]
COLUMNS = ("Folder", "Photos", "To index", "Unreadable", "Status", "")
FAILED = 3
LOCATE = 5  # an offline folder's "Locate…" button
LOCATE_TIP = (
    "Show where this folder is now (renamed, moved, or its drive mounted elsewhere): the photos found there keep "
    "what was indexed of them, nothing is read again"
)


class FoldersPanel(QWidget):
    """Editable list of library folders with their state.

    Signals:
        locate_requested: Emitted with an offline library folder and the folder the user chose as its new place.
        cancel_requested: Emitted with an offline library folder whose move the user cancelled (its row's Cancel).
    """

    locate_requested = Signal(str, str)
    cancel_requested = Signal(str)

    def __init__(self, folders: list[str], submit: Submit | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.submit = submit
        self.reports: dict[str, FolderReport] = {}
        self.failures_dialog: FailuresDialog | None = None
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # folders differ at their end ("…cousins 2024")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(LOCATE, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.tree.itemClicked.connect(self._clicked)
        for folder in folders:
            self._add_item(folder)
        add = QPushButton("Add folder…")
        remove = QPushButton("Remove from library")
        add.setToolTip(
            "Every image below the folder is indexed; hidden files and folders are skipped. Links to folders are "
            "followed, except links to a library folder or a folder above one (.., /, your home)."
        )
        remove.setToolTip("The photos stay on disk; only the library forgets them.")
        add.clicked.connect(self._choose)
        remove.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
        self.refresh()

    def _items(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def paths(self) -> list[str]:
        return [_path(item) for item in self._items()]

    def add_folder(self, folder: str) -> None:
        if folder and folder not in self.paths():
            self._add_item(folder)

    def remove_selected(self) -> None:
        for item in self.tree.selectedItems():
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))

    def refresh(self) -> None:
        """Ask the background for fresh counts."""
        if self.submit is not None:
            self.submit(lambda s: s.folder_reports(), self.set_reports)

    def set_reports(self, reports: list[FolderReport]) -> None:
        try:
            self.reports = {r.path: r for r in reports}
            for item in self._items():
                self._fill(item)
        except RuntimeError:  # the dialog closed before the counts arrived
            pass

    def _add_item(self, folder: str) -> None:
        item = QTreeWidgetItem([readable(folder), "", "", "", ""])
        item.setData(0, PATH_ROLE, (folder,))
        item.setToolTip(0, readable(folder))  # the whole path: a long one is cut in its middle
        for column in range(1, len(COLUMNS)):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tree.addTopLevelItem(item)
        self._fill(item)

    def _fill(self, item: QTreeWidgetItem) -> None:
        report = self.reports.get(_path(item))
        if report is None:
            for column in range(1, LOCATE):  # not Locate…'s own column: nothing ever cleared it (QA walk 8)
                item.setText(column, "…" if self.submit is not None and self.paths() else "")
            if _path(item) not in self.reports and self.reports:
                item.setText(4, "new")
            return
        item.setText(1, f"{report.photos - report.failed:,}")  # FolderReport.photos counts every file
        item.setText(2, f"{report.to_index:,}")
        item.setText(3, f"{report.failed:,}")
        item.setText(4, "online" if report.online else "offline")
        item.setText(LOCATE, "")  # its "…" while the counts came (the button, if any, stands there)
        self._locate_button(item, not report.online)
        item.setForeground(4, QColor(40, 140, 60) if report.online else QColor(200, 60, 40))
        item.setToolTip(
            4,
            "Connected and watched"
            if report.online
            else "Not connected: its photos and index are kept and come back when it is",
        )
        if report.online and report.locked:  # subfolders that cannot be opened: their photos are left out
            text, why = folder_status(report.locked)
            item.setText(4, text)
            item.setToolTip(4, why)
            item.setForeground(4, QColor(190, 110, 0))
            self.tree.resizeColumnToContents(4)  # the whole words, not "onl…ked"
        if report.failed:
            item.setForeground(FAILED, QColor(200, 60, 40))
            item.setToolTip(FAILED, "Files that could not be read (a broken image in the gallery): click to see why")

    def _locate_button(self, item: QTreeWidgetItem, offline: bool) -> None:
        """Give an offline folder's row its "Locate…" button (once); take it from a row that is online."""
        if not offline:
            self.tree.removeItemWidget(item, LOCATE)
        elif self.tree.itemWidget(item, LOCATE) is None:
            button = QPushButton("Locate…")
            button.setObjectName("locateFolder")
            button.setToolTip(LOCATE_TIP)
            folder = _path(item)
            button.clicked.connect(lambda: self.locate(folder))
            self.tree.setItemWidget(item, LOCATE, button)
            self._chain_locates()

    def _chain_locates(self) -> None:
        """The rows' Locate… buttons come right after the list in the Tab order, top to bottom (made after the
        dialog's other widgets, they were its last stops, after OK and Cancel: QA walk 8)."""
        before: QWidget = self.tree
        for item in self._items():
            if (button := self.tree.itemWidget(item, LOCATE)) is not None:
                QWidget.setTabOrder(before, button)
                before = button

    def locate(self, folder: str) -> None:
        """Ask where the offline ``folder`` is now (a folder chooser that starts in its parent: a renamed folder is
        most often beside its old name); ``locate_requested`` with the answer."""
        title = f"Where is {readable(os.path.basename(folder))} now?"
        chosen = local_path(QFileDialog.getExistingDirectoryUrl(self, title, file_url(os.path.dirname(folder))))
        if chosen:
            self.locate_requested.emit(folder, chosen)

    def moving(self, folder: str, words: str | None) -> None:
        """The move of the offline ``folder`` waits or checks (``words`` in its Status column, "Cancel" in place of
        "Locate…"), or ended without moving it (None: "offline" and "Locate…" again)."""
        for item in self._items():
            if _path(item) != folder:
                continue
            item.setText(4, words or "offline")
            item.setToolTip(4, words or "")
            button = self.tree.itemWidget(item, LOCATE)
            if isinstance(button, QPushButton) and words is not None and button.objectName() != "cancelLocate":
                self.tree.removeItemWidget(item, LOCATE)
                cancel = QPushButton("Cancel")
                cancel.setObjectName("cancelLocate")
                cancel.setToolTip("Stop moving this folder: nothing is changed")
                cancel.clicked.connect(lambda: self.cancel_requested.emit(folder))
                self.tree.setItemWidget(item, LOCATE, cancel)
            elif words is None:
                self.tree.removeItemWidget(item, LOCATE)
                self._locate_button(item, True)

    def replace(self, old: str, new: str) -> None:
        """The library folder ``old`` now lives at ``new`` (moved by the caller): its row says so, counts follow."""
        for item in self._items():
            if _path(item) == old:
                self.tree.removeItemWidget(item, LOCATE)
                item.setData(0, PATH_ROLE, (new,))
                item.setText(0, readable(new))
        self.refresh()

    def _clicked(self, item: QTreeWidgetItem, column: int) -> None:
        report = self.reports.get(_path(item))
        if column == FAILED and report is not None and report.failed:
            self.show_failures(report.path)

    def show_failures(self, folder: str) -> None:
        """Open a list of the folder's failed files and reasons (loaded in the background)."""
        if self.submit is None:
            return
        self.failures_dialog = FailuresDialog(folder, self)
        self.failures_dialog.open()
        dialog = self.failures_dialog
        self.submit(
            lambda s: next((r.failures for r in s.folder_reports(failures=True) if r.path == folder), []),
            dialog.set_failures,
        )

    def _choose(self) -> None:
        self.add_folder(local_path(QFileDialog.getExistingDirectoryUrl(self, "Add a folder of photos")) or "")

    @staticmethod
    def show_refused(parent: QWidget, folder: str, message: str) -> None:
        """Locate… refused for ``folder`` (a folder without its photos, one inside the library, …): a box with a
        heading and the core's reason as a sentence (QA walk 8: the command line's lower-case words alone, in a box
        without a title)."""
        name = readable(os.path.basename(folder.rstrip(os.sep)) or folder)
        box = QMessageBox(QMessageBox.Icon.Warning, "Locate folder", f"“{name}” was not moved", parent=parent)
        box.setInformativeText(f"{message[:1].upper()}{message[1:]}" + ("" if message.endswith((".", "?")) else "."))
        box.exec()


def _path(item: QTreeWidgetItem) -> str:
    """The folder a row stands for (see PATH_ROLE)."""
    return str(item.data(0, PATH_ROLE)[0])


class FailuresDialog(QDialog):
    """Paths and reasons of the files of one folder that could not be indexed."""

    def __init__(self, folder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Unreadable files — {folder}")
        self.resize(within_screen(self, QSize(760, 380)))  # its Close button on a small screen too
        self.list = QTreeWidget()
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels(["File", "Reason"])
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(box)

    def set_failures(self, failures: list[tuple[str, str]]) -> None:
        try:
            self.list.clear()
            self.list.addTopLevelItems([QTreeWidgetItem([path, reason]) for path, reason in failures])
        except RuntimeError:  # closed before the list arrived
            pass
