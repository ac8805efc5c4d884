"""The main window: search bar, thumbnail grid (gallery or results), status bar with indexing progress."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QSettings, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QToolBar,
    QToolButton,
)

from motis_desktop.core.formatting import format_duration
from motis_desktop.core.services import IndexSummary, Progress, QueryResult, Services
from motis_desktop.gui.delegate import TEXT_HEIGHT, ThumbnailDelegate
from motis_desktop.gui.library_model import LibraryModel, Roles, Row
from motis_desktop.gui.model_dialog import ModelDialog
from motis_desktop.gui.search_box import PLACEHOLDER as SEARCH_PLACEHOLDER
from motis_desktop.gui.search_box import (
    SearchBox,
    SearchController,
    make_more_button,
    quote_path,
    result_row,
    result_summary,
)
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.thumbnails import ThumbnailManager, refresh_view_on_thumbnails
from motis_desktop.gui.viewer import GridViewer
from motis_desktop.gui.watching import FolderWatching
from motis_desktop.gui.workers import Backend, IndexRunner, gallery_rows

if TYPE_CHECKING:
    from motis_desktop.core.models.encoders.base import Encoder

RESULT_EDGE = 512  # search results are shown at high resolution
RESULT_CELL = 300
DEFAULT_TOP_K = 50
DEFAULT_THUMB = 160
NO_MODEL_TEXT = (
    "No model installed yet: use File ▸ Install model… to download one or import model files,\n"
    "or from a terminal: motis models download motis-vits16\n"
    "or: motis models import --checkpoint FILE --name NAME"
)


class MainWindow(QMainWindow):
    """Thin: every decision about photos and vectors is the core's; this wires widgets to it."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.settings = QSettings(str(services.home / "gui.ini"), QSettings.Format.IniFormat)
        self.backend = Backend(services, self)
        self.thumbnails = ThumbnailManager(services.cache_dir("thumbnails"), parent=self)
        self.model = LibraryModel(self.thumbnails, self.thumb_size, self)
        self.encoder: Encoder | None = None
        self._model_name = ""  # the model the encoder belongs to
        self.model_state = "loading"  # loading | ready | missing | failed
        self.model_dialog: ModelDialog | None = None
        self.indexer: IndexRunner | None = None
        self._index_again = False
        self._results_for: str | None = None
        self._gallery: list[Row] = []
        self._last_skipped: list[tuple[str, str]] = []
        self._note = ""  # outcome of the last indexing run, shown after the photo count
        self.setWindowTitle("MoTIS Desktop")
        self.setAcceptDrops(True)
        self.resize(1100, 720)
        self._build_ui()
        self._build_actions()
        self.watching = FolderWatching(services, self)  # changes on disk → one indexing run per burst
        self.watching.changed.connect(lambda _roots: self.start_indexing())
        self.statusBar().addPermanentWidget(self.watching.label)
        self._refresh_empty_state()
        if services.recovery:  # the library database was damaged and has been set aside
            self._note = "library rebuilt after damage"
            QTimer.singleShot(0, lambda: QMessageBox.warning(self, "Library repaired", services.recovery or ""))
        QTimer.singleShot(0, self._start)  # show the window first; model and library load in the background

    # -- settings ------------------------------------------------------------------

    @property
    def top_k(self) -> int:
        return int(self.settings.value("top_k", DEFAULT_TOP_K))

    @property
    def thumb_size(self) -> int:
        return int(self.settings.value("thumb_size", DEFAULT_THUMB))

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

        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(500)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setSpacing(4)
        self.delegate = ThumbnailDelegate(self.thumb_size + 20, self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setModel(self.model)
        refresh_view_on_thumbnails(self.view, self.thumbnails)
        self.view.activated.connect(self.open_index)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self._set_cell(self.thumb_size + 20)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet(
            "QLabel { font-size: 16px; color: palette(mid); border: 3px dashed palette(mid);"
            " border-radius: 16px; margin: 40px; padding: 40px; }"
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.grid_viewer = GridViewer(self.view, self.stack, self.model)  # Space / double-click: view large
        self.setCentralWidget(self.stack)

        status = self.statusBar()
        self.status_label = QLabel()
        self.model_label = QLabel("Model: loading…")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop indexing (work done so far is kept)")
        self.cancel_button.clicked.connect(self.cancel_indexing)
        self.skipped_button = QToolButton()
        self.skipped_button.setText("Skipped…")
        self.skipped_button.clicked.connect(self._show_skipped)
        for widget in (self.progress, self.progress_label, self.cancel_button, self.skipped_button):
            widget.hide()
        status.addWidget(self.status_label, 1)
        self.more_button = make_more_button(self.searcher)  # "Show N more" below the relevance cut-off
        status.addWidget(self.more_button)
        self.searcher.status.connect(self.status_label.setText)
        status.addPermanentWidget(self.skipped_button)
        status.addPermanentWidget(self.progress_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.model_label)

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&File")
        add = QAction("&Add folder…", self, shortcut=QKeySequence.StandardKey.Open, triggered=self.choose_folder)
        settings = QAction("&Settings…", self, shortcut=QKeySequence("Ctrl+,"), triggered=self.open_settings)
        install = QAction("&Install model…", self, triggered=self.open_model_dialog)
        reindex = QAction("&Update index", self, shortcut=QKeySequence("F5"), triggered=self.start_indexing)
        quit_ = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.close)
        for action in (add, reindex, install, settings, quit_):
            menu.addAction(action)
        self.addActions([add, reindex, settings, quit_])
        for keys in ("Ctrl+F", "/"):
            QShortcut(QKeySequence(keys), self, activated=self._focus_search)
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape), self, activated=self.reset, context=Qt.ShortcutContext.WindowShortcut
        )

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            obj is self.search
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
            and self.model.rowCount()
        ):
            self.view.setFocus()
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.model.index(0))
            return True
        return super().eventFilter(obj, event)

    def _set_cell(self, cell: int) -> None:
        self.delegate.cell = cell
        self.view.setGridSize(QSize(cell + 8, cell + TEXT_HEIGHT + 8))

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _refresh_empty_state(self) -> None:
        folders = self.services.folders()
        has_folders = bool(folders)
        self.watching.set_roots([f.path for f in folders])
        if not has_folders:
            text = "Drop a folder of photos here\nor press Ctrl+O to choose one"
            if self.model_state == "missing":
                text += "\n\n" + NO_MODEL_TEXT
            self.empty.setText(text)
            self.stack.setCurrentWidget(self.empty)
        elif not self.grid_viewer.is_open:
            self.stack.setCurrentWidget(self.view)
        self._update_status()

    def _update_status(self) -> None:
        if self._results_for is not None and self.searcher.shown is not None and self.searcher.pending is None:
            self.status_label.setText(result_summary(self._results_for, self.searcher.shown.result))
        elif self.searcher.waiting_message():  # a query waiting for the model, or the last query's error
            self.status_label.setText(self.searcher.waiting_message() or "")
        else:
            self.status_label.setText(f"{len(self._gallery)} photos" + (f" · {self._note}" if self._note else ""))

    # -- start-up: model and library load in the background ---------------------------

    def _start(self) -> None:
        self.reload_gallery()
        info = self.services.active_model()
        if info is None:
            self._model_missing()
            return
        self.model_label.setText(f"Model: loading {info.name}…")
        self.backend.submit(lambda s: (s.encoder(info.name), info.name), self._model_loaded, self._model_failed)

    def _model_missing(self) -> None:
        self.model_state = "missing"
        if not self.settings.value("model_dialog_shown", False, type=bool):
            self.settings.setValue("model_dialog_shown", True)  # first run: offer a model once by itself
            QTimer.singleShot(0, self.open_model_dialog)
        self.model_label.setText("Model: none installed")
        self.search.setPlaceholderText("No model installed — see the window for how to add one")
        self.status_label.setText(NO_MODEL_TEXT.replace("\n", " "))
        self._refresh_empty_state()

    def open_model_dialog(self) -> None:
        """Offer the registry's models and importing files (File ▸ Install model…)."""
        self.model_dialog = ModelDialog(self.services, self)
        self.model_dialog.installed.connect(self._model_installed)
        self.model_dialog.open()

    def _model_installed(self, name: str) -> None:
        self.encoder, self.model_state = None, "loading"
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self._refresh_empty_state()
        self._start()

    def _model_loaded(self, result: tuple[Encoder, str]) -> None:
        self.encoder, name = result
        self._model_name = name
        self.model_state = "ready"
        self.model_label.setText(f"Model: {name}")
        if self._index_again or self.services.folders():
            self.start_indexing()  # bring the library up to date in the background
        self.searcher.model_ready()  # runs a query typed while the model was loading

    def _model_failed(self, message: str) -> None:
        self.model_state = "failed"
        self.model_label.setText("Model: failed to load")
        QMessageBox.warning(self, "Model could not be loaded", message)

    def reload_gallery(self) -> None:
        self.backend.submit(gallery_rows, self._gallery_loaded)

    def _gallery_loaded(self, rows: list[Row]) -> None:
        self._gallery = rows
        if self._results_for is None:
            self.model.set_rows(rows, self.thumb_size)
        self._refresh_empty_state()

    # -- folders and indexing -------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of photos")
        if folder:
            self.add_folders([folder])

    def add_folders(self, folders: list[str]) -> None:
        try:
            self.services.add_folders(folders)
        except Exception as exc:  # a MotisError for a bad path, shown, never fatal
            QMessageBox.warning(self, "Cannot add folder", str(exc))
            return
        self._refresh_empty_state()
        self.start_indexing()

    def start_indexing(self) -> None:
        if self.indexer is not None:
            self._index_again = True  # run once more when the current run ends
            return
        if self.encoder is None:
            self._index_again = True
            if self.model_state == "missing":
                self.status_label.setText("Folder added. Install a model to index it (File ▸ Install model…)")
            return
        self._index_again = False
        self.indexer = IndexRunner(self.services.spawn(), self._model_name, self)
        self.indexer.progress.connect(self._index_progress)
        self.indexer.finished_ok.connect(self._index_finished)
        self.indexer.failed.connect(self._index_failed)
        self.indexer.busy.connect(self._index_busy)
        self.indexer.finished.connect(self._index_thread_done)
        self.progress.setRange(0, 0)
        self.progress_label.setText("Scanning folders…")
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.show()
        self.indexer.start()

    def cancel_indexing(self) -> None:
        if self.indexer is not None:
            self.indexer.cancel()
            self.progress_label.setText("Cancelling…")

    def _index_progress(self, p: Progress) -> None:
        if p.phase == "scan":
            self.progress.setRange(0, 0)
            self.progress_label.setText(f"Scanning folders {p.done}/{p.total}…")
            return
        if p.done == 0:
            self.reload_gallery()  # the scan's new files are in the library: show them now
        self.progress.setRange(0, max(p.total, 1))
        self.progress.setValue(p.done)
        self.progress.setFormat(f"{p.done}/{p.total}")
        self.progress_label.setText(f"Indexing · {p.rate:.1f} photos/s · ETA {format_duration(p.eta_s)}")

    def _index_finished(self, summary: IndexSummary) -> None:
        self._last_skipped = [(s.path, s.reason) for s in summary.skipped]
        verb = "indexing cancelled" if summary.cancelled else "library up to date"
        self._note = (
            f"{verb}: {summary.encoded} encoded, {summary.renamed} renamed, {summary.removed} removed, "
            f"{len(summary.skipped)} skipped"
        )
        self.skipped_button.setVisible(bool(self._last_skipped))
        self.reload_gallery()

    def _index_failed(self, message: str) -> None:
        QMessageBox.warning(self, "Indexing stopped", message)

    def _index_busy(self, message: str) -> None:
        """Another process (the CLI, a second window) is indexing: say so and try again later."""
        self._note = message + " — will retry in a minute"
        self._update_status()
        QTimer.singleShot(60_000, self.start_indexing)

    def _index_thread_done(self) -> None:
        self.indexer = None
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.hide()
        if self._index_again:
            self.start_indexing()

    def _show_skipped(self) -> None:
        lines = "\n".join(f"{path}: {reason}" for path, reason in self._last_skipped[:500])
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Skipped files",
            f"{len(self._last_skipped)} files could not be indexed.",
            parent=self,
        )
        box.setDetailedText(lines)
        box.exec()

    # -- search ---------------------------------------------------------------------------

    def run_search(self, text: str | None = None) -> None:
        text = (self.search.text() if text is None else text).strip()
        if not text or text.lower() == "reset":
            self.search.clear()
            self.reset()
            return
        if self.model_state in ("missing", "failed"):
            self.status_label.setText("Search needs a model. " + NO_MODEL_TEXT.replace("\n", " "))
            return
        self.searcher.search(text)  # queued while the model loads, run when it is ready

    def find_similar(self, path: str) -> None:
        """Search with a photo as the query (an image term in the search box)."""
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

    def reset(self) -> None:
        """Back to the whole gallery (Esc, an empty search box, or the query `reset`)."""
        if self._results_for is None:
            return
        self._results_for = None
        self.searcher.clear()
        self.search.clear()
        self._set_cell(self.thumb_size + 20)
        self.model.set_rows(self._gallery, self.thumb_size)
        self._refresh_empty_state()

    # -- opening, context menu ----------------------------------------------------------

    def open_index(self, index: QModelIndex) -> None:
        path = index.data(Roles.PATH)
        if path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def _context_menu(self, pos: Any) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        path = index.data(Roles.PATH)
        menu = QMenu(self)
        menu.addAction("View\tSpace", lambda: self.grid_viewer.open(index))
        menu.addAction("Open in default app", lambda: self.open_index(index))
        menu.addAction("Reveal in folder", lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path))))
        menu.addAction("Copy path", lambda: QGuiApplication.clipboard().setText(path))
        similar = menu.addAction("Find similar", lambda: self.find_similar(path))
        similar.setEnabled(self.encoder is not None)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    # -- settings ----------------------------------------------------------------------------

    def open_settings(self) -> None:
        active = self.services.active_model()
        dialog = SettingsDialog(
            [f.path for f in self.services.folders()],
            [m.name for m in self.services.installed_models()],
            active.name if active else None,
            self.services.index_strategy(),
            self.top_k,
            self.thumb_size,
            self,
            submit=self.backend.submit,
        )
        if dialog.exec():
            self.apply_settings(dialog.values())

    def apply_settings(self, values: dict[str, Any]) -> None:
        self.settings.setValue("top_k", values["top_k"])
        self.settings.setValue("thumb_size", values["thumb_size"])
        self.settings.sync()
        self.services.set_index_strategy(str(values["strategy"]))
        self.backend.submit(lambda s: s.set_index_strategy(str(values["strategy"])), lambda _: None)
        current = {f.path for f in self.services.folders()}
        wanted = {str(Path(p)) for p in values["folders"]}
        for gone in current - wanted:
            self.services.remove_folder(gone)  # the photos stay on disk
        if wanted - current:
            self.add_folders(sorted(wanted - current))
        active = self.services.active_model()
        if values["model"] and (active is None or values["model"] != active.name):
            self.services.use_model(str(values["model"]))
            self.encoder, self.model_state = None, "loading"
            self._start()
        elif not self._results_for:
            self._set_cell(self.thumb_size + 20)
        self.reload_gallery()

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
        if self.model_dialog is not None and self.model_dialog.runner is not None:
            self.model_dialog.runner.cancel()
            self.model_dialog.wait()
        if self.indexer is not None:
            self.indexer.cancel()  # committed batches are kept; the next start resumes
            self.indexer.wait(30_000)
        self.grid_viewer.viewer.shutdown()
        self.thumbnails.shutdown()
        self.backend.shutdown()
        event.accept()
