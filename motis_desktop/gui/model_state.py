"""The window's model: loading it in the background, the first-run offer, installs (a mixin of MainWindow)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QLineEdit, QMessageBox, QWidget

from motis_desktop.core.services import Services
from motis_desktop.gui.indexing import IndexingController
from motis_desktop.gui.model_dialog import ModelDialog
from motis_desktop.gui.status_bar import StatusBar
from motis_desktop.gui.texts import NO_MODEL_TEXT, SEARCH_PLACEHOLDER
from motis_desktop.gui.workers import Backend, load_for_search

if TYPE_CHECKING:
    from motis_desktop.core.services import Encoder
    from motis_desktop.gui.search_box import SearchController


class ModelState(str, Enum):
    """Where the window's model stands (compares equal to its value, e.g. ``"ready"``)."""

    LOADING = "loading"
    READY = "ready"
    MISSING = "missing"
    FAILED = "failed"


class ModelLifecycle:
    """Loads the active model on the backend thread and reacts to installs; part of :class:`MainWindow`."""

    services: Services
    settings: QSettings
    backend: Backend
    indexing: IndexingController
    status: StatusBar
    search: QLineEdit
    searcher: SearchController
    encoder: Encoder | None
    model_state: ModelState
    model_dialog: ModelDialog | None
    _folders: list[str]

    if TYPE_CHECKING:  # provided by MainWindow

        def reload_gallery(self) -> None: ...
        def start_indexing(self) -> None: ...
        def _refresh_empty_state(self) -> None: ...

    def _start(self) -> None:
        self.reload_gallery()
        info = self.services.active_model()
        if info is None:
            self._model_missing()
            return
        self.status.set_model_text(f"Model: loading {info.name}…")
        name = info.name
        self.backend.submit(lambda s: (load_for_search(s, name), name), self._model_loaded, self._model_failed)

    def _model_missing(self) -> None:
        self.model_state = ModelState.MISSING
        if not self.settings.value("model_dialog_shown", False, type=bool):
            self.settings.setValue("model_dialog_shown", True)  # first run: offer a model once by itself
            QTimer.singleShot(0, self.open_model_dialog)
        self.status.set_model_text("Model: none installed")
        self.search.setPlaceholderText("No model installed — see the window for how to add one")
        self.status.set_text(NO_MODEL_TEXT.replace("\n", " "))
        self._refresh_empty_state()

    def open_model_dialog(self) -> None:
        """Offer the registry's models and importing files (File ▸ Install model…)."""
        assert isinstance(self, QWidget)
        self.model_dialog = ModelDialog(self.services, self)
        self.model_dialog.installed.connect(self._model_installed)
        self.model_dialog.open()

    def _model_installed(self, name: str) -> None:
        if self.model_state == ModelState.READY:  # the active model stays (the core's rule): say how to switch
            self.status.set_text(f"Installed {name}: choose it in Settings to use it")
            return
        self._load_model()

    def _load_model(self) -> None:
        self.encoder, self.model_state = None, ModelState.LOADING
        self.indexing.set_model(None)
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self._refresh_empty_state()
        self._start()

    def _model_loaded(self, result: tuple[Encoder, str]) -> None:
        self.encoder, name = result
        self.model_state = ModelState.READY
        self.status.set_model_text(f"Model: {name}")
        self.indexing.set_model(name)
        if self.indexing.again or self._folders:
            self.start_indexing()  # bring the library up to date in the background
        self.searcher.model_ready()  # runs a query typed while the model was loading

    def _model_failed(self, message: str) -> None:
        self.model_state = ModelState.FAILED
        self.status.set_model_text("Model: failed to load")
        QMessageBox.warning(self if isinstance(self, QWidget) else None, "Model could not be loaded", message)
