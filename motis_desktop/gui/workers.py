"""Background work for the GUI: model loading, library queries, search, indexing.

``Backend`` runs jobs one at a time on its own thread with its own
:class:`Services` (so its own SQLite connection); results come back through
queued signals to the GUI thread. ``IndexRunner`` is a QThread around the
core indexer with progress, cancellation and errors as signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThread, QThreadPool, Signal

from motis_desktop.core.errors import MotisError, user_message
from motis_desktop.core.services import IndexSummary, LibraryBusy, PhotoDate, Progress, Services
from motis_desktop.gui.library_model import Row, date_label

log = logging.getLogger(__name__)


class _JobSignals(QObject):
    done = Signal(object, object)  # callback, result
    failed = Signal(object, str)  # callback, message


class _Job(QRunnable):
    def __init__(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None] | None,
        signals: _JobSignals,
    ) -> None:
        super().__init__()
        self.fn, self.on_done, self.on_error, self.signals = fn, on_done, on_error, signals

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # shown to the user as one line; details of a bug in the log
            if not isinstance(exc, MotisError):
                log.exception("background job failed")
            self.signals.failed.emit(self.on_error, user_message(exc))
        else:
            self.signals.done.emit(self.on_done, result)


class Backend(QObject):
    """One background thread that owns a Services instance for queries, model loading and search."""

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parent_services = services
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # jobs run in order; the Services below is used by this thread only
        self.pool.setExpiryTimeout(-1)  # ...which is never retired while idle (the default retires it after 30 s)
        self._signals = _JobSignals()
        self._closed = False  # results still queued when the window closed must not reach its deleted widgets
        self._signals.done.connect(lambda cb, result: None if self._closed else cb(result))
        self._signals.failed.connect(lambda cb, msg: cb(msg) if cb and not self._closed else None)
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The worker's Services (call only from jobs)."""
        if self._services is None:
            self._services = self._parent_services.spawn(background_rebuilds=True)
        return self._services

    def submit(
        self,
        fn: Callable[[Services], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        """Run ``fn(services)`` in the background; ``on_done(result)``/``on_error(msg)`` on the GUI thread."""
        self.pool.start(_Job(lambda: fn(self.services), on_done, on_error, self._signals))

    def shutdown(self) -> None:
        self._closed = True
        self.pool.clear()
        self.pool.waitForDone(10_000)
        if self._services is not None:
            self._services.close()
            self._services = None


def gallery_rows(services: Services) -> list[Row]:
    """Every photo of the library as grid rows (runs in the backend thread)."""
    files = services.files()
    dates = services.photo_dates(r.id for r in files)
    return [
        Row(r.id, r.path, r.error if not r.error_transient else None, None, date_label(*_date(dates.get(r.id))))
        for r in files
    ]


def _date(date: PhotoDate | None) -> tuple[float | None, str | None]:
    return (date.taken_at, date.source) if date else (None, None)


class IndexRunner(QThread):
    """Runs the core indexer for one encoder; quit-safe through ``cancel()``."""

    progress = Signal(object)  # core.indexer.Progress
    finished_ok = Signal(object)  # IndexSummary
    failed = Signal(str)
    busy = Signal(str)  # another process holds the library's index lock

    def __init__(self, services: Services, model: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.services = services  # this thread's own instance (Services.spawn)
        self.model = model
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            summary: IndexSummary = self.services.index(self.model, self._emit_progress, self._cancel)
            self.finished_ok.emit(summary)
        except LibraryBusy as exc:
            self.busy.emit(exc.summary)
        except Exception as exc:
            if not isinstance(exc, MotisError):
                log.exception("indexing failed")
            self.failed.emit(user_message(exc))
        finally:
            self.services.close()

    def _emit_progress(self, progress: Progress) -> None:
        self.progress.emit(progress)
