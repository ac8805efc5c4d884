"""When the window's start-up indexing pass runs (:class:`StartupPass`).

At start the window opens the library, loads the model and the vector index, and reads the gallery, all in the
background; then it brings the library up to date (a scan of every file, the decoder workers' start). A library
of ``DELAY_FROM`` photos or more is searchable before that pass: the pass waits ``DELAY_MS`` after the model and
the gallery are in, so the first search and the first scroll do not share the cores with it (at 100k photos the
scan alone is ~3 CPU-seconds in the window's process). A smaller library (its scan takes milliseconds) starts at
once, as soon as both are in.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

DELAY_MS = 3_000
DELAY_FROM = 1_000  # photos in the first gallery


class StartupPass(QObject):
    """Calls ``run`` once: when both :meth:`model_ready` and :meth:`gallery_shown` were called, at once or, when
    the gallery had ``delay_from`` photos or more, ``delay_ms`` later.

    Signals:
        started: Emitted when ``run`` was called.
    """

    started = Signal()

    def __init__(
        self,
        run: Callable[[], None],
        parent: QObject | None = None,
        delay_ms: int = DELAY_MS,
        delay_from: int = DELAY_FROM,
    ) -> None:
        super().__init__(parent)
        self._run = run
        self.delay_ms, self.delay_from = delay_ms, delay_from
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
        if not self._model or self._photos is None or self._timer.isActive() or self.done:
            return
        if self._photos >= self.delay_from:
            self._timer.start(self.delay_ms)
        else:
            self._fire()  # now: whoever waits for the model and the gallery sees the pass already running

    def _fire(self) -> None:
        self.done = True
        self._run()
        self.started.emit()
