"""Decoder worker processes fed by a dispatcher thread: a decoder crash costs one file, not the run."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import queue
import tempfile
import threading
from collections.abc import Iterable, Iterator
from multiprocessing import resource_tracker
from typing import TypeAlias

from motis_desktop.core.errors import ImageProblem
from motis_desktop.core.library.decode_worker import (
    READY,
    START_TIMEOUT_S,
    Worker,
    recv_or_none,
    stderr_tail,
    worker_main,
)
from motis_desktop.core.library.file_decoder import (
    CRASH_HOOK_ENV,
    CRASHED,
    Decoded,
    DecodeJob,
)
from motis_desktop.core.library.pool_base import PoolBase

log = logging.getLogger(__name__)

_Results: TypeAlias = "queue.Queue[Decoded | BaseException | None]"  # dispatcher → stream; None: the end


class ProcessDecodePool(PoolBase):
    """``workers`` decode processes fed by a dispatcher thread; results pass through a bounded queue.

    ``on_start``/``on_done``/``on_crash`` are the default :class:`JobHooks`; :meth:`stream` may replace them
    (and the preprocessing settings) for one stream. The workers stay up between streams.
    """

    def _prepare(self, memory_budget: int) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        if os.name == "posix":
            # The resource tracker (it unlinks what a killed process leaves) runs before the budget's named
            # semaphores exist: otherwise the first one waits for it to start, and a kill meanwhile (kill -9, the
            # OOM killer) leaves it in /dev/shm until a reboot.
            resource_tracker.ensure_running()
        self._budget_cond = self._ctx.Condition()
        self._budget_slots = self._ctx.Array("q", self.n_workers, lock=False)
        self._memory_budget = memory_budget
        self._tmp = tempfile.TemporaryDirectory(prefix="motis-decode-")
        self._workers: list[Worker] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # The workers start when the pool is created, so their imports overlap whatever comes next.
    def start(self) -> ProcessDecodePool:
        """Start the worker processes, all at once, and wait for their imports (OSError/RuntimeError if the OS
        refuses or one does not start)."""
        launched = [self._launch(slot) for slot in range(self.n_workers)]
        try:
            for worker in launched:
                self._await_ready(worker)
        except BaseException:
            for worker in launched:
                worker.process.kill()
                worker.process.join()
                worker.conn.close()
            raise
        self._workers.extend(launched)
        return self

    def _spawn(self, slot: int) -> Worker:
        worker = self._launch(slot)
        self._await_ready(worker)
        return worker

    def _launch(self, slot: int) -> Worker:
        parent, child = self._ctx.Pipe(duplex=True)
        stderr_path = os.path.join(self._tmp.name, f"worker-{slot}.stderr")
        budget = (self._memory_budget, self._budget_cond, self._budget_slots, slot)
        process = self._ctx.Process(
            target=worker_main,
            args=(child, stderr_path, budget),
            name=f"motis-decode-{slot}",
            daemon=True,
        )
        process.start()
        child.close()
        return Worker(slot, process, parent, stderr_path)

    @staticmethod
    def _await_ready(worker: Worker) -> None:
        """Wait for the worker's imports: a worker that cannot start must not be mistaken for a crash on a file."""
        parent = worker.conn
        if parent.poll(START_TIMEOUT_S) and recv_or_none(parent) == READY:
            return
        tail = stderr_tail(worker.stderr_path)
        worker.process.kill()
        worker.process.join()
        parent.close()
        raise RuntimeError(f"a decoder worker process did not start{f': {tail}' if tail else ''}")

    def pids(self) -> list[int]:
        """The worker processes' ids (for tests and benchmarks: the same ids across runs)."""
        return [w.process.pid for w in self._workers]

    def _stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]:
        if not self._workers:
            self.start()
        results: queue.Queue[Decoded | BaseException | None] = queue.Queue(self.queue_size)
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._dispatch, args=(iter(jobs), results), name="motis-decode-dispatch", daemon=True
        )
        self._thread.start()
        try:
            while True:
                item = results.get()
                if item is None:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self._stop.set()
            with contextlib.suppress(queue.Empty):
                while True:  # unblock a dispatcher waiting on a full queue
                    results.get_nowait()
            self._thread.join()
            self._thread = None
            self._drain()

    def _drain(self, timeout: float = 10.0) -> None:
        """Collect the answers of files still being decoded when a stream stopped early (cancel), so the next
        stream starts with idle workers; a worker that does not answer in ``timeout`` is replaced."""
        for worker in list(self._workers):
            job = worker.job
            if job is None:
                continue
            answered = False
            with contextlib.suppress(EOFError, OSError):
                if worker.conn.poll(timeout):
                    worker.conn.recv()
                    answered = True
            worker.job = None
            if self.hooks.on_done:
                self.hooks.on_done(job)
            if not answered:
                worker.process.kill()
                worker.process.join(timeout=5)
                with self._budget_cond:
                    self._budget_slots[worker.slot] = 0
                    self._budget_cond.notify_all()
                self._replace(worker)

    def _put(self, results: _Results, item: Decoded | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                results.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _dispatch(self, jobs: Iterator[DecodeJob], results: _Results) -> None:
        try:
            self._dispatch_loop(jobs, results)
        except BaseException as exc:  # noqa: BLE001 (handed to the consumer, raised there)
            self._put(results, exc)
        finally:
            if not self._stop.is_set():
                self._put(results, None)

    def _dispatch_loop(self, jobs: Iterator[DecodeJob], results: _Results) -> None:
        exhausted = False
        hooks, config = self.hooks, self.config
        crash_marker = os.environ.get(CRASH_HOOK_ENV, "")  # read per stream: the workers outlive a run
        while not self._stop.is_set():
            for worker in list(self._workers):
                if worker.job is not None or exhausted:
                    continue
                if not worker.process.is_alive():  # died while idle (e.g. the OOM killer): replace it
                    worker = self._replace(worker)
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                    break
                if hooks.on_start:
                    hooks.on_start(job)
                worker.job = job
                try:
                    worker.conn.send((job, config, crash_marker))
                except (BrokenPipeError, OSError):
                    pass  # died idle: noticed below through its sentinel
            busy = [w for w in self._workers if w.job is not None]
            if not busy:
                return  # exhausted: every job was handed out and answered
            waitables = [w.conn for w in busy] + [w.process.sentinel for w in busy]
            ready = set(multiprocessing.connection.wait(waitables, timeout=0.5))
            for worker in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                item = self._receive(worker)
                job = worker.job
                assert job is not None
                worker.job = None
                if item is None:
                    item = self._crashed(worker, job)
                for line in item.warnings:
                    log.info("decoder message for %s: %s", job.path, line)
                if hooks.on_done:
                    hooks.on_done(job)
                if not self._put(results, item):
                    return

    @staticmethod
    def _receive(worker: Worker) -> Decoded | None:
        try:
            if worker.conn.poll():
                received: Decoded = worker.conn.recv()  # a worker sends only Decoded
                return received
        except (EOFError, OSError):
            pass
        return None

    def _crashed(self, worker: Worker, job: DecodeJob) -> Decoded:
        worker.process.join(timeout=5)
        code = worker.process.exitcode
        tail = stderr_tail(worker.stderr_path)
        log.warning("decoder worker died on %s (exit code %s)%s", job.path, code, f": {tail}" if tail else "")
        self.crashes += 1
        if self.hooks.on_crash:
            self.hooks.on_crash(job)
        with self._budget_cond:
            self._budget_slots[worker.slot] = 0  # the dead worker's reservation
            self._budget_cond.notify_all()
        self._replace(worker)
        return Decoded(job.file_id, job.path, error=CRASHED, problem=ImageProblem.CRASHED)

    def _replace(self, worker: Worker) -> Worker:
        worker.conn.close()
        fresh = self._spawn(worker.slot)
        self._workers[self._workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        """Stop the workers and remove their files. They are ended by a signal (SIGTERM; TerminateProcess on
        Windows), idle or decoding, not asked to return: nothing in a worker needs finalizing (its results went
        through the pipe, its stderr capture is unbuffered, the budget is reset with the pool), and an idle worker
        tearing down numpy, OpenCV and Pillow took 0.1-0.5 s that every ``motis index`` waited for at its end."""
        self._stop.set()
        for worker in self._workers:
            worker.process.terminate()
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            worker.conn.close()
        self._workers.clear()
        self._tmp.cleanup()

    def __enter__(self) -> ProcessDecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
