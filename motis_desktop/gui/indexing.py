"""Indexing control for the window: one run at a time, a queued re-run, cancel, and a run as soon as another
process that held the library (``motis index`` in a terminal) has finished. Other work that writes the library's
folders (Settings ▸ Locate…'s move, ``gui/folder_move_run.py``) runs here too, as a run of its own (:meth:`run_job`):
after the running run, with its progress and Cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from motis_desktop.core.errors import LibraryWriteError
from motis_desktop.core.services import IndexSummary, Progress, ProgressPhase, Services
from motis_desktop.gui.memory import trim
from motis_desktop.gui.model_watch import ModelWatch
from motis_desktop.gui.tasks import Lane, Report, Task, TaskRunner, Work
from motis_desktop.gui.workers import LibrarySnapshot, library_snapshot, write_problem


@dataclass(frozen=True)
class Job:
    """Work of this lane other than indexing (:meth:`IndexingController.run_job`): ``connect`` wires its outcome."""

    work: Work
    connect: Callable[[Task], None]


class IndexingController(QObject):
    """Runs the core indexer on the runner's ``INDEXING`` lane with its own :class:`Services`
    (see ``Services.spawn``).

    Signals:
        started: Emitted when a run begins.
        progress: Emitted with the core's ``Progress`` records of the running run.
        finished: Emitted with the run's ``IndexSummary`` when it completed or was cancelled.
        failed: Emitted with a one-line message when a run stopped on an error.
        busy: Emitted with a short description when another process is indexing this library; the controller
            waits for that run to end (``Services.wait_until_free``, on the ``INDEXING`` lane) and starts again.
        stopped: Emitted after every run, whatever its outcome.
        switched: Emitted with the core's ``SwitchResult`` when a model switch run ended (see ``switch``).
        scanned: Emitted with the gallery's ``LibrarySnapshot`` after a scan run (see ``scan``) listed the photos
            of folders added while no model was ready.
        model_removed: Emitted with the model's name when another process removed it while a run encoded for it
            (``gui/model_watch.py``): the run stopped after its batch; the window lets the model go.
        search_only: Emitted once with the core's ``LibraryWriteError`` when the library can only be read here
            (see ``check_writable``); no run starts after it.
    """

    started = Signal()
    progress = Signal(Progress)
    finished = Signal(IndexSummary)
    failed = Signal(str)
    busy = Signal(str)
    stopped = Signal()
    switched = Signal(object)
    scanned = Signal(object)
    search_only = Signal(object)
    model_removed = Signal(str)

    def __init__(self, services: Services, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.runner = runner
        self.task: Task | None = None
        self.model: str | None = None  # the model to index for; None until one is loaded
        self.again = False  # run once more when the current run ends (or when a model is ready)
        self.quitting = False  # shutdown cancelled the run: not the user's Cancel (a take-over is not paused)
        self.switch_to: str | None = None  # a model switch waiting for the current run to end
        self.switching: str | None = None  # the model a running switch encodes the library for
        self.encoded = False  # the latest run reached encoding (its scan found new or changed files)
        self.waiting: Task | None = None  # waits for another process's run to end (see ``busy``)
        self.held_by = ""  # that process, in the core's words (``LibraryBusy.summary``)
        self.read_only = False  # the library can only be read here: no run starts (see ``check_writable``)
        self.watch: ModelWatch | None = None  # the latest run's look at its model (``model_removed``)
        self.jobs: list[Job] = []  # other work waiting for the running run (``run_job``)

    @property
    def running(self) -> bool:
        return self.task is not None

    def set_model(self, name: str | None) -> None:
        """The model whose embeddings indexing brings up to date (None: no model ready)."""
        self.model = name

    def start(self) -> bool:
        """Start a run now, or remember to run when the current one ends or a model is ready.

        Returns True if a run started."""
        if self.read_only:
            return False
        if self.waiting is not None:  # another process holds the library: the run starts when it is done
            self.again = True
            return False
        if self.task is None and self.switch_to is not None:
            self._start_switch()
            return True
        if self.task is not None or self.model is None:
            self.again = True
            return False
        self.again = self.encoded = False
        services, model = self._services.spawn(), self.model

        watch = self.watch = ModelWatch(services, model)  # removed by another process meanwhile: the run stops

        def work(report: Report, cancel: threading.Event) -> IndexSummary | None:
            try:
                return watch.run(lambda watched: services.index(model, watched, cancel), report, cancel)
            finally:
                services.close()  # its connection belongs to this thread

        def connect(task: Task) -> None:
            task.signals.progress.connect(self._progress)
            task.signals.succeeded.connect(self._ran)
            task.signals.failed.connect(self.failed.emit)
            task.signals.busy.connect(self._busy)
            task.signals.finished.connect(self._stopped)

        self.task = self.runner.start(Lane.INDEXING, work, connect)
        self.started.emit()
        return True

    def _ran(self, summary: IndexSummary | None) -> None:
        """A run ended: ``finished`` with what it did, then ``model_removed`` when its model went meanwhile."""
        if summary is not None:
            self.finished.emit(summary)
        if self.watch is not None and self.watch.removed:
            self.model_removed.emit(self.watch.name)

    def check_writable(self, submit: Callable[[Callable[[Services], Any], Callable[[Any], object]], object]) -> None:
        """At start, queued with ``submit`` (the library lane) behind the library's opening: a library this process
        can only read (a read-only disk or mount, another user's, a disk full when it opened) is never indexed;
        ``search_only`` says why, once. A run failed with the same modal message at every start, change and F5, and
        the status line stayed on "indexing…" (QA)."""
        submit(write_problem, self._checked)

    def _checked(self, problem: LibraryWriteError | None) -> None:
        if problem is not None:
            self.read_only, self.again = True, False
            self.search_only.emit(problem)

    def scan(self, folders: list[str], on_failed: Callable[[str], None]) -> bool:
        """Add ``folders`` and list their photos now, while no model is ready (none installed, or one loading,
        which holds the library lane): the gallery shows them at once (``scanned``), and the indexing run
        follows when a model is ready (``start``). False, doing nothing, while a run goes or a model is ready:
        add them the usual way then. ``on_failed`` gets the one-line reason a folder cannot be added."""
        if self.task is not None or self.model is not None:
            return False
        services = self._services.spawn()

        def work(report: Report, cancel: threading.Event) -> LibrarySnapshot:
            try:
                services.add_folders(folders)
                summary = services.scan(None, cancel)
                return replace(library_snapshot(services), folder_photos=summary.folder_photos)
            finally:
                services.close()  # its connection belongs to this thread

        def connect(task: Task) -> None:
            task.signals.succeeded.connect(self.scanned.emit)
            task.signals.failed.connect(on_failed)
            task.signals.busy.connect(self.busy.emit)  # another process is indexing: it lists them itself
            task.signals.finished.connect(self._stopped)

        self.again = True  # index them once a model is ready
        self.task = self.runner.start(Lane.INDEXING, work, connect)
        return True

    def switch(self, name: str) -> None:
        """Make ``name`` the active model without emptying search (``Services.switch_model``): the library is
        encoded with it on this lane while the current model keeps answering; ``switched`` says how it ended."""
        self.switch_to = name
        if self.task is None:
            self._start_switch()

    def _start_switch(self) -> None:
        name, self.switch_to = self.switch_to, None
        assert name is not None
        services = self._services.spawn()

        def work(report: Report, cancel: threading.Event) -> object:
            try:
                return services.switch_model(name, report, cancel)
            finally:
                services.close()  # its connection belongs to this thread

        def busy(message: str) -> None:
            self.switch_to = self.switch_to or name  # try the switch again with the next start
            self._busy(message)

        def connect(task: Task) -> None:
            task.signals.progress.connect(self.progress.emit)
            task.signals.succeeded.connect(self.switched.emit)
            task.signals.failed.connect(self.failed.emit)
            task.signals.busy.connect(busy)
            task.signals.finished.connect(self._stopped)

        self.switching, self.watch = name, None
        self.task = self.runner.start(Lane.INDEXING, work, connect)
        self.started.emit()

    def run_job(self, job: Job) -> bool:
        """Run ``job`` on this lane as a run of its own: now (True), or when the running run, or another process's
        (``waiting``), has ended (False; runs asked for meanwhile follow it). ``started``, ``progress`` and
        ``stopped`` as for any run, and :meth:`cancel` stops it; its outcome goes to the slots ``job.connect``
        wires, not to ``finished``/``failed``."""
        self.jobs.append(job)
        if self.task is not None or self.waiting is not None:
            return False
        self._start_job()
        return True

    def drop_job(self, job: Job) -> bool:
        """Take ``job`` back before it started (its work never runs); False when it is not waiting any more. A wait
        for another process's run that nothing else needs now stops (``held``)."""
        if job not in self.jobs:
            return False
        self.jobs.remove(job)
        if self.waiting is not None and not (self.jobs or self.again or self.switch_to):
            self.waiting.cancel()
        return True

    def held(self, job: Job, who: str) -> None:
        """``job`` met another process's run (``LibraryBusy``, its ``busy`` signal; nothing was changed): it runs
        first as soon as that run ends, as ``motis … --wait`` does; :meth:`drop_job` gives it up meanwhile."""
        self.jobs.insert(0, job)
        self.held_by = who
        self._wait()

    def _start_job(self) -> None:
        job = self.jobs.pop(0)

        def connect(task: Task) -> None:
            task.signals.progress.connect(self.progress.emit)
            job.connect(task)
            task.signals.finished.connect(self._stopped)

        self.switching, self.watch = None, None
        self.task = self.runner.start(Lane.INDEXING, job.work, connect)
        self.started.emit()

    def cancel(self) -> None:
        """Stop the running run after its current batch (committed work is kept)."""
        if self.task is not None:
            self.task.cancel()

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel and wait for the running run (at quit); the next start resumes where it stopped."""
        self.quitting = True
        self.again = False
        self.switch_to = None
        self.jobs.clear()
        self.cancel()
        if self.waiting is not None:
            self.waiting.cancel()
        self.runner.wait(Lane.INDEXING, timeout_ms)

    def _progress(self, p: Progress) -> None:
        self.encoded = self.encoded or p.phase is ProgressPhase.ENCODE
        self.progress.emit(p)

    def _busy(self, message: str) -> None:
        """Another process holds the library: start again as soon as its run ends (a minute's wait took photos
        `motis index` had added long after it finished)."""
        self.busy.emit(message)
        self.again, self.held_by = True, message
        self._wait()

    def _wait(self) -> None:
        """Wait on this lane for another process's run to end (``Services.wait_until_free``), then ``_free``."""
        if self.waiting is not None:
            return
        services = self._services.spawn()

        def work(_report: Report, cancel: threading.Event) -> bool:
            try:
                return services.wait_until_free(cancel)
            finally:
                services.close()

        def connect(task: Task) -> None:
            task.signals.finished.connect(self._free)

        self.waiting = self.runner.start(Lane.INDEXING, work, connect)

    def _free(self) -> None:
        """The other process's run ended (or the wait was cancelled: at quit, or nothing needed it any more)."""
        self.waiting = None
        if self.quitting or self.task is not None:
            return
        if self.jobs:
            self._start_job()  # runs asked for meanwhile follow it (``again``)
        elif self.again:
            self.start()

    def _stopped(self) -> None:
        self.task = None
        trim()  # a run's scan holds every file's record for a while (100k photos: ~100 MB); see gui/memory.py
        self.switching = None
        self.stopped.emit()
        if self.waiting is not None:
            return  # another process holds the library: what waits starts when it is done (``_free``)
        if self.jobs:
            self._start_job()  # a switch or run asked for meanwhile follows it
        elif self.switch_to is not None:
            self._start_switch()
        elif self.again:
            self.start()
