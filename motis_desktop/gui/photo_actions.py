"""The Photo menu: what can be done with the current photo (view it, open it, reveal it, copy its path or text, find
similar ones). One owner: the menu bar's Photo menu and the context menu of the grid and of the viewer (right-click,
Shift+F10, the Menu key) show these same QActions, so a shortcut, its enabled state and its words cannot differ
between them. Reveal and Copy path of any file are here too (:meth:`PhotoActions.reveal_in_folder`,
:meth:`PhotoActions.copy_file_path`): Skipped…'s list uses them."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from motis_desktop.gui.library_model import Roles, path_of, row_data
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.menu_keys import is_menu_key
from motis_desktop.gui.model_state import ModelController
from motis_desktop.gui.search_actions import ResultsController
from motis_desktop.gui.timeline import TimelineView
from motis_desktop.gui.viewer import GridViewer


@dataclass(frozen=True)
class Current:
    """The photo the Photo menu acts on: the viewer's while it is open, else the grid's current one."""

    path: str
    unreadable: bool  # its file could not be read: no picture to compare (Find similar is off)


class PhotoActions(QObject):
    """The Photo menu's actions on the current photo, and the grid's context menu built from them."""

    def __init__(
        self, window: QWidget, results: ResultsController, grid_viewer: GridViewer, models: ModelController
    ) -> None:
        super().__init__(window)
        self.results, self.view, self.grid_viewer, self.models = results, results.view, grid_viewer, models

        def act(text: str, slot: Callable[[Current], object], key: str = "") -> QAction:
            action = QAction(text, window)
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(lambda: self._on_current(slot))
            window.addAction(action)
            return action

        self.view_large = act("&View\tSpace", self._view)  # Space is the grid's own key (the viewer closes on it)
        self.open = act("&Open in default app\tEnter", lambda c: results.open_path(c.path))  # Enter: the grid's too
        self.reveal = act("&Reveal in folder", lambda c: self.reveal_in_folder(c.path), "Ctrl+Shift+R")
        self.copy_path = act("Copy &path", lambda c: self.copy_file_path(c.path), "Ctrl+Shift+C")
        self.copy_text = act("Copy &text", lambda c: results.copy_text(c.path), "Ctrl+Shift+T")
        self.find_similar = act("Find &similar", lambda c: results.find_similar(c.path), "Ctrl+Shift+F")
        self.all = (self.view_large, self.open, self.reveal, self.copy_path, self.copy_text, self.find_similar)
        self._follow(results.view, grid_viewer)
        self.refresh()

    def _follow(self, view: TimelineView, grid_viewer: GridViewer) -> None:
        """Keep the actions' enabled state with the current photo (a reset of the rows moves it silently)."""
        view.selectionModel().currentChanged.connect(lambda _now, _before: self.refresh())
        model = view.model()
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(lambda *_args: self.refresh())
        grid_viewer.viewer.moved.connect(lambda _path: self.refresh())
        grid_viewer.stack.currentChanged.connect(lambda _page: self.refresh())
        self.models.state_changed.connect(lambda _state: self.refresh())  # Find similar needs the model loaded
        self.models.ready.connect(lambda _name: self.refresh())
        view.installEventFilter(self)  # Shift+F10 and the Menu key
        grid_viewer.viewer.installEventFilter(self)  # those, and a right-click on the photo viewed

    def current(self) -> Current | None:
        if self.grid_viewer.is_open:
            row = self.grid_viewer.viewer.current
            return None if row is None else Current(row.path, bool(row.error))
        if self.grid_viewer.stack.currentWidget() is not self.view:
            return None  # a page saying why the grid is empty: no photo is on show
        index = self.view.currentIndex()
        return Current(path_of(index), bool(row_data(index, Roles.ERROR))) if index.isValid() else None

    def refresh(self) -> None:
        """Enable the actions only while a photo is current (Find similar: also one with a picture and a model)."""
        current = self.current()
        for action in self.all:
            action.setEnabled(current is not None)
        self.find_similar.setEnabled(current is not None and not current.unreadable and self.models.encoder is not None)

    def _on_current(self, slot: Callable[[Current], object]) -> None:
        self.refresh()  # a shortcut may come before a signal that changed what is current
        current = self.current()
        if current is not None:
            slot(current)

    def _view(self, current: Current) -> None:
        if not self.grid_viewer.is_open:
            self.grid_viewer.open(self.view.currentIndex())

    def reveal_in_folder(self, path: str) -> None:
        """Show the folder that holds ``path`` in the system's file manager."""
        self.results.open_path(os.path.dirname(path))

    def copy_file_path(self, path: str) -> None:
        QGuiApplication.clipboard().setText(path)
        self.results.status.emit(f"Copied the path of {readable(os.path.basename(path))}")

    # -- the context menu -----------------------------------------------------------------

    def context_menu(self, pos: QPoint) -> None:
        """A right-click at ``pos`` (the viewport's): the photo there becomes current, then the menu opens."""
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        if index != self.view.currentIndex():
            self.view.make_current(index.row())
        self._exec(self.view.viewport().mapToGlobal(pos))

    def menu_at_current(self) -> None:
        """Shift+F10 or the Menu key: the context menu at the current photo, the viewer's while it is open (in its
        middle); none current: nothing."""
        if self.grid_viewer.is_open:
            viewer = self.grid_viewer.viewer
            if viewer.current is not None:
                self._exec(viewer.mapToGlobal(viewer.rect().center()))
            return
        index = self.view.currentIndex()
        if not index.isValid():
            return
        self.view.scrollTo(index)
        self._exec(self.view.viewport().mapToGlobal(self.view.visualRect(index).center()))

    def _exec(self, at: QPoint) -> None:
        self.refresh()
        menu = QMenu(self.view.window())
        menu.setObjectName("photoContextMenu")
        for action in self.all:
            menu.addAction(action)
        menu.exec(at)
        menu.deleteLater()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        viewer = self.grid_viewer.viewer
        if (obj is self.view or obj is viewer) and is_menu_key(event):  # a key press, or the platform's Menu event
            self.menu_at_current()
            return True
        if obj is viewer and isinstance(event, QContextMenuEvent) and viewer.current is not None:
            self._exec(event.globalPos())  # a right-click on the photo viewed: its menu where the mouse is
            return True
        return super().eventFilter(obj, event)
