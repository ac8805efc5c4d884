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

While another process indexes (``motis index`` in a terminal: the index lock), the move waits for that run as
``motis … --wait`` does, said on the status line, and starts when it ends (``IndexingController.held``); it was a
message box. The status bar's Cancel there stops the wait ("Stop waiting"), during the check the check ("Stop
checking the moved folder"); Esc over the gallery does what that Cancel does (:meth:`FolderMoveRun.escape`), not
while the move waits for the window's own run, where Cancel stops indexing (see ``escape_key.py``).
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


CHECK_STOPS = "Stop checking the moved folder (nothing is changed)"  # the status bar's Cancel during the check
WAIT_STOPS = "Stop waiting: the folder is not moved (nothing is changed)"  # and while it waits for another process


class FolderMoveRun:
    """Runs Settings ▸ Locate…'s moves on the window's indexing lane (see the module's docstring)."""

    def __init__(self, services: Services, indexing: IndexingController, status_line: StatusLine) -> None:
        self.services, self.indexing, self.status_line = services, indexing, status_line
        self.queued: dict[str, Job] = {}  # old folder → its move waiting for the running run (or another process's)
        self.held: dict[str, MoveCalls] = {}  # old folder → its move waiting for another process's run
        self.running: dict[str, Task] = {}  # old folder → its move running
        status_line.bar.cancel_requested.connect(self._stop_waits)

    def move(self, old: str, new: str, calls: MoveCalls) -> None:
        """Move the offline library folder ``old`` to ``new`` now, or after the running run (said in ``calls``)."""
        spawned: list[Services] = []  # the move's own Services, one per try (a wait for another process makes two)

        def work(report: Report, cancel: threading.Event) -> Any:
            services = spawned.pop()
            try:
                return services.move_folder(old, new, report, cancel)
            finally:
                services.close()  # its connection belongs to this thread

        def connect(task: Task) -> None:
            spawned.append(self.services.spawn())
            self.queued.pop(old, None)
            self.held.pop(old, None)
            self.running[old] = task
            self.status_line.job_note = f"moving {_name(old)} to {readable(new)}…"
            self.status_line.job_stops = CHECK_STOPS
            task.signals.progress.connect(lambda p: _checking(p, calls))
            task.signals.succeeded.connect(lambda located: self._done(old, located, calls))
            task.signals.failed.connect(lambda message: self._failed(old, task, message, calls))
            task.signals.busy.connect(lambda who: self._held(old, new, job, who, calls))

        job = Job(work, connect)
        if self.indexing.run_job(job):
            return
        self.queued[old] = job
        if self.indexing.waiting is not None:  # the window waits for another process's run already
            self._wait(old, new, self.indexing.held_by, calls)
            return
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

    def escape(self) -> bool:
        """Esc over the gallery: the status bar's Cancel, when what it stops is a move's (its check, or its wait for
        another process's run); False, doing nothing, otherwise (no move, or one waiting for the window's own run,
        where Cancel stops indexing)."""
        if not (self.running or self.held):
            return False
        self.status_line.bar.cancel()
        return True

    def _held(self, old: str, new: str, job: Job, who: str, calls: MoveCalls) -> None:
        """The move met another process's run (nothing was changed): it waits for that run to end, then starts."""
        self._ended(old)
        self.queued[old] = job
        self.indexing.held(job, who)
        self._wait(old, new, who, calls)

    def _wait(self, old: str, new: str, who: str, calls: MoveCalls) -> None:
        self.held[old] = calls
        calls.said("waiting for another process…")
        who = who or "another MoTIS process is updating this library"
        self.status_line.note = f"{who}; {_name(old)} moves to {readable(new)} as soon as it has finished"
        self.status_line.bar.waiting("Waiting for it to finish…", WAIT_STOPS)
        self.status_line.update()

    def _stop_waits(self) -> None:
        """The status bar's Cancel (or Esc): the moves waiting for another process's run never run."""
        for old, calls in list(self.held.items()):
            self.cancel(old, calls)

    def _done(self, old: str, located: Any, calls: MoveCalls) -> None:
        self._ended(old)
        calls.done(located)

    def _failed(self, old: str, task: Task, message: str, calls: MoveCalls) -> None:
        self._ended(old)
        if task.cancelled:
            self._cancelled(old, calls)
            return
        # QA walk 9 #3: "moving Cam to …" stayed on the status line after the refusal's box was closed
        self.status_line.note = f"{_name(old)} was not moved: nothing was changed"
        self.status_line.update()
        calls.failed(message)

    def _cancelled(self, old: str, calls: MoveCalls) -> None:
        if self.held.pop(old, None) is not None and not self.held:
            self.status_line.bar.waiting(None)
        self.status_line.note = f"locating {_name(old)} cancelled: nothing was changed"
        self.status_line.update()
        calls.cancelled()

    def _ended(self, old: str) -> None:
        self.running.pop(old, None)
        self.status_line.job_note = self.status_line.job_stops = None


def _checking(p: Progress, calls: MoveCalls) -> None:
    """The check's progress for the folder's row (the status bar shows it as a run's)."""
    if p.phase is ProgressPhase.LOCATE:
        calls.said(locate_words(p.done, p.total))


def _name(folder: str) -> str:
    return readable(os.path.basename(folder) or folder)
