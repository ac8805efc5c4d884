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
ENGINE_LANES_ENV = "MOTIS_ENGINE_LANES"
# Decoding a camera JPEG at reduced DCT scale and preprocessing it costs ~0.02 CPU-s; a ViT-B/32 image costs
# the engine 0.04 (int8) to 0.1 (fp32) CPU-s: decoders need a quarter to a third of the cores.
CORES_PER_DECODER = 3
ENGINE_LANES = 2  # batches in the engine at once (each lane gets its share of the engine's threads)


@dataclass(frozen=True)
class ThreadPlan:
    """How indexing shares the cores between the engine and the decoders; both run all the time.

    ``engine_threads`` is the image tower's thread count, ``decode_workers`` the decoder processes (niced:
    the engine comes first), ``engine_lanes`` how many batches the engine runs at once, each with
    :attr:`lane_threads` intra-op threads: two single-threaded runs side by side cost ~15 % less CPU per
    photo than one run on two threads, which waits for its slower thread at every operator
    (docs/benchmarks.md). From 3 cores the engine's threads and the decoders add up to the cores. On 1–2
    cores no split leaves the engine enough, so it gets every core and one low-priority decoder runs beside
    it: a niced process takes its share from the engine's threads without stopping them.
    """

    engine_threads: int
    decode_workers: int
    engine_lanes: int = 1

    @property
    def lane_threads(self) -> int:
        """Intra-op threads of each lane (the lanes share ``engine_threads``, rounded up)."""
        return max(1, -(-self.engine_threads // self.engine_lanes))

    def __str__(self) -> str:
        lanes = f" in {self.engine_lanes} lanes" if self.engine_lanes > 1 else ""
        return f"{self.engine_threads} engine thread(s){lanes} + {self.decode_workers} decoder(s)"


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
    """The thread plan for ``cores`` (default: those this process may use); ``MOTIS_ENGINE_THREADS``,
    ``MOTIS_DECODE_WORKERS`` and ``MOTIS_ENGINE_LANES`` override each number."""
    cores = cores or available_cores()
    workers = max(1, cores // CORES_PER_DECODER)
    engine = _env_int(ENGINE_THREADS_ENV) or (cores if cores <= 2 else cores - workers)
    lanes = min(engine, _env_int(ENGINE_LANES_ENV) or ENGINE_LANES)
    return ThreadPlan(engine, _env_int(DECODE_WORKERS_ENV) or workers, lanes)
