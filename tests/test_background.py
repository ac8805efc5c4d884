"""Background work in the app's process (core/background.py) leaves the other cores to the window: numpy's BLAS
on one thread while it runs, and the thread itself at a lower priority (Linux)."""

from __future__ import annotations

import os
import sys
import threading

import numpy as np
from threadpoolctl import threadpool_info

from motis_desktop.core.background import NICENESS, background_thread


def _blas_threads() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_a_background_thread_runs_blas_alone_and_below_the_window() -> None:
    np.ones((64, 64)) @ np.ones((64, 64))  # numpy's BLAS is loaded
    before = _blas_threads()
    assert before, "numpy's wheels bring OpenBLAS, which threadpoolctl knows"
    seen: dict[str, object] = {}

    def job() -> None:
        with background_thread():
            seen["blas"] = _blas_threads()
            if sys.platform.startswith("linux"):
                seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread = threading.Thread(target=job)
    thread.start()
    thread.join()
    assert seen["blas"] == [1] * len(before)
    if sys.platform.startswith("linux"):
        assert seen["nice"] >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < seen["nice"]  # this thread kept its own
    assert _blas_threads() == before  # the limit ends with the job
