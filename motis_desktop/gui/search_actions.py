"""Searching, results, opening photos and their context menu (a mixin of MainWindow)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QListView, QMenu, QWidget

from motis_desktop.core.services import QueryResult
from motis_desktop.gui.library_model import LibraryModel, Roles, Row
from motis_desktop.gui.model_state import ModelState
from motis_desktop.gui.search_box import SearchController, quote_path, result_row
from motis_desktop.gui.status_bar import StatusBar
from motis_desktop.gui.texts import NO_MODEL_TEXT
from motis_desktop.gui.viewer import GridViewer
from motis_desktop.gui.workers import Backend

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLineEdit, QStackedWidget

    from motis_desktop.core.services import Encoder

RESULT_EDGE = 512  # search results are shown at high resolution
RESULT_CELL = 300


class SearchActions:
    """Text search, *Find similar*, going back to the gallery, opening photos; part of :class:`MainWindow`."""

    search: QLineEdit
    searcher: SearchController
    view: QListView
    stack: QStackedWidget
    model: LibraryModel
    backend: Backend
    status: StatusBar
    encoder: Encoder | None
    model_state: ModelState
    _results_for: str | None
    _gallery: list[Row]
    grid_viewer: GridViewer

    if TYPE_CHECKING:  # provided by MainWindow

        @property
        def top_k(self) -> int: ...
        @property
        def thumb_size(self) -> int: ...
        @property
        def gallery_cell(self) -> int: ...
        def _set_cell(self, cell: int) -> None: ...
        def _update_status(self) -> None: ...
        def _refresh_empty_state(self) -> None: ...

    def run_search(self, text: str | None = None) -> None:
        """Search for ``text`` (default: the search box); queued while the model loads, run when it is ready."""
        text = (self.search.text() if text is None else text).strip()
        if not text or text.lower() == "reset":
            self.search.clear()
            self.reset()
            return
        if self.model_state in (ModelState.MISSING, ModelState.FAILED):
            self.status.set_text("Search needs a model. " + NO_MODEL_TEXT.replace("\n", " "))
            return
        self.searcher.search(text)

    def find_similar(self, path: str) -> None:
        """Search with a photo as the query: its path becomes an image term in the search box."""
        self.search.setText(quote_path(path))
        self.run_search()

    def _show_results(self, label: str, result: QueryResult) -> None:
        self._results_for = label
        self._set_cell(RESULT_CELL)
        self.model.set_rows([result_row(h) for h in result.hits], RESULT_EDGE)
        self.stack.setCurrentWidget(self.view)
        self.view.scrollToTop()
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0))
        self._update_status()

    def escape(self) -> None:
        """Esc: back to the gallery from results; otherwise clear text typed but never searched."""
        if self._results_for is not None:
            self.reset()
        else:
            self.search.clear()

    def reset(self) -> None:
        """Back to the whole gallery (Esc, an empty search box, or the query `reset`)."""
        if self._results_for is None:
            return
        self._results_for = None
        self.searcher.clear()
        self.search.clear()
        self._set_cell(self.gallery_cell)
        self.model.set_rows(self._gallery, self.thumb_size)
        self._refresh_empty_state()

    # -- opening, context menu ----------------------------------------------------------

    def open_index(self, index: QModelIndex) -> None:
        path = index.data(Roles.PATH)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        """Open a photo or folder with the system's application; say so when there is none."""
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(path)):
            self.status.set_text(f"No application is set up to open {path}")

    def copy_text(self, path: str) -> None:
        """Put the words read in the photo on the clipboard (read now, in the background, if not read yet)."""

        def copied(text: object) -> None:
            words = str(text)
            QGuiApplication.clipboard().setText(words)
            name = os.path.basename(path)
            self.status.set_text(f"Copied the text of {name}" if words else f"No text found in {name}")

        self.backend.submit(
            lambda services: services.photo_text(path).text,
            copied,
            lambda message: self.status.set_text(f"Copy text: {message}"),
        )

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        path = index.data(Roles.PATH)
        menu = QMenu(self if isinstance(self, QWidget) else None)
        menu.addAction("View\tSpace", lambda: self.grid_viewer.open(index))
        menu.addAction("Open in default app", lambda: self.open_index(index))
        menu.addAction("Reveal in folder", lambda: self.open_path(os.path.dirname(path)))
        menu.addAction("Copy path", lambda: QGuiApplication.clipboard().setText(path))
        menu.addAction("Copy text", lambda: self.copy_text(path))
        similar = menu.addAction("Find similar", lambda: self.find_similar(path))
        similar.setEnabled(self.encoder is not None)
        menu.exec(self.view.viewport().mapToGlobal(pos))
