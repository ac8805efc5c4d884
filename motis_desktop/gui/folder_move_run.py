"""Settings ▸ Locate…'s move of an offline library folder, run on the indexing lane as a run of its own.

The move (``Services.move_folder``, ``core/library/folder_locate.py``) hashes the photos found at the new place with
another time: thousands in a folder copied without its times. It ran on the library lane with no progress and no
way to stop it, and was refused while the window indexed (the indexer's lock). Now it is a job of the
``IndexingController`` (``run_job``): the status bar shows its progress as a run's ("checking 1,204 of 9,000
photos…", rate, ETA) with its Cancel, and so does the folder's row in Settings, with a Cancel of its own (Settings
is modal: the status bar cannot be clicked while it is open). Cancelled, the library is exactly as it was.

While the window indexes, the move waits for the running run and says so (the row, the status line): that run may
be a model switch or the take-over of the demo model, whose Cancel means more than "later" (a take-over cancelled
stays paused, ``takeover_pause.py``), and a long first indexing is the user's own work to stop or not; the status
bar's Cancel stops it for whoever wants the move at once (its batches are kept, indexing goes on after the move).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from motis_desktop.core.formatting import locate_words
from motis_desktop.core.services import Progress, ProgressPhase, Services
from motis_desktop.gui.indexing import IndexingController, Job
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.status_line import StatusLine
from motis_desktop.gui.tasks import Report, Task


@dataclass(frozen=True)
class MoveCalls:
    """Where a move's news goes (on the GUI thread): ``said`` gets words for the folder's row while it waits or
    checks, ``done`` the core's ``FolderLocated``, ``failed`` a refusal in words, ``cancelled`` nothing."""

    said: Callable[[str], None]
    done: Callable[[Any], None]
    failed: Callable[[str], None]
    cancelled: Callable[[], None]


class FolderMoveRun:
    """Runs Settings ▸ Locate…'s moves on the window's indexing lane (see the module's docstring)."""

    def __init__(self, services: Services, indexing: IndexingController, status_line: StatusLine) -> None:
        self.services, self.indexing, self.status_line = services, indexing, status_line
        self.queued: dict[str, Job] = {}  # old folder → its move waiting for the running run
        self.running: dict[str, Task] = {}  # old folder → its move running

    def move(self, old: str, new: str, calls: MoveCalls) -> None:
        """Move the offline library folder ``old`` to ``new`` now, or after the running run (said in ``calls``)."""
        services = self.services.spawn()

        def work(report: Report, cancel: threading.Event) -> Any:
            try:
                return services.move_folder(old, new, report, cancel)
            finally:
                services.close()  # its connection belongs to this thread

        def connect(task: Task) -> None:
            self.queued.pop(old, None)
            self.running[old] = task
            self.status_line.job_note = f"moving {_name(old)} to {readable(new)}…"
            task.signals.progress.connect(lambda p: _checking(p, calls))
            task.signals.succeeded.connect(lambda located: self._done(old, located, calls))
            task.signals.failed.connect(lambda message: self._failed(old, task, message, calls))
            task.signals.busy.connect(lambda who: self._failed(old, task, f"{who}; nothing was changed", calls))

        job = Job(work, connect)
        if not self.indexing.run_job(job):
            self.queued[old] = job
            words = f"{_name(old)} moves to {readable(new)} as soon as indexing has finished"
            calls.said("waiting for indexing…")
            self.status_line.note = f"{words} (Cancel stops indexing now)"
            self.status_line.update()

    def cancel(self, old: str, calls: MoveCalls) -> None:
        """Stop the move of ``old``: before it started (it never runs), or while it checks (nothing is changed)."""
        job = self.queued.pop(old, None)
        if job is not None and self.indexing.drop_job(job):
            self._cancelled(old, calls)
        elif old in self.running:
            self.running[old].cancel()

    def _done(self, old: str, located: Any, calls: MoveCalls) -> None:
        self._ended(old)
        calls.done(located)

    def _failed(self, old: str, task: Task, message: str, calls: MoveCalls) -> None:
        self._ended(old)
        if task.cancelled:
            self._cancelled(old, calls)
        else:
            calls.failed(message)

    def _cancelled(self, old: str, calls: MoveCalls) -> None:
        self.status_line.note = f"locating {_name(old)} cancelled: nothing was changed"
        self.status_line.update()
        calls.cancelled()

    def _ended(self, old: str) -> None:
        self.running.pop(old, None)
        self.status_line.job_note = None


def _checking(p: Progress, calls: MoveCalls) -> None:
    """The check's progress for the folder's row (the status bar shows it as a run's)."""
    if p.phase is ProgressPhase.LOCATE:
        calls.said(locate_words(p.done, p.total))


def _name(folder: str) -> str:
    return readable(os.path.basename(folder) or folder)
