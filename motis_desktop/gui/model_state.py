"""The window's model: loading it in the background, the first-run offer, installs (:class:`ModelController`)."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from motis_desktop.core.errors import MotisError
from motis_desktop.core.services import ModelRemoved, Services
from motis_desktop.gui.model_dialog import ModelDialog
from motis_desktop.gui.tasks import Lane, TaskRunner
from motis_desktop.gui.texts import removed_elsewhere
from motis_desktop.gui.workers import Backend, load_for_search

if TYPE_CHECKING:
    from motis_desktop.core.services import Encoder


class ModelState(str, Enum):
    """Where the window's model stands (compares equal to its value, e.g. ``"ready"``)."""

    LOADING = "loading"
    READY = "ready"
    MISSING = "missing"
    FAILED = "failed"


class ModelController(QObject):
    """Loads the active model on the backend thread, offers one on first run, reacts to installs.

    Signals:
        state_changed: Emitted with the new ``ModelState`` whenever it changes.
        ready: Emitted with the model's name once it is loaded and warm.
        failed: Emitted with a one-line reason when the model could not be loaded.
        installed_inactive: Emitted with a model's name when it was installed while another stays active.
        model_text: Emitted with the status bar's model line.
        switch_requested: Emitted with an installed model's name chosen in the model dialog while another one
            answers searches: the window switches to it as Settings does (the library is encoded with it first).
        offer_shown: Emitted with True when the model offer (first run, File ▸ Install model…) opens, False when
            it closes; the window keeps its empty-state text out from under it meanwhile.
        chosen_elsewhere: Emitted with a model's name when another process made it the active one (`motis models
            use NAME` in a terminal) while this window's model answers searches: the window switches to it.
        removed_elsewhere: Emitted with a model's name when another process removed this window's model (`motis
            models remove NAME` in a terminal): the window loads the model left active, or offers one.
        takeover_waiting: Emitted with a model's name when one installed while the demo model was active (`motis
            models import` in a terminal) waits to take over from the demo (``Services.takeover_model``): the
            window switches to it, the demo answering meanwhile.
        removed_here: Emitted with a model's name when this window's model was removed in the model dialog: the
            window loads the model left active, or is as without a model (the dialog is the first-run offer now).
    """

    state_changed = Signal(object)
    ready = Signal(str)
    failed = Signal(str)
    installed_inactive = Signal(str)
    model_text = Signal(str)
    offer_shown = Signal(bool)
    switch_requested = Signal(str)
    chosen_elsewhere = Signal(str)
    removed_elsewhere = Signal(str)
    takeover_waiting = Signal(str)
    removed_here = Signal(str)

    def __init__(
        self, services: Services, settings: QSettings, backend: Backend, runner: TaskRunner, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.services = services  # models and settings only, never the library
        self.settings = settings
        self.backend = backend
        self.runner = runner
        self.parent_widget = parent
        self.state = ModelState.LOADING
        self.encoder: Encoder | None = None
        self.name: str | None = None  # the model loaded (or being loaded, or that failed to load)
        self.dialog: ModelDialog | None = None
        self.paused_takeover: str | None = None  # a take-over of the demo cancelled here (gui/takeover_pause.py)
        self.installed_here: set[str] = set()  # models this window's dialog installed (not another process's)

    def _set_state(self, state: ModelState) -> None:
        self.state = state
        self.state_changed.emit(state)

    def load(self, measure: bool = False) -> None:
        """Load the active model in the background (at start, after an install or a switch); ``measure``: also
        where it must be measured first (after :meth:`_prepare` did, in case that could not be kept)."""
        self.encoder = None
        info = self.services.active_model()
        if info is None:
            self._missing()
            return
        self._set_state(ModelState.LOADING)
        self.model_text.emit(f"Model: loading {info.name}…")
        name = self.name = info.name
        self.backend.submit(lambda s: (load_for_search(s, name, measure), name), self._loaded, self._failed)

    def _prepare(self, name: str) -> None:
        """The model's first use on this machine: its inference modes are measured (seconds to a minute) on the
        install lane, so the library's lane (gallery, photo sizes, details, settings) does not wait meanwhile;
        only the probe photos' paths are read there. Then it loads."""
        self.model_text.emit(f"Model: preparing {name} for this computer…")

        def measure(probes: list[str]) -> None:
            self.runner.call(
                Lane.INSTALL, lambda: self.services.prepare_model(name, probes), self._prepared, self._failed
            )

        self.backend.submit(lambda s: s.probe_photos(), measure, lambda _message: measure([]))

    def _prepared(self, _none: None) -> None:
        if self.state == ModelState.LOADING:  # not switched or removed meanwhile (that loads on its own)
            self.load(measure=True)

    def preload(self) -> None:
        """At start, queued on the backend after the library's opening: load the active model's encoder (a
        missing precision choice is measured there, after the library opened and beside the gallery's read, as
        before), then warm its text tower on the install lane (model files only) while the backend reads the
        vector index, so the first search waits for the slower of the two instead of both. A failure here is
        reported by :meth:`load`, which follows."""
        info = self.services.active_model()
        if info is None:
            return
        name = info.name
        self.backend.submit(lambda s: s.prepared_encoder(name), self._warm_text, lambda _message: None)

    def _warm_text(self, encoder: Encoder | None) -> None:
        if encoder is None:  # its first use here: measured first (:meth:`_prepare`), then loaded and warmed
            return
        self.runner.call(Lane.INSTALL, lambda: encoder.encode_queries(["warm up"]), on_error=lambda _message: None)

    def _missing(self) -> None:
        if not self.settings.value("model_dialog_shown", False, type=bool):
            self.settings.setValue("model_dialog_shown", True)  # first run: offer a model once by itself
            QTimer.singleShot(0, self.open_dialog)
        self.model_text.emit("Model: none installed")
        self._set_state(ModelState.MISSING)

    def look_again(self, resume: bool = False) -> bool:
        """Another process's choice of model, which the window did not see until a restart (QA): one installed while
        none was (`motis models import` in a terminal, another window) is loaded; another one made active while this
        one answers searches (`motis models use NAME`) is switched to (``chosen_elsewhere``), as if chosen here; one
        made active after this one failed to load is loaded; this one removed (`motis models remove NAME`) is let go
        (:meth:`_removed`). True when a load or switch began. Reads the settings file and the models folder only (a
        few small files). ``resume`` (File ▸ Update index): a take-over of the demo cancelled here goes on
        (``paused_takeover``, gui/takeover_pause.py); activations leave it paused."""
        if resume:
            self.paused_takeover = None
        if self.state == ModelState.LOADING:
            return False
        try:
            info = self.services.active_model()
            gone = self.name is not None and self.name not in {m.name for m in self.services.installed_models()}
        except MotisError:  # a chosen model that cannot be used: said when it is loaded, not on every look
            return False
        if gone:
            return self._removed(info is not None)
        if self.state == ModelState.READY and self._takeover():
            return True
        if info is None or (self.state != ModelState.MISSING and info.name == self.name):
            return False
        if self.state == ModelState.READY:
            self.chosen_elsewhere.emit(info.name)
        else:
            self.load()
        return True

    def _removed(self, other_left: bool) -> bool:
        """This window's model was removed by another process (QA: F5 then ran an indexing run with it, a modal said
        "no model named 'colour'" and the window still said "Model: colour"): the model left active is loaded, or,
        with none left, the window is as without a model and offers one, as on first run."""
        name, self.name, self.encoder = self.name, None, None
        assert name is not None
        self.removed_elsewhere.emit(name)
        if other_left:
            self.load()
            return True
        self.model_text.emit("Model: none installed")
        self._set_state(ModelState.MISSING)
        why = removed_elsewhere(name)  # the offer says why it opened again
        QTimer.singleShot(0, lambda: self.open_dialog(why))  # the first-run offer; its Later leaves the window as is
        return False

    def open_dialog(self, why: str = "") -> None:
        """Offer the registry's models and importing files (File ▸ Install model…); ``why``: a line above the offer
        that says why it opened by itself (this window's model removed by another process)."""
        self.dialog = ModelDialog(self.services, self.parent_widget, self.runner, why, self._count_photos)
        self.dialog.installed.connect(self._installed)
        self.dialog.removed.connect(self._removed_here)
        self.dialog.use_requested.connect(self._use)
        self.dialog.finished.connect(lambda _result: self.offer_shown.emit(False))
        self.dialog.open()
        self.offer_shown.emit(True)

    def _count_photos(self, model_id: str, answer: Callable[[int | None], None]) -> None:
        """How many photos the library has vectors of ``model_id`` for (the library lane), for the removal's words."""
        self.backend.submit(lambda s: s.counts(model_id)["indexed"], answer, lambda _message: answer(None))

    def _removed_here(self, removed: ModelRemoved) -> None:
        """A model removed in the dialog: when it was this window's, the one left active loads (as the command
        line's removal makes the first model left active), or with none left the window is as without a model."""
        if removed.name != self.name:
            return
        self.name, self.encoder = None, None
        self.removed_here.emit(removed.name)
        if removed.active is not None:
            self.load()
            return
        self.model_text.emit("Model: none installed")
        self._set_state(ModelState.MISSING)

    @property
    def offering(self) -> bool:
        """Whether the model offer is open."""
        return self.dialog is not None and self.dialog.isVisible()

    def _installed(self, name: str) -> None:
        self.installed_here.add(name)
        if self.state == ModelState.READY:  # the active model stays (the core's rule): say how to switch
            try:
                active = self.services.active_model()  # the config file only
            except MotisError:
                active = None
            if (active is not None and active.name == name) or self.services.takeover_model() == name:
                self.switch_requested.emit(name)  # after the demo model: it takes over once the library is encoded
            else:
                self.installed_inactive.emit(name)
            return
        self.load()

    def _use(self, name: str) -> None:
        """An installed model chosen in the dialog: switched to (search keeps working meanwhile), or loaded at
        once when no model works."""
        if self.state == ModelState.READY:
            self.switch_requested.emit(name)
            return
        self.services.use_model(name)  # the config file only, no library
        self.load()

    def _loaded(self, result: tuple[Encoder | None, str]) -> None:
        encoder, name = result
        if name != self.name:
            return  # a load of a model removed (or replaced by another's load) meanwhile
        if encoder is None:
            self._prepare(name)
            return
        self.encoder = encoder
        self.model_text.emit(f"Model: {name}")
        self._set_state(ModelState.READY)
        self.ready.emit(name)
        self._takeover()  # one installed while the window was closed

    def _takeover(self) -> bool:
        """A model installed by another process while the demo model answers waits to take over: say so (True)."""
        try:
            waiting = self.services.takeover_model()  # the config file and the models folder only
        except MotisError:
            return False
        if waiting is None or waiting in (self.name, self.paused_takeover):  # paused: File ▸ Update index resumes
            return False
        self.takeover_waiting.emit(waiting)
        return True

    def _failed(self, message: str) -> None:
        self.model_text.emit("Model: failed to load")
        self._set_state(ModelState.FAILED)
        self.failed.emit(message)
        QMessageBox.warning(self.parent_widget, "Model could not be loaded", message)

    def shutdown(self) -> None:
        if self.dialog is not None:
            self.dialog.shutdown()
