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

from motis_desktop.core.errors import MotisError
from motis_desktop.core.library.indexer import Indexer, IndexSummary, Progress
from motis_desktop.core.library.locking import LibraryBusy
from motis_desktop.core.library.store import LibraryStore, PhotoDate
from motis_desktop.core.paths import AppPaths
from motis_desktop.core.services import Services
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
        except MotisError as exc:
            self.signals.failed.emit(self.on_error, str(exc))
        except Exception as exc:  # shown to the user as one line; details in the log
            log.exception("background job failed")
            self.signals.failed.emit(self.on_error, f"{type(exc).__name__}: {exc}")
        else:
            self.signals.done.emit(self.on_done, result)


class Backend(QObject):
    """One background thread that owns a Services instance for queries, model loading and search."""

    def __init__(self, paths: AppPaths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # jobs run in order; the Services below is used by this thread only
        self._signals = _JobSignals()
        self._closed = False  # results still queued when the window closed must not reach its deleted widgets
        self._signals.done.connect(lambda cb, result: None if self._closed else cb(result))
        self._signals.failed.connect(lambda cb, msg: cb(msg) if cb and not self._closed else None)
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The worker's Services (call only from jobs)."""
        if self._services is None:
            self._services = Services(self.paths, background_rebuilds=True)
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
    files = services.store.files()
    dates = services.store.dates(r.id for r in files)
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

    def __init__(self, paths: AppPaths, encoder: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = paths
        self.encoder = encoder
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        store = LibraryStore(self.paths.library_db)  # its own connection: the GUI keeps reading
        try:
            summary: IndexSummary = Indexer(store, self.encoder).run(self._emit_progress, self._cancel)
            self.finished_ok.emit(summary)
        except LibraryBusy as exc:
            self.busy.emit(str(exc))
        except MotisError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:
            log.exception("background job failed")
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            store.close()

    def _emit_progress(self, progress: Progress) -> None:
        self.progress.emit(progress)
