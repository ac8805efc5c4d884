"""Work a front end does not wait for, kept off the cores it needs (:func:`background_thread`).

The one such job in the app's own process is the exact index's coarse int8 copy (``search/indexes/coarse.py``):
two products of every library vector with a ``D × D`` rotation, ~1 CPU-s at 100k photos, made when the index
loads, which is when the window starts. numpy runs those products on OpenBLAS's own threads, one per core, so
the copy took both cores from the gallery's read and layout and from the first search (launch → first search
0.3 s later on 2 cores). Here it runs on the calling thread alone, at a lower priority where the OS has one per
thread (Linux); decoding and OCR, in their own processes, lower theirs with ``os.nice`` for the same reason.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from threadpoolctl import threadpool_limits

log = logging.getLogger(__name__)

NICENESS = 10  # added to the thread's niceness: further below the window than the decoders' +5

_lock = threading.Lock()
_jobs = 0  # background jobs running (OpenBLAS has one thread count for the process)
_limits: Any = None  # threadpoolctl's record of the limits before the first of them began


@contextmanager
def background_thread() -> Iterator[None]:
    """Within: numpy's BLAS on one thread, and (Linux) this thread at a lower priority, for good (a thread cannot
    raise its own priority again: call this on a thread made for the background job).

    The BLAS limit is process-wide while any such job runs (another BLAS call meanwhile runs on one thread too;
    the query path's are small: one query against the rotation, or none); it is lifted when the last job ends."""
    global _jobs, _limits
    if sys.platform.startswith("linux"):  # elsewhere the call takes a process id, not a thread's
        try:
            me = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + NICENESS))
        except OSError as exc:
            log.debug("background thread keeps its priority: %s", exc)
    with _lock:
        if _jobs == 0:
            _limits = threadpool_limits(limits=1, user_api="blas")
        _jobs += 1
    try:
        yield
    finally:
        with _lock:
            _jobs -= 1
            if _jobs == 0 and _limits is not None:
                _limits.restore_original_limits()
                _limits = None
