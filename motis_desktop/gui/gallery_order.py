"""The gallery's orders as permutations of plain data (paths, dates), made a step at a time so that a 1M-photo sort
runs on a worker thread while the window goes on.

One ``sorted`` of 1M keys holds the GIL for its whole C loop: on a worker, sorting 1M photos by folder froze the
window 1.5 s (its keys' sort) and by date 0.3 s. Here every long step is Python bytecode (the interpreter hands the
GIL to the GUI thread every 5 ms) or numpy that releases it; the C sorts left are of one group at a time (a folder's
photos, one date's ties), and a group larger than ``RUN`` is sorted in runs merged by ``heapq.merge``. The orders
are those of one stable ``sorted`` on (folder, name) case-insensitive, or on (newest first, path).

A sort's checks between steps go through :func:`tick`: with a :class:`Steps` as ``stop`` they also count the photos
dealt with, which the window shows as a percentage ("Sorting 1000000 photos by folder… 40 %").
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np

RUN = 20_000  # items sorted by one C call at most: ~10-20 ms holding the GIL
T = TypeVar("T")
Stop = Callable[[], bool]  # True once the order is no longer wanted (a newer one asked for, the window closing)


class Stopped(Exception):
    """The sort gave up: ``stop()`` said so."""


def _never() -> bool:
    return False


class Steps:
    """A sort's way through its work, itself a :data:`Stop`: :meth:`tick` counts items dealt with out of ``total``
    (the caller's estimate of every step's items together) and calls ``report`` with the whole percent reached
    each time it moves (at most 100 calls)."""

    def __init__(self, total: int, stop: Stop = _never, report: Callable[[int], object] | None = None) -> None:
        self.total, self.done = max(1, total), 0
        self._stop, self._report = stop, report
        self._next = 0  # items done at which the percent next moves

    def __call__(self) -> bool:
        return self._stop()

    def tick(self, items: int) -> None:
        """``items`` more dealt with: raise :class:`Stopped` once the sort is no longer wanted, else report."""
        if self._stop():
            raise Stopped
        self.done += items
        if self._report is not None and self.done >= self._next:
            percent = min(100, self.done * 100 // self.total)
            self._next = (percent + 1) * self.total // 100 + 1
            self._report(percent)


def tick(stop: Stop, items: int = 0) -> None:
    """A check between a sort's steps: :class:`Stopped` if ``stop()`` says so; counts ``items`` with :class:`Steps`."""
    if isinstance(stop, Steps):
        stop.tick(items)
    elif stop():
        raise Stopped


def stepwise_sorted(items: list[T], key: Callable[[T], Any], stop: Stop = _never) -> list[T]:
    """``sorted(items, key=key)`` (stable), with no C loop over more than ``RUN`` items."""
    if len(items) <= RUN:
        return sorted(items, key=key)
    first = itemgetter(0)
    runs: list[list[tuple[Any, T]]] = []
    for start in range(0, len(items), RUN):
        tick(stop)
        runs.append(sorted([(key(x), x) for x in items[start : start + RUN]], key=first))
    # Ties keep their run's order (merge is stable); each run is freed as its iterator ends, not all at once.
    iters = [iter(run) for run in runs]
    runs.clear()
    return [x for _k, x in heapq.merge(*iters, key=first)]


def folder_order(paths: Sequence[str], stop: Stop = _never) -> list[int]:
    """Indices of ``paths`` by folder, then name, case-insensitive; ties keep their order. Counts ``2 * len(paths)``
    items with a :class:`Steps` (the grouping, then the folders' sorts)."""
    groups: dict[str, list[int]] = {}
    dirname, basename = os.path.dirname, os.path.basename
    for start in range(0, len(paths), RUN):
        tick(stop, min(RUN, len(paths) - start))
        for i in range(start, min(start + RUN, len(paths))):
            groups.setdefault(dirname(paths[i]).lower(), []).append(i)
    order: list[int] = []
    for folder in stepwise_sorted(list(groups), str, stop):
        members = groups[folder]
        tick(stop, len(members))
        if len(members) > 1:
            members = stepwise_sorted(members, lambda i: basename(paths[i]).lower(), stop)
        order.extend(members)
    return order


def date_order(taken: Sequence[float | None] | np.ndarray, paths: Sequence[str], stop: Stop = _never) -> list[int]:
    """Indices newest first (no date: as 1970), photos taken at the same time by path. Counts ``2 * len(taken)``
    items with a :class:`Steps` (the dates' sort, then the ties')."""
    n = len(taken)
    if isinstance(taken, np.ndarray):  # NaN: no date
        dates = np.where(np.isnan(taken), 0.0, taken)
    else:
        dates = np.fromiter((t or 0.0 for t in taken), dtype=np.float64, count=n)
    ranked = np.argsort(-dates, kind="stable")  # numpy's sort lets the GIL go
    tick(stop, n)
    bounds = np.flatnonzero(np.diff(dates[ranked]) != 0) + 1
    starts = np.concatenate(([0], bounds))
    sizes = np.diff(np.concatenate((starts, [n])))
    order: list[int] = ranked.tolist()
    by_path = paths.__getitem__
    for s, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):  # ties: photos without
        order[s : s + size] = stepwise_sorted(order[s : s + size], by_path, stop)  # a date, bursts
        tick(stop, size)
    tick(stop, n - int(sizes[sizes > 1].sum()))  # the photos of a date of their own
    return order


def errors_last(order: list[int], last: np.ndarray, stop: Stop = _never) -> list[int]:
    """``order`` with the places ``last`` marks moved to its end, both parts in their order: files that never
    decoded are one group at the gallery's end in every order (QA walk 7: by their file time they sorted as the
    newest photos, at the top). ``order`` itself when none is marked (the usual case: no pass over it)."""
    if not last.any():
        return order
    marked = set(np.flatnonzero(last).tolist())  # a few
    kept: list[int] = []
    moved: list[int] = []
    for start in range(0, len(order), RUN):
        tick(stop)
        for i in order[start : start + RUN]:  # bytecode: the GUI thread gets the GIL between steps
            (moved if i in marked else kept).append(i)
    return kept + moved


def let_go(*big: list[Any] | dict[Any, Any]) -> None:
    """Empty these containers (their last holder hands them over) a slice at a time: a 1M-entry index freed in one go
    holds the GIL 50-250 ms (its 1M ints), so a gallery replaced on the GUI thread is let go of on a worker."""
    for items in big:
        if isinstance(items, dict):
            for _ in range(len(items)):  # bytecode between entries: the GUI thread gets the GIL
                items.popitem()
        else:
            while items:
                del items[-RUN:]
