"""The GUI's one task runner: every piece of background work of the window runs here, as a :class:`Task`.

**Threads and the library, the one rule:** only the runner's ``LIBRARY`` and ``INDEXING`` lanes touch the
library database, each lane through its own ``Services`` (from ``Services.spawn()``); the GUI thread never
runs SQL (``tests/test_gui_threads.py`` traces the thread of every statement).

A :class:`TaskRunner` owns one thread pool per :class:`Lane` (how many threads, whether they retire), so
who may run what, and how many at once, is decided in this one place: the window makes one runner and
hands it to the parts that need background work (backend queries, indexing, model installs, thumbnails,
the viewer's decodes, folder-watch set-up). A task's outcome comes back to the GUI thread through queued
signals (:class:`TaskSignals`); failures become one line through :func:`user_message`.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any

from PySide6.QtCore import QDeadlineTimer, QObject, QRunnable, QThreadPool, Signal

from motis_desktop.core.errors import MotisError, user_message
from motis_desktop.core.services import LibraryBusy

log = logging.getLogger(__name__)

Report = Callable[[Any], None]
Work = Callable[[Report, threading.Event], Any]


class Lane(str, Enum):
    """Where a task runs. Each lane is one thread pool of the runner."""

    LIBRARY = "library"  # 1 thread, never retired: the Backend's Services (queries, gallery, settings, model)
    INDEXING = "indexing"  # 1 thread: one indexing run at a time, with its own Services
    INSTALL = "install"  # 1 thread: model downloads and imports (models folder only, no library)
    THUMBNAILS = "thumbnails"  # up to 4 threads: thumbnails as QImage
    VIEWER = "viewer"  # 2 threads: full-size decodes for the viewer
    WATCH = "watch"  # 1 thread: adding folder watches (one per sub-folder with inotify)
    LAYOUT = "layout"  # 1 thread: a large gallery's lay-out and sort (plain data: timeline_layout, gallery_order)


_THREADS = {
    Lane.LIBRARY: 1,
    Lane.INDEXING: 1,
    Lane.INSTALL: 1,
    Lane.THUMBNAILS: max(1, min(4, os.cpu_count() or 2)),
    Lane.VIEWER: 2,
    Lane.WATCH: 1,
    Lane.LAYOUT: 1,
}


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
        self.detached = False  # set at quit: the outcome is dropped instead of delivered

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def cancel(self) -> None:
        """Ask the work to stop at its next check; what it finished so far is kept."""
        self.cancel_event.set()

    def detach(self) -> None:
        """Cancel, and drop whatever the work reports from now on (its receivers are going away)."""
        self.detached = True
        self.cancel_event.set()

    def run(self) -> None:
        try:
            result = self.work(self._report, self.cancel_event)
        except LibraryBusy as exc:
            self._emit(self.signals.busy, exc.summary)
        except Exception as exc:
            if not isinstance(exc, MotisError):
                log.exception("background task failed")
            else:
                log.warning("background task failed: %s", exc)
            self._emit(self.signals.failed, user_message(exc))
        else:
            self._emit(self.signals.succeeded, result)
        finally:
            self._emit(self.signals.finished)
            self.done.set()

    def _report(self, record: Any) -> None:
        self._emit(self.signals.progress, record)

    def _emit(self, signal: Any, *args: Any) -> None:
        if self.detached:
            return
        try:
            signal.emit(*args)
        except RuntimeError:  # the signals' object was deleted under us (the app quit): nobody is listening
            self.detached = True
            log.debug("a background task finished after its receivers were deleted; outcome dropped")

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the work has returned (used at quit); True if it did."""
        return self.done.wait(timeout_s)


def start_task(pool: QThreadPool, work: Work, keep: set[Task], connect: Callable[[Task], None]) -> Task:
    """Start ``work`` as a Task on ``pool`` after ``connect(task)`` wired its signals.

    The pool deletes the runnable when it returns; ``keep`` holds the task (and its signals) until
    ``finished`` has been delivered, so no queued result is lost with its sender.
    """
    task = Task(work)
    keep.add(task)
    connect(task)
    task.signals.finished.connect(lambda: keep.discard(task))
    pool.start(task)
    return task


class TaskRunner(QObject):
    """One thread pool per :class:`Lane`; every background task of the window starts here.

    At quit, :meth:`shutdown` detaches every live task (cancelled; its outcome is dropped, its receivers are
    going away), waits up to ``quit_wait_ms`` in all, and from then on starts nothing.
    """

    def __init__(self, parent: QObject | None = None, threads: dict[Lane, int] | None = None) -> None:
        super().__init__(parent)
        self._pools: dict[Lane, QThreadPool] = {}
        self._live: set[Task] = set()
        self.closed = False
        self.quit_wait_ms = 10_000  # at quit, the longest wait for work that does not stop when cancelled
        for lane in Lane:
            pool = QThreadPool(self)
            pool.setMaxThreadCount((threads or {}).get(lane, _THREADS[lane]))
            if lane is Lane.LIBRARY:
                # Its Services (and SQLite connection) belongs to this one thread: it must never retire
                # while idle (Qt's default retires an idle thread after 30 s).
                pool.setExpiryTimeout(-1)
            self._pools[lane] = pool

    def start(self, lane: Lane, work: Work, connect: Callable[[Task], None] | None = None) -> Task:
        """Run ``work(report, cancel)`` on ``lane`` after ``connect(task)`` wired its signals.

        After :meth:`shutdown` the task is returned cancelled and never runs (a late result's follow-up)."""
        if self.closed:
            task = Task(work)
            task.detach()
            return task
        return start_task(self._pools[lane], work, self._live, connect or (lambda _task: None))

    def call(
        self,
        lane: Lane,
        fn: Callable[[], Any],
        on_done: Callable[[Any], object] | None = None,
        on_error: Callable[[str], object] | None = None,
    ) -> Task:
        """Run ``fn()`` on ``lane``; ``on_done(result)`` / ``on_error(message)`` on the GUI thread."""

        def connect(task: Task) -> None:
            if on_done is not None:
                task.signals.succeeded.connect(on_done)
            if on_error is not None:
                task.signals.failed.connect(on_error)

        return self.start(lane, lambda _report, _cancel: fn(), connect)

    def threads(self, lane: Lane) -> int:
        """How many tasks ``lane`` runs at once."""
        return self._pools[lane].maxThreadCount()

    def expiry_ms(self, lane: Lane) -> int:
        """How long an idle thread of ``lane`` lives (-1: never retired)."""
        return self._pools[lane].expiryTimeout()

    def drop_queued(self, lane: Lane) -> None:
        """Forget ``lane``'s tasks that have not started (running ones finish)."""
        self._pools[lane].clear()

    def wait(self, lane: Lane, timeout_ms: int = 30_000) -> bool:
        """Block until ``lane``'s tasks have returned (at quit); True if they did."""
        return self._pools[lane].waitForDone(timeout_ms)

    def shutdown(self) -> None:
        """At quit: start nothing more, drop queued tasks, detach running ones and wait for them
        (``quit_wait_ms`` in all); work still running after that ends unheard."""
        self.closed = True
        for pool in self._pools.values():
            pool.clear()
        for task in list(self._live):
            task.detach()
        deadline = QDeadlineTimer(self.quit_wait_ms)
        for pool in self._pools.values():
            # int msecs: waitForDone(QDeadlineTimer) exists only from Qt 6.8
            pool.waitForDone(max(0, deadline.remainingTime()))
