"""Skipped… in the status bar: what the last indexing run could not read, in groups that say once what each covers,
and a list whose lines can be acted on — Reveal in folder, Copy path — from buttons, the keyboard (Enter, the Photo
menu's shortcuts, the arrows) or a context menu. The actions are the Photo menu's owners' (``PathActions``:
``gui/photo_actions.PhotoActions``), so a file is revealed and copied as a photo is."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMenu,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from motis_desktop.core.formatting import count
from motis_desktop.core.services import Skipped
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.menu_keys import is_menu_key

SKIPPED_LISTED = 500  # lines of Skipped…'s list at most (the counts above it are of all of them)
_FILE = Qt.ItemDataRole.UserRole + 1  # a file line's place in ``SkippedDialog.files`` (group lines have none)


class PathActions(Protocol):
    """What the list's lines can do (the Photo menu's owner: ``PhotoActions``)."""

    def reveal_in_folder(self, path: str) -> None: ...
    def copy_file_path(self, path: str) -> None: ...


def skipped_groups(skipped: Sequence[Skipped]) -> list[tuple[str, str, list[Skipped]]]:
    """Skipped…'s groups that have files, each with its title in the list and the sentence that counts it and says
    what it covers: the status line's "unreadable files" and Settings' "Unreadable" are the first group's files."""
    unreadable = [s for s in skipped if s.unreadable]
    retried = [s for s in skipped if s.retried]
    left_out = [s for s in skipped if not (s.unreadable or s.retried)]
    one = len(unreadable) == 1
    groups = [
        (
            "Could not be read",
            f"{count(len(unreadable), 'file')} in your folders could not be read: the gallery shows "
            f"{'it' if one else 'them'} as a broken image at its end, no search finds {'it' if one else 'them'}, and "
            f"{'it is' if one else 'they are'} read again once changed.",
            unreadable,
        ),
        (
            "Tried again next run",
            f"{count(len(retried), 'file')} could not be read this time (permissions, a drive): "
            "the next run tries again.",
            retried,
        ),
        (
            "Left out by the scan",
            f"{count(len(left_out), 'item')} left out by the scan, not in the library: broken links, link loops, "
            "folders that cannot be listed, files gone before they were read.",
            left_out,
        ),
    ]
    return [group for group in groups if group[2]]


class SkippedDialog(QDialog):
    """The groups' sentences once above a list of path and reason, as wide as its widest line within the screen (a
    QMessageBox's details box wrapped each path over 2-3 lines). With several groups the list has a line per group
    (its title); the first file is selected and the list has the focus, so Enter reveals it at once."""

    def __init__(self, skipped: Sequence[Skipped], actions: PathActions | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Skipped files")
        self.paths = actions  # not ``actions``: QWidget.actions()
        groups = skipped_groups(skipped)
        self.summary = QLabel("\n\n".join(sentence for _title, sentence, _group in groups))  # a line apart
        self.summary.setWordWrap(True)
        self.files: list[Skipped] = []
        self.list = self._make_list(groups)
        self.reveal = self._action("&Reveal in folder", lambda a, path: a.reveal_in_folder(path), "Ctrl+Shift+R")
        copy = QKeySequence.StandardKey.Copy  # Ctrl+C copies a line's path, as in any list
        self.copy_path = self._action("Copy &path", lambda a, path: a.copy_file_path(path), "Ctrl+Shift+C", copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for action in (self.reveal, self.copy_path):
            button = buttons.addButton(action.text(), QDialogButtonBox.ButtonRole.ActionRole)
            button.setAutoDefault(False)  # Enter in the list reveals its line; it does not press a button
            button.setToolTip(action.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
            button.clicked.connect(action.trigger)
            action.enabledChanged.connect(button.setEnabled)
            button.setEnabled(action.isEnabled())
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        if isinstance(close, QPushButton):
            close.setAutoDefault(False)  # Esc closes; Enter is the list's
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self._fit(layout)
        self.list.currentItemChanged.connect(lambda _now, _before: self._refresh())
        self.list.itemDoubleClicked.connect(lambda _item, _column: self.reveal.trigger())
        self.list.installEventFilter(self)  # Enter, Shift+F10 and the Menu key
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(lambda pos: self.menu_at(self.list.viewport().mapToGlobal(pos)))
        first = next((item for item in self._items() if item.data(0, _FILE) is not None), None)
        if first is not None:
            self.list.setCurrentItem(first)
        self.list.setFocus()
        self._refresh()

    def _make_list(self, groups: list[tuple[str, str, list[Skipped]]]) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setColumnCount(2)
        tree.setHeaderLabels(["File", "Reason"])
        tree.setRootIsDecorated(False)
        tree.setItemsExpandable(False)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setUniformRowHeights(True)
        tree.setWordWrap(False)  # a path on one line
        tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # too long for the screen: its name stays
        listed = 0
        for title, _sentence, group in groups:
            parent: QTreeWidget | QTreeWidgetItem = tree
            if len(groups) > 1:  # which group a line is in (one group: the sentence above says it)
                head = QTreeWidgetItem(tree, [title])
                head.setFlags(Qt.ItemFlag.ItemIsEnabled)  # not selectable: no file to act on
                font = head.font(0)
                font.setBold(True)
                head.setFont(0, font)
                head.setFirstColumnSpanned(True)
                parent = head
            for s in group[: max(0, SKIPPED_LISTED - listed)]:
                # the specific reason: the group's title and sentence say the kind ("could not be read")
                item = QTreeWidgetItem(parent, [readable(s.path), s.specific])
                item.setData(0, _FILE, len(self.files))  # the path itself stays a Python string (gui.md)
                item.setToolTip(0, readable(s.path))
                item.setToolTip(1, s.message)  # the core's whole words, as `motis index` says them
                self.files.append(s)
            listed += len(group)
        tree.expandAll()
        return tree

    def _action(
        self, text: str, slot: Callable[[PathActions, str], object], key: str, *more: QKeySequence.StandardKey
    ) -> QAction:
        """One of the list's actions on the selected line; the dialog's own keys (the window behind it is blocked)."""
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key), *(QKeySequence(k) for k in more)])

        def on_selected() -> None:
            path = self.selected()
            if path is not None and self.paths is not None:
                slot(self.paths, path)

        action.triggered.connect(on_selected)
        self.addAction(action)
        return action

    def _items(self) -> list[QTreeWidgetItem]:
        items: list[QTreeWidgetItem] = []
        for i in range(self.list.topLevelItemCount()):
            head = self.list.topLevelItem(i)
            if head is not None:
                items += [head, *(c for j in range(head.childCount()) if (c := head.child(j)) is not None)]
        return items

    def selected(self) -> str | None:
        """The path of the line current in the list (None: none, or a group's title)."""
        item = self.list.currentItem()
        place = item.data(0, _FILE) if item is not None else None
        return self.files[place].path if isinstance(place, int) else None

    def select(self, path: str) -> None:
        """Make the line of ``path`` the current one, if listed (a broken tile clicked in the gallery)."""
        for item in self._items():
            place = item.data(0, _FILE)
            if isinstance(place, int) and self.files[place].path == path:
                self.list.setCurrentItem(item)
                return

    def text(self) -> str:
        """The list as lines of "path: reason" (group titles as they are): what it shows, for a test or a bug."""
        return "\n".join(
            f"{item.text(0)}: {item.text(1)}" if item.data(0, _FILE) is not None else item.text(0)
            for item in self._items()
        )

    def _refresh(self) -> None:
        on = self.selected() is not None and self.paths is not None
        self.reveal.setEnabled(on)
        self.copy_path.setEnabled(on)

    def menu_at(self, at: QPoint) -> None:
        """The line's menu: the two actions (a group's title or nothing current: nothing)."""
        if self.selected() is None:
            return
        menu = QMenu(self)
        menu.setObjectName("skippedContextMenu")
        menu.addActions([self.reveal, self.copy_path])
        menu.exec(at)
        menu.deleteLater()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.list and is_menu_key(event):
            item = self.list.currentItem()
            rect = self.list.visualItemRect(item) if item is not None else self.list.viewport().rect()
            self.menu_at(self.list.viewport().mapToGlobal(rect.center()))
            return True
        if (
            obj is self.list
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self.reveal.trigger()
            return True  # not the dialog's: it would press a button
        return super().eventFilter(obj, event)

    def _fit(self, layout: QVBoxLayout) -> None:
        """As wide as the widest line (path and reason), within the screen; 20 lines high at most. On a screen too
        narrow the paths are cut in their middle (the file's name stays; the whole path in the tooltip), so the
        reason beside each stays in view (a reason wider than half of it is cut too, whole in its tooltip)."""
        for column in (0, 1):
            self.list.resizeColumnToContents(column)
        parent = self.parentWidget()
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        paths, reasons = self.list.columnWidth(0), self.list.columnWidth(1)
        margins = layout.contentsMargins()
        chrome = margins.left() + margins.right() + 2 * self.list.frameWidth() + 24  # and a scroll bar
        width = min(max(paths + reasons + chrome, 420), screen.width() * 9 // 10)
        room = width - chrome
        if paths + reasons > room:
            self.list.setColumnWidth(0, max(room - reasons, room // 2))
            self.list.setColumnWidth(1, room - self.list.columnWidth(0))  # a long reason is cut too, no scroll bar
        self.resize(width, self.sizeHint().height())
        rows = min(len(self._items()), 20) + 2
        line = self.list.fontMetrics().lineSpacing() + 6
        self.list.setMinimumHeight(min(rows * line, screen.height() // 2))
        self.resize(self.width(), self.sizeHint().height())
