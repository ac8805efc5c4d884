"""Start-up markers for smoke tests and benchmarks (hidden options of ``motis-desktop``).

``--quit-after-show`` prints ``motis-desktop: window shown`` once the main window has painted, then quits.
``--probe-search TEXT`` also waits until the model is loaded and the gallery is listed, searches for TEXT as a
user would (the search box and Enter), prints ``motis-desktop: results N top PATH`` when the results are shown
(PATH: the first result), then quits. ``--probe-indexing`` prints ``motis-desktop: indexing`` when an indexing run
starts encoding (its decoder processes up) and leaves the app running (a test then stops it). Each marker is one
flushed stdout line, so a driving process times them as it reads them.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from motis_desktop.core.services import Progress, ProgressPhase
from motis_desktop.gui.library_model import path_of
from motis_desktop.gui.main_window import MainWindow

MARK_SHOWN = "motis-desktop: window shown"
MARK_READY = "motis-desktop: ready to search"
MARK_RESULTS = "motis-desktop: results"
MARK_FAILED = "motis-desktop: probe failed"
MARK_INDEXING = "motis-desktop: indexing"


class StartupProbe(QObject):
    """Watches one main window through start-up (its public signals); prints markers; quits when done."""

    def __init__(self, window: MainWindow, query: str | None = None, indexing: bool = False) -> None:
        super().__init__(window)
        self.window = window
        self.query = query
        self.indexing = indexing
        self._shown = False
        self._model_ready = False
        self._gallery = False
        self._searched = False
        window.installEventFilter(self)
        window.models.ready.connect(self._on_model_ready)
        window.models.state_changed.connect(self._on_state)
        window.gallery_loaded.connect(self._on_gallery)
        window.results.results_shown.connect(self._on_results)
        if indexing:
            window.indexing.progress.connect(self._on_progress)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Paint and not self._shown:
            self._shown = True
            _say(MARK_SHOWN)
            if self.query is None and not self.indexing:
                QTimer.singleShot(0, self._quit)
            else:
                self._maybe_search()
        return super().eventFilter(obj, event)

    def _on_progress(self, progress: Progress) -> None:
        if self.indexing and progress.phase == ProgressPhase.ENCODE:
            self.indexing = False  # said once; the app keeps running
            _say(MARK_INDEXING)

    def _on_state(self, state: str) -> None:
        if self.query is not None and state in ("missing", "failed"):
            _say(f"{MARK_FAILED}: model {state}")
            QTimer.singleShot(0, lambda: self._quit(1))

    def _on_model_ready(self, _name: str) -> None:
        self._model_ready = True
        self._maybe_search()

    def _on_gallery(self, count: int) -> None:
        self._gallery = self._gallery or count > 0
        self._maybe_search()

    def _maybe_search(self) -> None:
        if self.query is None or self._searched or not (self._shown and self._model_ready and self._gallery):
            return
        self._searched = True
        _say(MARK_READY)
        w = self.window
        w.search.setText(self.query)
        w.search.returnPressed.emit()

    def _on_results(self, text: str, count: int) -> None:
        if self._searched and text == self.query:
            top = path_of(self.window.model.index(0)) if count else ""
            _say(f"{MARK_RESULTS} {count} top {top}")
            QTimer.singleShot(0, self._quit)

    def _quit(self, code: int = 0) -> None:
        self.window.close()
        QApplication.exit(code)


def _say(line: str) -> None:
    if sys.stdout is not None:  # None in a windowed build without a console
        print(line, flush=True)
