"""A take-over of the demo model that the user cancelled stays paused until File ▸ Update index.

A real model installed while the demo model answers (`motis models import` in a terminal, or File ▸ Install model…)
takes over once the library is encoded with it (``core/models/takeover.py``); the window runs that switch by itself
(``ModelController.takeover_waiting``). Its Cancel used to be undone by the next activation of the window, which
started the run again; only `motis models use colour-demo` stopped it. Now a cancelled take-over waits: the status
line says so once (``texts.takeover_paused``), activations leave it, and File ▸ Update index (F5) resumes it
(``ModelController.look_again(resume=True)``). The pause is this window's: a new start of the app, or `motis
index`, finishes the take-over as before."""

from __future__ import annotations

from typing import Any

from motis_desktop.core.errors import MotisError
from motis_desktop.gui.indexing import IndexingController
from motis_desktop.gui.model_state import ModelController
from motis_desktop.gui.status_line import StatusLine


class TakeoverPause:
    """Watches the window's switch runs: one for the model waiting to take over from the demo, cancelled, pauses
    that take-over (``ModelController.paused_takeover``) and the status line says so (``StatusLine.takeover``)."""

    def __init__(self, models: ModelController, indexing: IndexingController, status_line: StatusLine) -> None:
        self.models, self.indexing, self.status_line = models, indexing, status_line
        indexing.started.connect(self._started)
        indexing.switched.connect(self._switched)

    def _started(self) -> None:
        """A run began: a switch to the model waiting to take over is a take-over (the model dialog's install as
        well as another process's), whichever path started it. Reads the config file and the models folder."""
        name = self.indexing.switching
        try:
            waiting = self.models.services.takeover_model() if name is not None else None
        except MotisError:
            waiting = None
        self.status_line.takeover = name if name is not None and name == waiting else None

    def _switched(self, result: Any) -> None:
        """A switch run ended; cancelled while it was a take-over: paused (the status line's own slot says it)."""
        if result.cancelled and not result.switched and result.plan.target == self.status_line.takeover:
            self.models.paused_takeover = result.plan.target
