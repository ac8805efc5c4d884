"""Memory budgets: the bytes of decoding that may run at once, in this process's threads or across the
decoder worker processes (one slot per worker, so a dead worker's reservation can be freed)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any


class MemoryBudget:
    """Bytes of decoding that may run at once in this process's threads: ``with budget(cost):`` waits until
    the cost fits beside the decodes running (one decode larger than the whole budget runs alone)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0
        self.waiting = 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def __call__(self, cost: int) -> Iterator[None]:
        with self._cond:
            self.waiting += 1
            self._cond.notify_all()
            self._cond.wait_for(lambda: self.used == 0 or self.used + cost <= self.limit)
            self.waiting -= 1
            self.used += cost
        try:
            yield
        finally:
            with self._cond:
                self.used -= cost
                self._cond.notify_all()

    def wait_for_waiting(self, count: int, timeout_s: float | None = None) -> bool:
        """Wait until ``count`` callers are waiting for room (False on timeout): they are held, not running."""
        with self._cond:
            return self._cond.wait_for(lambda: self.waiting >= count, timeout_s)


class ProcessBudget:
    """Budget shared by worker processes: one slot per worker holds its reservation, so the
    dispatcher can free the slot of a worker that died while decoding."""

    def __init__(self, limit: int, cond: Any, slots: Any, slot: int) -> None:
        self.limit, self._cond, self._slots, self._slot = limit, cond, slots, slot

    def _used(self) -> int:
        return sum(self._slots[:])

    @contextlib.contextmanager
    def __call__(self, cost: int) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: self._used() == 0 or self._used() + cost <= self.limit)
            self._slots[self._slot] = cost
        try:
            yield
        finally:
            with self._cond:
                self._slots[self._slot] = 0
                self._cond.notify_all()
