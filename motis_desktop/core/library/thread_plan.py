"""How indexing shares the cores between the engine's intra-op threads and the decoder workers."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

log = logging.getLogger(__name__)


def available_cores() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


ENGINE_THREADS_ENV = "MOTIS_ENGINE_THREADS"
DECODE_WORKERS_ENV = "MOTIS_DECODE_WORKERS"
# Decoding a camera JPEG at reduced DCT scale and preprocessing it costs ~0.02 CPU-s; a ViT-B/32 image costs
# the engine 0.04 (int8) to 0.1 (fp32) CPU-s: decoders need a quarter to a third of the cores.
CORES_PER_DECODER = 3


@dataclass(frozen=True)
class ThreadPlan:
    """How indexing shares the cores between the engine and the decoders; both run all the time.

    ``engine_threads`` is the image tower's intra-op thread count, ``decode_workers`` the decoder processes
    (niced: the engine comes first). From 3 cores they add up to the cores. On 1–2 cores no split leaves
    the engine enough, so it gets every core and one low-priority decoder runs beside it: the decoder is
    busy a third of the time or less, and a niced process takes its share from the engine's threads
    without stopping them (onnxruntime hands out work in small shards, so a thread that waits for a core
    costs only its share).
    """

    engine_threads: int
    decode_workers: int

    def __str__(self) -> str:
        return f"{self.engine_threads} engine thread(s) + {self.decode_workers} decoder(s)"


def _env_int(name: str) -> int | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        return max(1, int(text))
    except ValueError:
        log.warning("%s=%r is not a number; ignored", name, text)
        return None


def plan_threads(cores: int | None = None) -> ThreadPlan:
    """The thread plan for ``cores`` (default: those this process may use); ``MOTIS_ENGINE_THREADS`` and
    ``MOTIS_DECODE_WORKERS`` override either number."""
    cores = cores or available_cores()
    workers = max(1, cores // CORES_PER_DECODER)
    engine = cores if cores <= 2 else cores - workers
    return ThreadPlan(_env_int(ENGINE_THREADS_ENV) or engine, _env_int(DECODE_WORKERS_ENV) or workers)
