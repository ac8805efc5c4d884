"""The status line's words: the photo count and what indexing did last, or the results on show.

:class:`StatusLine` keeps what indexing is doing or did (the note after the photo count, the last run that did
work) and writes the line from what the window shows; the :class:`StatusBar` only shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from motis_desktop.core.services import IndexSummary
from motis_desktop.gui.model_state import ModelState
from motis_desktop.gui.search_actions import ResultsController
from motis_desktop.gui.search_box import SearchController, result_summary
from motis_desktop.gui.status_bar import StatusBar
from motis_desktop.gui.texts import NEEDS_MODEL, NO_MODEL_TEXT


class StatusLine:
    """Writes the window's status line; holds the indexing note and the last run's summary."""

    def __init__(
        self,
        bar: StatusBar,
        searcher: SearchController,
        results: ResultsController,
        model_state: Callable[[], ModelState],
        has_folders: Callable[[], bool],
    ) -> None:
        self.bar, self.searcher, self.results = bar, searcher, results
        self._model_state, self._has_folders = model_state, has_folders
        self.note = ""  # what indexing is doing or its last outcome, shown after the photo count
        self.summary = ""  # the last indexing run that did work: kept until another one does
        self.removed = 0  # folders Settings just removed: the next gallery read says what left with them

    def update(self) -> None:
        """Write the line for what the window shows now."""
        shown = self.searcher.shown
        missing = self._model_state() == ModelState.MISSING
        if self.results.results_for is not None and shown is not None and self.searcher.pending is None:
            self.bar.set_text(result_summary(shown))
        elif self.searcher.waiting_message():  # a query waiting for the model, or the last query's error
            self.bar.set_text(self.searcher.waiting_message() or "")
        elif missing and not self._has_folders():
            self.bar.set_text(NO_MODEL_TEXT.replace("\n", " "))
        else:
            n, note = len(self.results.gallery), NEEDS_MODEL if missing else self.note
            self.bar.set_text(f"{n} photo{'s' if n != 1 else ''}" + (f" · {note}" if note else ""))

    def gallery_read(self, before: int, after: int) -> None:
        """A gallery read went from ``before`` to ``after`` photos: after Settings removed folders, the last run's
        summary no longer describes the library, so the line says what left it."""
        if self.removed:
            folders, left = self.removed, max(0, before - after)
            self.summary = self.note = f"{folders} folder{'s' if folders != 1 else ''} removed: {left} photo" + (
                "s left the library" if left != 1 else " left the library"
            )
            self.removed = 0

    def gone_forgotten(self, forgot: int) -> None:
        """Settings forgot ``forgot`` photos that had left the library folders (what was kept for their return)."""
        self.note = (
            f"forgot {forgot} photo{'s' if forgot != 1 else ''} removed from your folders"
            if forgot
            else "nothing to forget: no photo removed from your folders was remembered"
        )
        self.update()

    def indexing_started(self, switching: str | None) -> None:
        self.note = (
            f"preparing {switching}: encoding your photos with it (search keeps working)" if switching else "indexing…"
        )
        self.bar.indexing_started()
        self.update()

    def indexing_finished(self, summary: IndexSummary) -> None:
        line = self.bar.indexing_finished(summary)
        if line is not None:  # a run that did work: its summary stays until the next one that does
            self.summary = line
        self.note = self.summary or "library up to date"
        self.update()

    def busy(self, message: str) -> None:
        """Another process (the CLI, a second window) is indexing: say so; the controller tries again later."""
        self.note = message + " — will retry in a minute"
        self.update()

    def switched(self, result: Any) -> None:
        """A switch run ended: the new model is active, or the old one stays (cancelled, failed)."""
        if result.switched:
            work = result.work()
            self.note = f"now using {result.active}" + (f" ({work})" if work else "")
        else:
            self.note = f"switch to {result.plan.target} cancelled — still using {result.active}"
        self.update()
