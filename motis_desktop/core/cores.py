"""How many CPU cores this process may use (its affinity, not the machine's count), and whether they sum int8
products in int32 (VNNI)."""

from __future__ import annotations

import os
import platform
from functools import lru_cache


def available_cores() -> int:
    """CPU cores this process may run on (a process confined to some cores gets no more threads than those)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=1)
def has_vnni() -> bool:
    """Whether this x86 CPU has VNNI (``avx512_vnni``/``avx_vnni`` in Linux's /proc/cpuinfo): int8 products summed
    in int32, about twice the int8 throughput of AVX2's ``VPMADDUBSW``. False where unknown (not Linux, not x86)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            flags = next((line.split(":", 1)[1].split() for line in fh if line.startswith("flags")), [])
    except OSError:
        return False
    return bool({"avx512_vnni", "avx_vnni"} & set(flags))
