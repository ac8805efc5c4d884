"""When the window's start-up indexing pass runs (:class:`StartupPass`).

At start the window opens the library, loads the model and the vector index, and reads the gallery, all in the
background; then it brings the library up to date (a scan of every file, the decoder workers' start). A library
that already has photos is searchable before that pass: the pass waits ``DELAY_MS`` after the model and the
gallery are in, so the first search and the first scroll do not share the cores with it (at 100k photos the
scan alone is ~3 CPU-seconds in the window's process). An empty library starts at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

DELAY_MS = 3_000


class StartupPass(QObject):
    """Calls ``run`` once: when both :meth:`model_ready` and :meth:`gallery_shown` were called, after
    ``DELAY_MS`` when the gallery had photos."""

    def __init__(self, run: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._run = run
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fire)
        self.done = False  # the pass was started (later model loads index at once, as before)
        self._model = False
        self._photos: int | None = None  # photos in the first gallery; None until it is shown

    def model_ready(self) -> bool:
        """The model is loaded; False once the pass already ran (the caller then indexes itself)."""
        if self.done:
            return False
        self._model = True
        self._schedule()
        return True

    def gallery_shown(self, photos: int) -> None:
        """A gallery read arrived (only the first one counts)."""
        if self._photos is None:
            self._photos = photos
            self._schedule()

    def _schedule(self) -> None:
        if self._model and self._photos is not None and not self._timer.isActive() and not self.done:
            self._timer.start(DELAY_MS if self._photos else 0)

    def _fire(self) -> None:
        self.done = True
        self._run()
