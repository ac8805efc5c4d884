"""The main window: search bar, thumbnail grid (gallery or results), status bar with indexing progress.

The GUI thread never touches the library database: every query goes through :class:`Backend`, indexing
through :class:`IndexingController`, each on its own thread with its own ``Services``. This window keeps
only plain copies of what it shows (rows, folder paths).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QToolBar,
)

from motis_desktop.core.services import IndexSummary, Progress, ProgressPhase, Services
from motis_desktop.gui.delegate import TEXT_HEIGHT
from motis_desktop.gui.dialogs import choose_folder
from motis_desktop.gui.grid import make_empty_label, make_grid
from motis_desktop.gui.indexing import IndexingController
from motis_desktop.gui.library_model import LibraryModel, Row
from motis_desktop.gui.model_dialog import ModelDialog
from motis_desktop.gui.model_state import ModelLifecycle, ModelState
from motis_desktop.gui.search_actions import SearchActions
from motis_desktop.gui.search_box import SearchBox, SearchController, make_more_button, result_summary
from motis_desktop.gui.settings_actions import SettingsActions
from motis_desktop.gui.status_bar import StatusBar
from motis_desktop.gui.texts import DROP_TEXT, NO_MODEL_TEXT
from motis_desktop.gui.thumbnails import ThumbnailManager
from motis_desktop.gui.viewer import GridViewer
from motis_desktop.gui.watching import FolderWatching
from motis_desktop.gui.workers import Backend, LibrarySnapshot, library_snapshot

if TYPE_CHECKING:
    from motis_desktop.core.services import Encoder

log = logging.getLogger(__name__)

CELL_MARGIN = 20  # a gallery cell is the thumbnail plus this much room
DEFAULT_TOP_K = 50
DEFAULT_THUMB = 160


class MainWindow(ModelLifecycle, SearchActions, SettingsActions, QMainWindow):
    """Thin: every decision about photos and vectors is the core's; this wires widgets to it."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services  # on this thread: settings and installed models only, never the library
        self.settings = QSettings(str(services.home / "gui.ini"), QSettings.Format.IniFormat)
        self.backend = Backend(services, self)
        self.indexing = IndexingController(services, self)
        self.thumbnails = ThumbnailManager(services.cache_dir("thumbnails"), parent=self)
        self.model = LibraryModel(self.thumbnails, self.thumb_size, self)
        self.encoder: Encoder | None = None
        self.model_state = ModelState.LOADING
        self.model_dialog: ModelDialog | None = None
        self._results_for: str | None = None
        self._gallery: list[Row] = []
        self._folders: list[str] = []  # the library's folders, as the backend last reported them
        self._note = ""  # what indexing is doing or its last outcome, shown after the photo count
        self.setWindowTitle("MoTIS Desktop")
        self.setAcceptDrops(True)
        self.resize(1100, 720)
        self._build_ui()
        self._build_actions()
        self.watching = FolderWatching(services, self)  # changes on disk → one indexing run per burst
        self.watching.changed.connect(lambda _roots: self.start_indexing())
        self.status.addPermanentWidget(self.watching.label)
        self._connect_indexing()
        self._refresh_empty_state()
        QTimer.singleShot(0, self._start)  # show the window first; model and library load in the background

    # -- settings ------------------------------------------------------------------

    @property
    def top_k(self) -> int:
        return self._int_setting("top_k", DEFAULT_TOP_K)

    @property
    def thumb_size(self) -> int:
        return self._int_setting("thumb_size", DEFAULT_THUMB)

    def _int_setting(self, key: str, default: int) -> int:
        value = self.settings.value(key, default)
        return int(value) if isinstance(value, (int, str)) else default

    @property
    def indexer(self) -> object | None:
        """The running indexing task, or None."""
        return self.indexing.task

    # -- UI --------------------------------------------------------------------------

    def _build_ui(self) -> None:
        toolbar = QToolBar("Search", self)
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        self.search = SearchBox()  # query language tooltip, photo drops, search as you pause
        self.searcher = SearchController(self.backend.submit, self.search, lambda: self.top_k)
        self.searcher.results.connect(self._show_results)
        self.search.submitted.connect(self.run_search)
        self.search.textChanged.connect(lambda text: self.reset() if not text and self._results_for else None)
        self.search.installEventFilter(self)  # Down arrow moves into the grid
        toolbar.addWidget(self.search)

        self.view, self.delegate = make_grid(self.model, self.thumbnails, self.gallery_cell)
        self.view.activated.connect(self.open_index)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self._set_cell(self.gallery_cell)
        self.empty = make_empty_label()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.grid_viewer = GridViewer(self.view, self.stack, self.model)  # Space / double-click: view large
        self.setCentralWidget(self.stack)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.status_label = self.status.label
        self.more_button = make_more_button(self.searcher)  # "Show N more" below the relevance cut-off
        self.status.addWidget(self.more_button)
        self.searcher.status.connect(self.status.set_text)

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&File")
        add = self._action("&Add folder…", self.choose_folder, QKeySequence(QKeySequence.StandardKey.Open))
        settings = self._action("&Settings…", self.open_settings, QKeySequence("Ctrl+,"))
        install = self._action("&Install model…", self.open_model_dialog)
        reindex = self._action("&Update index", self.start_indexing, QKeySequence("F5"))
        quit_ = self._action("&Quit", self.close, QKeySequence(QKeySequence.StandardKey.Quit))
        for action in (add, reindex, install, settings, quit_):
            menu.addAction(action)
        self.addActions([add, reindex, settings, quit_])
        for keys in ("Ctrl+F", "/"):
            QShortcut(QKeySequence(keys), self, self._focus_search)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.escape, Qt.ShortcutContext.WindowShortcut)

    def _action(self, text: str, slot: Callable[[], object], keys: QKeySequence | None = None) -> QAction:
        action = QAction(text, self)
        if keys is not None:
            action.setShortcut(keys)
        action.triggered.connect(slot)
        return action

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.search and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:  # the line edit keeps Esc from the window's shortcut
                self.escape()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.model.rowCount():
                self.view.setFocus()
                if not self.view.currentIndex().isValid():
                    self.view.setCurrentIndex(self.model.index(0))
                return True
        return super().eventFilter(obj, event)

    @property
    def gallery_cell(self) -> int:
        return self.thumb_size + CELL_MARGIN

    def _set_cell(self, cell: int) -> None:
        self.delegate.cell = cell
        self.view.setGridSize(QSize(cell + 8, cell + TEXT_HEIGHT + 8))

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _refresh_empty_state(self) -> None:
        if not self._folders:
            text = DROP_TEXT
            if self.model_state == ModelState.MISSING:
                text += "\n\n" + NO_MODEL_TEXT
            self.empty.setText(text)
            self.stack.setCurrentWidget(self.empty)
        elif not self.grid_viewer.is_open:
            self.stack.setCurrentWidget(self.view)
        self._update_status()

    def _update_status(self) -> None:
        if self._results_for is not None and self.searcher.shown is not None and self.searcher.pending is None:
            self.status.set_text(result_summary(self._results_for, self.searcher.shown.result))
        elif self.searcher.waiting_message():  # a query waiting for the model, or the last query's error
            self.status.set_text(self.searcher.waiting_message() or "")
        else:
            self.status.set_text(f"{len(self._gallery)} photos" + (f" · {self._note}" if self._note else ""))

    def reload_gallery(self) -> None:
        self.backend.submit(library_snapshot, self._gallery_loaded)

    def _gallery_loaded(self, snapshot: LibrarySnapshot) -> None:
        self._gallery = snapshot.rows
        if snapshot.folders != self._folders:
            self._folders = snapshot.folders
            self.watching.set_roots(self._folders)
        if snapshot.recovery:  # the library database was damaged and has been set aside
            self._note = "library rebuilt after damage"
            QMessageBox.warning(self, "Library repaired", snapshot.recovery)
        if self._results_for is None:
            self.model.set_rows(self._gallery, self.thumb_size)
        self._refresh_empty_state()

    # -- folders and indexing -------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = choose_folder(self)
        if folder:
            self.add_folders([folder])

    def add_folders(self, folders: list[str]) -> None:
        def added(_: object) -> None:
            self.reload_gallery()
            self.start_indexing()

        # A bad path is a MotisError, shown, never fatal.
        self.backend.submit(
            lambda s: s.add_folders(folders), added, lambda msg: QMessageBox.warning(self, "Cannot add folder", msg)
        )

    def _connect_indexing(self) -> None:
        self.indexing.started.connect(self._index_started)
        self.indexing.progress.connect(self._index_progress)
        self.indexing.finished.connect(self._index_finished)
        self.indexing.failed.connect(lambda msg: QMessageBox.warning(self, "Indexing stopped", msg))
        self.indexing.busy.connect(self._index_busy)
        self.indexing.stopped.connect(self.status.indexing_stopped)
        self.status.cancel_requested.connect(self.indexing.cancel)

    def start_indexing(self) -> None:
        if not self.indexing.start() and self.model_state == ModelState.MISSING:
            self.status.set_text("Folder added. Install a model to index it (File ▸ Install model…)")

    def cancel_indexing(self) -> None:
        self.status.progress_label.setText("Cancelling…")
        self.indexing.cancel()

    def _index_started(self) -> None:
        self._note = "indexing…"
        self.status.indexing_started()
        self._update_status()

    def _index_progress(self, p: Progress) -> None:
        if p.phase is ProgressPhase.ENCODE and p.done == 0:
            self.reload_gallery()  # the scan's new files are in the library: show them now
        self.status.indexing_progress(p)

    def _index_finished(self, summary: IndexSummary) -> None:
        self._note = self.status.indexing_finished(summary)
        self.reload_gallery()

    def _index_busy(self, message: str) -> None:
        """Another process (the CLI, a second window) is indexing: say so; the controller tries again later."""
        self._note = message + " — will retry in a minute"
        self._update_status()

    # -- drag and drop, quitting ----------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() and os.path.isdir(url.toLocalFile()) for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folders = [
            url.toLocalFile()
            for url in event.mimeData().urls()
            if url.isLocalFile() and os.path.isdir(url.toLocalFile())
        ]
        if folders:
            event.acceptProposedAction()
            self.add_folders(folders)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.watching.stop()  # first: no change may start another indexing run
        if self.model_dialog is not None:
            self.model_dialog.shutdown()
        self.indexing.shutdown()  # committed batches are kept; the next start resumes
        self.grid_viewer.viewer.shutdown()
        self.thumbnails.shutdown()
        self.backend.shutdown()
        event.accept()
