"""Background work for the GUI: one worker class (:class:`Task`) and the query thread (:class:`Backend`).

Every piece of background work (a library query, loading the model, a search, indexing, installing a
model) is a :class:`Task`: a callable run off the GUI thread whose outcome comes back to the GUI thread
through queued signals. Failures are turned into one line by :func:`user_message` in one place.

Threads and SQLite: the GUI thread never touches the library database. Queries and searches run on
the Backend's single thread with its own :class:`Services` (so its own connection); indexing runs on
its own thread with another instance. Both come from :meth:`Services.spawn`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from motis_desktop.core.errors import MotisError, user_message
from motis_desktop.core.services import LibraryBusy, PhotoDate, Services
from motis_desktop.gui.library_model import Row, date_label

log = logging.getLogger(__name__)

Report = Callable[[Any], None]
Work = Callable[[Report, threading.Event], Any]


class TaskSignals(QObject):
    """What a :class:`Task` reports; connected slots run on the GUI thread (queued connections).

    Signals:
        progress: Emitted with each progress record the work reports (``Progress``, ``InstallProgress``).
        succeeded: Emitted with the work's return value.
        failed: Emitted with a one-line message for a person when the work raised (bugs are also logged).
        busy: Emitted with ``LibraryBusy.summary`` when another process holds the library's index lock.
        finished: Emitted last, whatever the outcome.
    """

    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(str)
    busy = Signal(str)
    finished = Signal()


class Task(QRunnable):
    """Runs ``work(report, cancel)`` on a pool thread; see :class:`TaskSignals` for what comes back."""

    def __init__(self, work: Work) -> None:
        super().__init__()
        self.work = work
        self.signals = TaskSignals()
        self.cancel_event = threading.Event()
        self.done = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def cancel(self) -> None:
        """Ask the work to stop at its next check; what it finished so far is kept."""
        self.cancel_event.set()

    def run(self) -> None:
        try:
            result = self.work(self.signals.progress.emit, self.cancel_event)
        except LibraryBusy as exc:
            self.signals.busy.emit(exc.summary)
        except Exception as exc:
            if not isinstance(exc, MotisError):
                log.exception("background task failed")
            else:
                log.warning("background task failed: %s", exc)
            self.signals.failed.emit(user_message(exc))
        else:
            self.signals.succeeded.emit(result)
        finally:
            self.done.set()
            self.signals.finished.emit()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the work has returned (used at quit); True if it did."""
        return self.done.wait(timeout_s)


def start_task(pool: QThreadPool, work: Work, keep: set[TaskSignals], connect: Callable[[Task], None]) -> Task:
    """Start ``work`` as a Task on ``pool`` after ``connect(task)`` wired its signals.

    The pool deletes the runnable when it returns; ``keep`` holds the signals until ``finished`` has
    been delivered, so no queued result is lost with its sender.
    """
    task = Task(work)
    signals = task.signals
    keep.add(signals)
    connect(task)
    signals.finished.connect(lambda: keep.discard(signals))
    pool.start(task)
    return task


class Backend(QObject):
    """One background thread, never retired, that owns a Services instance for queries, model loading
    and search; jobs run in the order they were submitted."""

    def __init__(self, services: Services, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parent_services = services
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # jobs run in order; the Services below is used by this thread only
        self.pool.setExpiryTimeout(-1)  # ...which is never retired while idle (the default retires it after 30 s)
        self._signals: set[TaskSignals] = set()
        self._services: Services | None = None
        self._owner: int | None = None

    @property
    def services(self) -> Services:
        """The worker's Services (call only from jobs)."""
        if self._services is None:
            self._services = self._parent_services.spawn(background_rebuilds=True)
            self._owner = threading.get_ident()
        assert self._owner == threading.get_ident(), "the backend's Services is used by its own thread only"
        return self._services

    def submit(
        self,
        fn: Callable[[Services], Any],
        on_done: Callable[[Any], object],
        on_error: Callable[[str], object] | None = None,
    ) -> Task:
        """Run ``fn(services)`` in the background; ``on_done(result)``/``on_error(msg)`` on the GUI thread."""

        def connect(task: Task) -> None:
            task.signals.succeeded.connect(on_done)
            if on_error is not None:
                task.signals.failed.connect(on_error)

        return start_task(self.pool, lambda report, cancel: fn(self.services), self._signals, connect)

    def shutdown(self) -> None:
        self.pool.clear()
        self.pool.waitForDone(10_000)
        if self._services is not None:
            services, self._services = self._services, None
            # The connection belongs to the worker thread: close it there.
            self.pool.start(_Closer(services))
            self.pool.waitForDone(10_000)


class _Closer(QRunnable):
    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def run(self) -> None:
        self.services.close()


def load_for_search(services: Services, name: str) -> Any:
    """Load the model, the library's vector index and the query path (runs in the backend thread),
    so the first search after start-up pays for none of them."""
    return services.warm_up(name)


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


@dataclass(frozen=True)
class LibrarySnapshot:
    """What the window shows of the library: its rows and folders, and a recovery notice once."""

    rows: list[Row]
    folders: list[str]
    recovery: str | None = None


def library_snapshot(services: Services) -> LibrarySnapshot:
    """Rows and folders of the library (runs in the backend thread); the first call reports a recovery."""
    rows = gallery_rows(services)
    return LibrarySnapshot(rows, [f.path for f in services.folders()], services.recovery_notice())


@dataclass(frozen=True)
class SettingsOutcome:
    added: list[str]
    removed: list[str]


def apply_settings(services: Services, values: dict[str, Any]) -> SettingsOutcome:
    """Apply the library side of the settings dialog (runs in the backend thread)."""
    services.set_index_strategy(str(values["strategy"]))
    before = {f.path for f in services.folders()}
    services.set_folders([str(Path(p)) for p in values["folders"]])  # removed folders' photos stay on disk
    after = {f.path for f in services.folders()}
    if values["model"]:
        active = services.active_model()
        if active is None or values["model"] != active.name:
            services.use_model(str(values["model"]))
    return SettingsOutcome(sorted(after - before), sorted(before - after))
