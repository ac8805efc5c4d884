"""Decode files for the indexer in worker processes, so a decoder crash costs one file, not the run.

A native decoder (OpenCV, libpng, libjpeg…) can crash the whole process on a
hostile file (issue 11: a corrupted APNG segfaults ``cv2.imdecode``). Each
worker process decodes one file at a time; a worker that dies takes only its
file with it: that file is reported as "the decoder crashed on this file" and a
fresh worker takes over. Processes also run decoding outside the main
process's GIL, beside the model.

- Workers are started with the ``spawn`` method on every OS (Linux, macOS,
  Windows, and inside a PyInstaller bundle, whose entry points call
  ``multiprocessing.freeze_support()``); they import numpy and OpenCV, never
  torch.
- What native code writes to a worker's stderr (libpng/OpenCV warnings) is
  captured per file and logged, never shown on the terminal.
- A memory budget shared by all workers bounds the pixels being decoded at
  once: a file whose estimated cost would exceed it waits until others finish
  (a single file larger than the budget still runs, alone).
- A bounded queue between the dispatcher thread and the consumer keeps
  decoding a fixed number of files ahead of the model. Decoders never pause:
  they run beside the model (at a lower priority), the engine's intra-op
  threads leave them their share of the cores (``indexer.plan_threads``).
- A pool outlives an indexing run: ``Services`` keeps one while the app runs,
  so the workers' start (importing numpy, OpenCV, Pillow) is paid once. The
  preprocessing settings travel with each job, so one pool serves any model.
- What travels back is the 8-bit centre crop (``preprocess_uint8``), a quarter
  of the float32 tensor; the consumer normalizes whole batches.

``ThreadDecodePool`` is the same interface without isolation (threads in this
process): the fallback where processes cannot be started, and what
``MOTIS_DECODE_ISOLATION=0`` selects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.library.decode_process import ProcessDecodePool
from motis_desktop.core.library.decode_work import (
    BYTES_PER_PIXEL,
    CRASH_HOOK_ENV,
    CRASHED,
    DEFAULT_MEMORY_BUDGET,
    ISOLATION_ENV,
    Decoded,
    DecodeJob,
    DecodePool,
    JobHook,
    JobHooks,
    MemoryBudget,
    PoolBase,
    content_hash,
    decode_cost,
    decode_file,
    isolation_enabled,
)

__all__ = [  # the pools' one entry point: what the indexer, the services and the tests import
    "BYTES_PER_PIXEL",
    "CRASH_HOOK_ENV",
    "CRASHED",
    "DEFAULT_MEMORY_BUDGET",
    "ISOLATION_ENV",
    "Decoded",
    "DecodeJob",
    "DecodePool",
    "JobHooks",
    "MemoryBudget",
    "ProcessDecodePool",
    "ThreadDecodePool",
    "content_hash",
    "decode_cost",
    "decode_file",
    "isolation_enabled",
]

log = logging.getLogger(__name__)


class ThreadDecodePool(PoolBase):
    """The same interface with decode threads in this process (no isolation: a crash ends the process)."""

    def __init__(
        self,
        config: PreprocessConfig,
        workers: int = 1,
        queue_size: int = 32,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
        on_start: JobHook | None = None,
        on_done: JobHook | None = None,
        on_crash: JobHook | None = None,
    ) -> None:
        super().__init__(config, workers, queue_size, on_start, on_done, on_crash)
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
        pending: list = []
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
