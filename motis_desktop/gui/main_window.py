"""The main window: search bar, thumbnail grid (gallery or results), status bar with indexing progress.

The window builds the widgets and wires its controllers, each the one owner of its actions:
:class:`SearchController` (submitting queries), :class:`ResultsController` (what the grid shows, Esc,
Find similar, opening photos), :class:`ModelController` (the model's life cycle), :class:`SettingsController`
and :class:`IndexingController`. All background work runs on one :class:`TaskRunner`; the library is opened
and used only on its background lanes (see :mod:`motis_desktop.gui.tasks`). This window keeps only plain
copies of what it shows (rows, folder paths).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMessageBox, QStackedWidget, QToolBar

from motis_desktop.core.services import IndexSummary, Progress, ProgressPhase, Services
from motis_desktop.gui import escape_key, quitting, workers
from motis_desktop.gui.copy_waits import CopyWaits
from motis_desktop.gui.details import DetailsPanel
from motis_desktop.gui.dialogs import choose_folder, within_screen
from motis_desktop.gui.grid import EmptyResults, make_empty_label
from motis_desktop.gui.indexing import IndexingController
from motis_desktop.gui.library_model import LibraryModel
from motis_desktop.gui.local_files import local_path
from motis_desktop.gui.memory import limit_arenas, trim
from motis_desktop.gui.menus import build_menus
from motis_desktop.gui.model_state import ModelController, ModelState
from motis_desktop.gui.outside_changes import OutsideChanges
from motis_desktop.gui.photo_actions import PhotoActions
from motis_desktop.gui.search_actions import ResultsController
from motis_desktop.gui.search_box import SearchBox, SearchController, make_more_button
from motis_desktop.gui.settings_actions import SettingsController
from motis_desktop.gui.sizes import SizeFiller
from motis_desktop.gui.startup import StartupPass
from motis_desktop.gui.status_bar import StatusBar
from motis_desktop.gui.status_line import StatusLine
from motis_desktop.gui.tasks import TaskRunner
from motis_desktop.gui.texts import NO_MODEL_PLACEHOLDER, NO_MODEL_TEXT, SEARCH_PLACEHOLDER, empty_text
from motis_desktop.gui.thumbnails import ThumbnailManager, refresh_view_on_thumbnails
from motis_desktop.gui.timeline import TimelineView
from motis_desktop.gui.viewer import GridViewer
from motis_desktop.gui.watching import FolderWatching

if TYPE_CHECKING:
    from motis_desktop.core.services import Encoder

log = logging.getLogger(__name__)

GALLERY_EDGE = 160  # the gallery rows' own thumbnails (Find similar's icon); the tiles' follow the zoom


class MainWindow(QMainWindow):
    """Thin: every decision about photos and vectors is the core's; this wires widgets to it.

    Signals:
        library_opened: Emitted once the library was opened (checked, migrated) on the backend thread.
        library_failed: Emitted with a one-line reason when the library cannot be opened.
        gallery_loaded: Emitted with the number of photos each time the library's rows arrive.
    """

    library_opened = Signal()
    library_failed = Signal(str)
    gallery_loaded = Signal(int)

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services  # on this thread: settings and installed models only, never the library
        self.settings = QSettings(str(services.home / "gui.ini"), QSettings.Format.IniFormat)
        limit_arenas()  # before the runner's threads: see gui/memory.py
        self.tasks = TaskRunner(self)  # every background task of the window runs here
        self._asked = self._shown = 0  # gallery reads asked for and the latest shown (their order)
        self._listed = False  # a gallery read arrived (it read the library's folders)
        self._first = workers.FirstSnapshot(self.tasks, services, partial(self._gallery_loaded, asked=0))
        self.startup_pass = StartupPass(self._index_if_needed, self)  # the start-up indexing pass (gui/startup.py)
        self.backend = workers.Backend(services, self.tasks, self)
        self.indexing = IndexingController(services, self.tasks, self)
        self.thumbnails = ThumbnailManager(services.cache_dir("thumbnails"), parent=self, runner=self.tasks)
        self.preferences = SettingsController(services, self.settings, self.backend, lambda: self.folders, self)
        self.model = LibraryModel(self.thumbnails, GALLERY_EDGE, self)
        self.model.pixel_ratio = self.devicePixelRatioF()  # sharp thumbnails on HiDPI screens
        self.models = ModelController(services, self.settings, self.backend, self.tasks, self)
        self.folders: list[str] = []  # the library's folders, as the backend last reported them
        self.setWindowTitle("MoTIS Desktop")
        self.setAcceptDrops(True)
        self.resize(within_screen(self, QSize(1100, 720)))
        self._build_ui()
        self.actions_by_name = build_menus(self)
        self.watching = FolderWatching(services, self.tasks, self)  # changes on disk → one indexing run per burst
        self.watching.changed.connect(lambda _roots: self.start_indexing())
        self.status.addPermanentWidget(self.watching.label)
        self.copies = CopyWaits(self.watching, self.indexing, self.status_line)  # photos still being copied in
        reader = (lambda: self.folders, self.reload_gallery, self._index_if_needed, self._offline)
        self.outside = OutsideChanges(self.models, self.backend, self.indexing, self.status_line, *reader)
        self._connect()
        self._refresh_empty_state()
        QTimer.singleShot(0, self._start)  # show the window first; the library and model open in the background

    # -- settings ------------------------------------------------------------------

    @property
    def top_k(self) -> int:
        return self.preferences.top_k

    @property
    def row_height(self) -> int:
        """The gallery's zoom level (Settings ▸ Thumbnail size; zoom changes it)."""
        return self.preferences.row_height

    @property
    def model_state(self) -> ModelState:
        return self.models.state

    @property
    def encoder(self) -> Encoder | None:
        return self.models.encoder

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
        self.search.installEventFilter(self)  # Esc and Down arrow from the box
        toolbar.addWidget(self.search)

        self.view = TimelineView(self.thumbnails)  # justified rows under date headers, with a date scrubber
        self.view.setModel(self.model)
        refresh_view_on_thumbnails(self.view, self.thumbnails)
        self._set_row_height()
        self.view.zoomed.connect(lambda _height: self.preferences.remember_zoom(self.view.heights[False]))
        self.empty = make_empty_label()
        self.empty_results = EmptyResults()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty_results)
        self.grid_viewer = GridViewer(self.view, self.stack, self.model, self.tasks)  # Space / double-click
        self.grid_viewer.viewer.folders = self.model.folders = lambda: self.folders  # offline? copies' words
        self.setCentralWidget(self.stack)
        self.results = ResultsController(
            self.searcher,
            self.search,
            self.view,
            self.model,
            self.stack,
            self.empty_results,
            self.grid_viewer,
            lambda: GALLERY_EDGE,
        )
        self.results.submit = self.backend.submit  # Photo ▸ Copy text reads the library in the backend
        self.photo = PhotoActions(self, self.results, self.grid_viewer, self.models)  # the Photo menu, right-click
        self.sizes = SizeFiller(self.backend.submit, self)  # photos' pixel sizes not known yet, for the timeline
        self.sizes.arrived.connect(self.results.set_aspects)
        self.details = DetailsPanel(self)  # View ▸ Details (I)
        self.details.folders = lambda: self.folders
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.details)
        self.details.hide()
        self.status = StatusBar(self, self.photo, self.view.unreadable.requested)  # Skipped…: also from the grid
        self.setStatusBar(self.status)
        self.status_label = self.status.label
        self.more_button = make_more_button(self.searcher)  # "Show N more" below the relevance cut-off
        self.status.addWidget(self.more_button)
        self.status.warn_privacy(self.services.privacy_warning)
        self.status_line = StatusLine(
            self.status, self.searcher, self.results, lambda: self.model_state, self._folders, self._offline
        )

    def _connect(self) -> None:
        self.searcher.status.connect(self.status.set_text)
        self.results.status.connect(self.status.set_text)
        self.grid_viewer.left.connect(lambda line: self.status.showMessage(line, 10_000))  # over the summary
        self.results.results_shown.connect(lambda _text, _n: self._update_status())
        self.results.gallery_shown.connect(self._refresh_empty_state)
        self.view.activated.connect(self.results.open_index)
        self.view.customContextMenuRequested.connect(self.photo.context_menu)
        self.details.follow(self.view, self.backend.submit, lambda: self.results.results_for, self.grid_viewer)
        self.models.model_text.connect(self.status.set_model_text)
        self.models.offer_shown.connect(lambda _shown: self._refresh_empty_state())
        self.models.state_changed.connect(self._model_state_changed)
        self.models.ready.connect(self._model_ready)
        self.library_opened.connect(self.models.load)  # model and index load on the backend beside the gallery read
        self.models.installed_inactive.connect(self.status_line.installed_inactive)
        self.searcher.follow(self.indexing)  # results searched while indexing say so, and refresh when it ends
        self.preferences.view_changed.connect(self._set_row_height)
        self.preferences.applied.connect(self._settings_applied)
        self.preferences.gone_forgotten.connect(self.status_line.gone_forgotten)
        self.preferences.follow(self.indexing, self.status_line)  # Settings ▸ Locate…: a job of the indexing lane
        self.indexing.started.connect(lambda: self.status_line.indexing_started(self.indexing.switching))
        self.indexing.progress.connect(self._index_progress)
        self.indexing.finished.connect(self._index_finished)
        self.indexing.failed.connect(self.status_line.indexing_failed)
        self.indexing.failed.connect(lambda msg: QMessageBox.warning(self, "Indexing stopped", msg))
        self.indexing.busy.connect(self.status_line.busy)
        self.indexing.stopped.connect(self.status.indexing_stopped)
        self.indexing.stopped.connect(self.thumbnails.recheck)  # a photo replaced under its name: its new picture
        self.thumbnails.changed.connect(self.grid_viewer.viewer.forget)
        self.indexing.scanned.connect(self._scanned)
        self.indexing.search_only.connect(self.status.search_only)
        self.indexing.switched.connect(self._model_switched)
        self.models.switch_requested.connect(self.indexing.switch)  # File ▸ Install model… ▸ Use this model
        self.status.cancel_requested.connect(self.indexing.cancel)
        self.watching.status_changed.connect(self._folder_status_changed)

    def action(self, text: str, slot: Callable[[], object], *keys: str | QKeySequence) -> QAction:
        """A window action with its shortcuts (the menus carry every one of them)."""
        action = QAction(text, self)
        if keys:
            action.setShortcuts([QKeySequence(k) if isinstance(k, str) else k for k in keys])
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.search and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:  # the line edit keeps Esc from the window's action
                self.results.escape()
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown) and self.model.rowCount():
                self.view.setFocus()
                if not self.view.currentIndex().isValid():
                    self.view.setCurrentIndex(self.model.index(0))
                return True
        return super().eventFilter(obj, event)

    def changeEvent(self, event: QEvent) -> None:
        # Not before the first gallery read, which reads the library's folders.
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow() and self._listed:
            self.outside.activated()  # another process's model or folders (gui/outside_changes.py)
        super().changeEvent(event)

    def toggle_details(self) -> None:
        self.details.setVisible(not self.details.isVisible())

    def _set_row_height(self) -> None:
        self.view.set_target_height(self.row_height, ranked=False)  # the gallery's zoom level

    def zoom(self, steps: int) -> None:
        """View ▸ Zoom in/out (Ctrl+=, Ctrl+-): larger or smaller rows; large enough, the headers are days."""
        self.view.zoom(steps)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _refresh_empty_state(self) -> None:
        text = empty_text(bool(self.folders), self.model_state == ModelState.MISSING, len(self.results.gallery))
        if text is not None:
            self.empty.setText("" if self.models.offering else text)  # the offer says it all; nothing under it
            self.stack.setCurrentWidget(self.empty)
        elif self.stack.currentWidget() is self.empty:
            self.stack.setCurrentWidget(self.view)
        self._update_status()

    def _update_status(self) -> None:
        self.status_line.update()

    def _folder_status_changed(self, _root: str, _online: bool) -> None:
        self._update_status()  # the offline count
        self.view.set_offline(self._offline())  # their photos dimmed (QA: they looked like any other)

    def _offline(self) -> set[str]:
        """The library folders out of reach now (the watcher's view; a search leaves their photos out)."""
        return self.watching.offline & set(self.folders)  # not a folder removed while offline

    def _folders(self) -> bool:
        return bool(self.folders)

    # -- start-up, the library and the model ----------------------------------------------------

    def _start(self) -> None:
        self._first.start()  # the photo-size cache loads meanwhile, the rows as soon as the library is open
        self.backend.submit(
            self._first.open_library, lambda _notice: self.library_opened.emit(), self.library_failed.emit
        )
        self.indexing.check_writable(self.backend.submit)  # before the model loads (which starts indexing)
        self.models.preload()  # then the text tower warms beside the index's load (model_state.py)

    def reload_gallery(self) -> None:
        self._asked += 1
        read = partial(workers.library_snapshot, order=self.results.order)  # sorted there, not on this thread
        self.backend.submit(read, partial(self._gallery_loaded, asked=self._asked))

    def _gallery_loaded(self, snapshot: workers.LibrarySnapshot, asked: int = 0) -> None:
        if asked < self._shown:
            return  # a later read already arrived (the start-up one runs on another lane)
        self._shown, self._listed, self.outside.version = asked, True, snapshot.version
        if snapshot.folders != self.folders:
            self.folders = snapshot.folders
            self.watching.set_roots(self.folders)
        if snapshot.recovery:  # the library database was damaged and has been set aside
            self.status_line.library_rebuilt()
            QMessageBox.warning(self, "Library repaired", snapshot.recovery)
        before = self.results.gallery
        self.results.set_gallery(snapshot.rows, snapshot.ordered)
        self.status_line.gallery_read(before, snapshot.rows, snapshot.locked)
        self.sizes.fill(snapshot.missing_sizes)
        trim()  # the read's temporary objects (gui/memory.py)
        self._refresh_empty_state()
        self.startup_pass.gallery_shown(len(snapshot.rows))
        self.gallery_loaded.emit(len(snapshot.rows))

    def _model_state_changed(self, state: ModelState) -> None:
        if state == ModelState.MISSING:
            self.indexing.set_model(None)  # removed by another process: no run with it (F5)
            self.searcher.model_unavailable("Search needs a model. " + NO_MODEL_TEXT.replace("\n", " "))
            self.search.setPlaceholderText(NO_MODEL_PLACEHOLDER)
        elif state == ModelState.FAILED:
            self.searcher.model_unavailable("Search needs a model: the model could not be loaded")
        elif state == ModelState.LOADING:
            self.searcher.model_loading()
            self.indexing.set_model(None)
            self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self._refresh_empty_state()

    def _model_ready(self, name: str) -> None:
        self.indexing.set_model(name)
        trim()  # the vector index file's read (gui/memory.py)
        if not self.startup_pass.model_ready():  # a new or switched model: at once
            self._index_if_needed()
        self.searcher.model_ready()  # runs a query typed while the model was loading

    def open_model_dialog(self) -> None:
        self.models.open_dialog()

    # -- searching (the controllers own these; kept as the window's verbs for menus and tests) ----

    def run_search(self, text: str | None = None) -> None:
        """Submit ``text`` (default: the search box) as Enter would."""
        self.searcher.submit(self.search.text() if text is None else text)

    def open_path(self, path: str) -> None:
        self.results.open_path(path)

    def escape(self) -> None:
        escape_key.press(self.results, self.preferences.moves)  # and a folder move's Cancel (gui/escape_key.py)

    # -- settings ---------------------------------------------------------------------------------

    def open_settings(self) -> None:
        self.preferences.open()

    def apply_settings(self, values: dict[str, Any]) -> None:
        self.preferences.apply(values)

    def _settings_applied(self, outcome: workers.SettingsOutcome) -> None:
        self.status_line.folders_added(outcome.added)
        if outcome.added or outcome.removed:  # else the library's photos are the same (100k: a 3 s reload)
            self.status_line.removed = len(outcome.removed)
            self.reload_gallery()
        if outcome.switch_to:
            self.indexing.switch(outcome.switch_to)  # search keeps working with the current model meanwhile
        elif outcome.added:
            self.start_indexing()

    def _model_switched(self, result: Any) -> None:
        """A switch run ended: the new model is active (load it), or the old one stays (cancelled, failed)."""
        self.status_line.switched(result)
        if result.switched:
            self.models.load()

    # -- folders and indexing -------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = choose_folder(self)
        if folder:
            self.add_folders([folder])

    def add_folders(self, folders: list[str]) -> None:
        def added(_: object) -> None:
            self.reload_gallery()
            self.start_indexing()

        def failed(message: str) -> None:  # a bad path is a MotisError, shown, never fatal
            QMessageBox.warning(self, "Cannot add folder", message)

        if not (folders := self.status_line.folders_kept(folders, self.folders)):  # all in the library already
            return
        self.status_line.folders_added(folders)
        if not self.indexing.scan(folders, failed):  # no model ready: their photos show at once
            self.backend.submit(lambda s: s.add_folders(folders), added, failed)

    def _scanned(self, snapshot: workers.LibrarySnapshot) -> None:
        self._asked += 1  # newer than any read asked before (one may wait behind the model's load)
        self._gallery_loaded(snapshot, self._asked)
        self.status_line.folders_scanned(snapshot.folder_photos)

    def _index_if_needed(self) -> None:
        if self.indexing.again or self.folders:
            self.start_indexing()  # bring the library up to date in the background

    def start_indexing(self, resume: bool = False) -> None:
        self.models.look_again(resume)  # File ▸ Update index (F5, resume): a model installed or chosen elsewhere since
        started = self.indexing.start()
        if not started and self.model_state == ModelState.MISSING and self.status_line.removed_model is None:
            self.status.set_text("Folder added. Install a model to index it (File ▸ Install model…)")

    def _index_progress(self, p: Progress) -> None:
        if p.phase is ProgressPhase.ENCODE and p.done == 0:
            self.reload_gallery()  # the scan's new files are in the library: show them now
        self.status.indexing_progress(p)

    def _index_finished(self, summary: IndexSummary) -> None:
        same = not (summary.moved_photos or self.indexing.encoded)
        kept = summary.unchanged + self.results.known_failures(summary.skipped)  # unreadable ones are skipped again
        kept += self.status_line.offline_photos(self.results.gallery, summary.offline)  # kept, not scanned
        self.status_line.indexing_finished(summary)  # another process's changes: said by the read that follows
        if not same or kept != len(self.results.gallery):  # same photos: no reload (100k: 0.5 s; it resets the grid)
            self.reload_gallery()
        else:  # unless another process moved some (the same count)
            self.outside.run_found_nothing()

    # -- drag and drop, quitting ----------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(os.path.isdir(local_path(url) or "") for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        folders = [path for url in event.mimeData().urls() if os.path.isdir(path := local_path(url) or "")]
        if folders:
            event.acceptProposedAction()
            self.add_folders(folders)

    def closeEvent(self, event: QCloseEvent) -> None:
        quitting.leave_the_screen(self)  # hidden at once: the lanes below may wait seconds for a step (gui/quitting.py)
        self.startup_pass.cancel()  # first: neither a pending start-up pass nor a change may start a run
        self._first.cancel()  # nor the start-up read of the gallery, if the library is still being opened
        self.watching.stop()
        self.models.shutdown()
        self.indexing.shutdown()  # committed batches are kept; the next start resumes
        self.grid_viewer.viewer.shutdown()
        self.thumbnails.shutdown()
        self.backend.shutdown()
        self.tasks.shutdown()
        event.accept()
