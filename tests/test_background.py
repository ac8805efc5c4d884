"""Background work in the app's process (core/background.py) leaves the other cores to the window: numpy's BLAS
on one thread while any such job runs, and the job's thread at a lower priority (Linux)."""

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
    base = os.getpriority(os.PRIO_PROCESS, 0) if sys.platform.startswith("linux") else 0
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
        assert seen["nice"] == min(19, base + NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base  # this thread kept its own
    assert _blas_threads() == before  # the limit ends with the job


def test_overlapping_jobs_keep_the_limit_until_the_last_ends() -> None:
    np.ones((64, 64)) @ np.ones((64, 64))
    before = _blas_threads()
    first_in, second_in, first_out, release_first, release_second = (threading.Event() for _ in range(5))
    seen: dict[str, object] = {}

    def first() -> None:
        with background_thread():
            first_in.set()
            release_first.wait(30)
        first_out.set()

    def second() -> None:
        with background_thread():
            second_in.set()
            release_second.wait(30)
            seen["after_first_ended"] = _blas_threads()

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    assert first_in.wait(30)
    b.start()
    assert second_in.wait(30)
    release_first.set()
    assert first_out.wait(30)
    release_second.set()
    a.join(30)
    b.join(30)
    assert seen["after_first_ended"] == [1] * len(before)
    assert _blas_threads() == before
