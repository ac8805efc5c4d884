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

This module is the door (:func:`make_decode_pool` and the names callers use); the parts live in
``file_decoder`` (one file: read, hash, decode, preprocess), ``memory_budget``, ``decode_worker`` (the
worker process), ``pool_base`` (the shared interface), ``process_pool`` and ``thread_pool``.
"""

from __future__ import annotations

import logging

from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.library.file_decoder import (
    BYTES_PER_PIXEL,
    CRASH_HOOK_ENV,
    CRASHED,
    DEFAULT_MEMORY_BUDGET,
    ISOLATION_ENV,
    Decoded,
    DecodeJob,
    content_hash,
    decode_cost,
    decode_file,
    isolation_enabled,
)
from motis_desktop.core.library.memory_budget import MemoryBudget
from motis_desktop.core.library.pool_base import DecodePool, JobHook, JobHooks
from motis_desktop.core.library.process_pool import ProcessDecodePool
from motis_desktop.core.library.thread_pool import ThreadDecodePool

log = logging.getLogger(__name__)

__all__ = [
    "BYTES_PER_PIXEL",
    "CRASHED",
    "CRASH_HOOK_ENV",
    "DEFAULT_MEMORY_BUDGET",
    "ISOLATION_ENV",
    "DecodeJob",
    "DecodePool",
    "Decoded",
    "JobHook",
    "JobHooks",
    "MemoryBudget",
    "ProcessDecodePool",
    "ThreadDecodePool",
    "content_hash",
    "decode_cost",
    "decode_file",
    "isolation_enabled",
    "make_decode_pool",
]


def make_decode_pool(
    workers: int, queue_size: int, isolate: bool | None = None, memory_budget: int = DEFAULT_MEMORY_BUDGET
) -> DecodePool:
    """Decoder worker processes (threads if isolation is off or processes cannot start), started now."""
    isolate = isolation_enabled() if isolate is None else isolate
    config = PreprocessConfig()  # each stream passes its model's settings
    if isolate:
        pool = ProcessDecodePool(config, workers, queue_size, memory_budget)
        try:
            return pool.start()
        except (OSError, RuntimeError) as exc:  # e.g. no /dev/shm, a sandbox forbidding processes
            pool.close()
            log.warning("decoder worker processes cannot start (%s); decoding in this process", exc)
    return ThreadDecodePool(config, workers, queue_size, memory_budget).start()
