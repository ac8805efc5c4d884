"""A take-over of the demo model that the user cancelled stays paused until File ▸ Update index, across restarts.

A real model installed while the demo model answers (`motis models import` in a terminal, or File ▸ Install model…)
takes over once the library is encoded with it (``core/models/takeover.py``); the window runs that switch by itself
(``ModelController.takeover_waiting``). Its Cancel used to be undone by the next activation of the window, which
started the run again; only `motis models use colour-demo` stopped it. Now a cancelled take-over waits: activations
leave it, and File ▸ Update index (F5) resumes it (``ModelController.look_again(resume=True)``). The pause is saved
through the core's door (``Services.pause_takeover``, ``config.json``), so the window started again keeps it paused,
and its words ("colour installed: indexing paused — File ▸ Update index to finish") stay in the status bar's
permanent part until it is resumed (they scrolled away with the next run's note). `motis index` in a terminal still
finishes the take-over; the pause then no longer holds (``Services.takeover_paused`` is None)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

from motis_desktop.core.errors import MotisError
from motis_desktop.gui.indexing import IndexingController
from motis_desktop.gui.model_state import ModelController
from motis_desktop.gui.status_line import StatusLine
from motis_desktop.gui.texts import takeover_paused


class TakeoverPause:
    """Watches the window's switch runs: one for the model waiting to take over from the demo, cancelled, pauses
    that take-over (``ModelController.paused_takeover``, saved by the core), said in :attr:`label` until resumed."""

    def __init__(self, models: ModelController, indexing: IndexingController, status_line: StatusLine) -> None:
        self.models, self.indexing, self.status_line = models, indexing, status_line
        self.label = QLabel()  # the status bar's permanent part: the next run's note does not hide it
        self.label.setObjectName("takeoverPaused")
        self.label.hide()
        status_line.bar.addPermanentWidget(self.label)
        indexing.started.connect(self._started)
        indexing.switched.connect(self._switched)
        # Emitted before the model controller looks for a model waiting to take over (``_loaded``): a pause saved
        # by an earlier start is in place before that look, which then leaves it
        models.ready.connect(self._ready)

    def _ready(self, _name: str) -> None:
        """The window's model is ready (at start, or another loaded): a take-over paused before stays paused; one no
        longer waiting (`motis index` finished it meanwhile) is no longer said. Reads the config file and the models
        folder."""
        try:
            paused = self.models.services.takeover_paused()
        except MotisError:
            paused = None
        if paused is not None:
            self._pause(paused)
        else:
            self.label.hide()

    def _started(self) -> None:
        """A run began: a switch to the model waiting to take over is a take-over (the model dialog's install as
        well as another process's), whichever path started it; one that was paused is resumed (File ▸ Update index).
        Reads the config file and the models folder."""
        name = self.indexing.switching
        try:
            waiting = self.models.services.takeover_model() if name is not None else None
        except MotisError:
            waiting = None
        self.status_line.takeover = name if name is not None and name == waiting else None
        if self.status_line.takeover is not None and self.label.isVisible():
            self.label.hide()
            self._save(None)

    def _switched(self, result: Any) -> None:
        """A switch run ended; cancelled by the user while it was a take-over: paused (saved, and said until
        resumed). One the quit cancelled is not paused: the next start goes on with it (QA walk 8 #5)."""
        if self.indexing.quitting:
            return
        if result.cancelled and not result.switched and result.plan.target == self.status_line.takeover:
            self._pause(result.plan.target)
            self._save(result.plan.target)

    def _pause(self, name: str) -> None:
        self.models.paused_takeover = name
        self.label.setText(takeover_paused(name))
        self.label.setToolTip(
            f"The demo model answers searches until File ▸ Update index (F5) finishes encoding your photos with {name}"
        )
        self.label.show()

    def _save(self, name: str | None) -> None:
        """Save the pause (or its end) through the core's door: a few bytes of ``config.json``, written here as the
        window's own settings are (``QSettings.sync``); no library, no model."""
        try:
            self.models.services.pause_takeover(name)
        except (MotisError, OSError):  # not saved: this window still holds it
            pass
