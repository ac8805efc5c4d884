"""How indexing shares the cores between the engine's intra-op threads and the decoder workers."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from motis_desktop.core.cores import available_cores, has_vnni
from motis_desktop.core.formatting import count

log = logging.getLogger(__name__)


ENGINE_THREADS_ENV = "MOTIS_ENGINE_THREADS"
DECODE_WORKERS_ENV = "MOTIS_DECODE_WORKERS"
ENGINE_LANES_ENV = "MOTIS_ENGINE_LANES"
# Decoding a camera JPEG at reduced DCT scale and preprocessing it costs ~0.02 CPU-s; a ViT-B/32 image costs
# the engine 0.04 (int8) to 0.1 (fp32) CPU-s: decoders need a quarter to a third of the cores.
CORES_PER_DECODER = 3
ENGINE_LANES = 2  # batches in the engine at once (lane threads calling one session: see ThreadPlan)


@dataclass(frozen=True)
class ThreadPlan:
    """How indexing shares the cores between the engine and the decoders; both run all the time.

    ``engine_threads`` is the engine's thread budget, ``decode_workers`` the decoder processes (niced: the
    engine comes first), ``engine_lanes`` how many batches the engine runs at once. The lanes are threads that
    call ONE onnxruntime session, and a session has one intra-op pool (``intra_op_num_threads`` - 1 workers)
    which every concurrent ``run`` joins with its calling thread. So the session gets
    :attr:`session_threads` = ``engine_threads - engine_lanes + 1``: lane threads + pool workers =
    ``engine_threads``. On 2 cores that is 1: each lane runs its batch on its own thread, no pool — two
    single-threaded runs side by side cost ~15 % less CPU per photo than one run on two threads, which waits
    for its slower thread at every operator (docs/benchmarks.md, measured on 2 cores only; with more cores
    the lanes share the pool's workers). From 3 cores the engine's threads and the decoders add up to the
    cores. On 1–2 cores no split leaves the engine enough, so it gets every core and one low-priority decoder
    runs beside it: a niced process takes its share from the engine's threads without stopping them.
    """

    engine_threads: int
    decode_workers: int
    engine_lanes: int = 1

    @property
    def session_threads(self) -> int:
        """The image session's intra-op threads: its pool's workers plus the lanes' calling threads make
        ``engine_threads`` (1 when there are as many lanes as engine threads: no pool)."""
        return max(1, self.engine_threads - self.engine_lanes + 1)

    def __str__(self) -> str:
        lanes = f" ({self.engine_lanes} lanes on a session of {self.session_threads})" if self.engine_lanes > 1 else ""
        return f"{count(self.engine_threads, 'engine thread')}{lanes} + {count(self.decode_workers, 'decoder')}"


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
    if cores == 2 and has_vnni():
        # A VNNI CPU runs the int8 image tower twice as fast (0.03 against 0.065 CPU-s a ViT-B/32 photo): one
        # decoder then bounds the run. Measured on a 2-core AVX-512 VNNI EPYC, 200 camera JPEGs, 4 runs each:
        # 6.35-6.62 s with two decoders, 6.91-7.49 s with one (docs/benchmarks.md, fifteenth session).
        workers = 2
    engine = _env_int(ENGINE_THREADS_ENV) or (cores if cores <= 2 else cores - workers)
    lanes = min(engine, _env_int(ENGINE_LANES_ENV) or ENGINE_LANES)
    return ThreadPlan(engine, _env_int(DECODE_WORKERS_ENV) or workers, lanes)
