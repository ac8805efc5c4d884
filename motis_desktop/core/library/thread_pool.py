"""Decoders as threads in this process: no isolation (a crash ends the process); the fallback where worker
processes cannot start, and what ``MOTIS_DECODE_ISOLATION=0`` selects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.library.file_decoder import Decoded, DecodeJob, decode_file
from motis_desktop.core.library.memory_budget import MemoryBudget
from motis_desktop.core.library.pool_base import JobHooks, PoolBase


class ThreadDecodePool(PoolBase):
    """The same interface with decode threads in this process (no isolation: a crash ends the process)."""

    def _prepare(self, memory_budget: int) -> None:
        self._budget = MemoryBudget(memory_budget)
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> ThreadDecodePool:
        self._pool = ThreadPoolExecutor(self.n_workers, thread_name_prefix="motis-decode")
        return self

    def _one(self, job: DecodeJob, config: PreprocessConfig, hooks: JobHooks) -> Decoded:
        if hooks.on_start:
            hooks.on_start(job)
        item = decode_file(job, config, self._budget)
        if hooks.on_done:
            hooks.on_done(job)
        return item

    def _stream(self, jobs: Iterable[DecodeJob]) -> Iterator[Decoded]:
        if self._pool is None:
            self.start()
        assert self._pool is not None
        pending: list[Future[Decoded]] = []
        source = iter(jobs)
        try:
            while True:
                while len(pending) < self.queue_size:
                    job = next(source, None)
                    if job is None:
                        break
                    pending.append(self._pool.submit(self._one, job, self.config, self.hooks))
                if not pending:
                    return
                yield pending.pop(0).result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ThreadDecodePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
