"""Start-up markers for smoke tests and benchmarks (hidden options of ``motis-desktop``).

``--quit-after-show`` prints ``motis-desktop: window shown`` once the main window
has painted, then quits. ``--probe-search TEXT`` also waits until the model is
loaded and the gallery is listed, searches for TEXT as a user would (the search
box and Enter), prints ``motis-desktop: results N`` when the results are shown,
then quits. Each marker is one flushed stdout line, so a driving process times
them as it reads them.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from motis_desktop.gui.main_window import MainWindow

MARK_SHOWN = "motis-desktop: window shown"
MARK_READY = "motis-desktop: ready to search"
MARK_RESULTS = "motis-desktop: results"
MARK_FAILED = "motis-desktop: probe failed"
CHECK_MS = 5  # how often the window's state is looked at while waiting


class StartupProbe(QObject):
    """Watches one main window through start-up; prints markers; quits the app when done."""

    def __init__(self, window: MainWindow, query: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.query = query
        self._shown = False
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self._check)
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Paint and not self._shown:
            self._shown = True
            _say(MARK_SHOWN)
            if self.query is None:
                QTimer.singleShot(0, self._quit)
            else:
                self._timer.start()
        return super().eventFilter(obj, event)

    def _check(self) -> None:
        w = self.window
        if w.model_state in ("missing", "failed"):
            _say(f"{MARK_FAILED}: model {w.model_state}")
            self._timer.stop()
            QTimer.singleShot(0, lambda: self._quit(1))
        elif w._results_for == self.query:
            self._timer.stop()
            _say(f"{MARK_RESULTS} {w.model.rowCount()}")
            QTimer.singleShot(0, self._quit)
        elif w.model_state == "ready" and w._gallery and w._results_for is None and not w.search.text():
            _say(MARK_READY)
            w.search.setText(self.query or "")
            w.search.returnPressed.emit()

    def _quit(self, code: int = 0) -> None:
        self.window.close()
        QApplication.exit(code)


def _say(line: str) -> None:
    if sys.stdout is not None:  # None in a windowed build without a console
        print(line, flush=True)
