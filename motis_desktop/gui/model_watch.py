"""An indexing run's model removed by another process (`motis models remove NAME` in a terminal) while the run goes.

The run encodes with the encoder loaded in memory, so the removal did not stop it: it went on encoding the library
for a model no longer installed, and a run queued behind it (F5, the folder watcher) then failed with a modal "no
model named 'colour'". :class:`ModelWatch` looks, on the indexing lane (the models folder, a few small files; at
most once a second, and once when the run ends), whether the run's model is still installed; when it is not, it
cancels the run (it stops after its current batch, what it did is kept) and the window lets the model go as it does
for a removal it notices on activation (``ModelController.look_again``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from motis_desktop.core.errors import MotisError
from motis_desktop.core.services import IndexSummary, Services
from motis_desktop.gui.tasks import Report

LOOK_EVERY_S = 1.0


class ModelWatch:
    """Whether the model ``name`` a run of ``services`` (its own, on the indexing lane) encodes for is still
    installed; :attr:`removed` once it is found gone."""

    def __init__(self, services: Services, name: str) -> None:
        self.services, self.name = services, name
        self.removed = False
        self._cancel: threading.Event | None = None
        self._looked = 0.0

    def run(
        self, index: Callable[[Report], IndexSummary], report: Report, cancel: threading.Event
    ) -> IndexSummary | None:
        """``index(report)``, cancelled (it stops after its current batch) once the model is found gone; None when
        it was gone before the run could load it (the run's "no model named …" is no failure then)."""
        self._cancel, self._looked = cancel, time.monotonic()  # the run loads it now: the first look a second in
        try:
            return index(self._looking(report))
        except MotisError:
            if not self.look():
                raise
            return None
        finally:
            self.look()  # and once at the end: removed after the run's last look

    def _looking(self, report: Report) -> Report:
        def looking(record: Any) -> None:
            if time.monotonic() - self._looked >= LOOK_EVERY_S:
                self.look()
            report(record)

        return looking

    def look(self) -> bool:
        """True (and the run cancelled) when the model is no longer installed."""
        self._looked = time.monotonic()
        if not self.removed:
            try:
                self.removed = self.name not in {m.name for m in self.services.installed_models()}
            except (OSError, MotisError):  # the models folder unreadable for a moment: not a removal
                return False
            if self.removed and self._cancel is not None:
                self._cancel.set()
        return self.removed
