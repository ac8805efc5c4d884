"""Bulk builds of the whole library's rows without the cyclic garbage collector (:func:`gc_paused`).

Reading 100k photos' rows makes a few hundred thousand tuples, lists and dict entries in one go; each time the
allocations outgrow the collector's thresholds it ran a collection, and the full ones walked every object the
process holds. Measured, that was a third of the gallery's read at start-up (0.39 s → 0.25 s with the collector
paused). These rows are plain data without reference cycles, so a collection during the build finds nothing to
free; the collector runs again as usual once the build is done.

The rows then live as long as the window shows the library, and every full collection walked them again: at 100k
photos four of those in the first 12 s of scrolling took 0.09-0.21 s each, the GIL held (the window stalls).
So when the outermost build ends after a build of such rows (``keep``), everything alive is frozen
(``gc.freeze``; O(1)) and later collections skip it: 0.48-0.62 s of full collections in that scroll became
0.12-0.16 s. Frozen objects are still freed by reference counting (the rows have no cycles); only cyclic garbage
alive at that instant is never collected, which is why only the library's own builds ask for it (a few times per
session), not every layout of a few results.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # builds in progress, on any thread (the collector is process-wide)
_resume = False  # whether the collector was on when the first of them began
_keep = False  # whether one of them built rows that live on (frozen when the last one ends)


@contextmanager
def gc_paused(keep: bool = False) -> Iterator[None]:
    """Within: no automatic collection (in any thread, while any such block runs); left as it was afterwards.
    ``keep``: the block builds the library's rows, which live on: frozen when the last block ends (see the
    module docstring)."""
    global _depth, _resume, _keep
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
        _keep = _keep or keep
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _keep:
                    gc.freeze()
                _keep = False
                if _resume:
                    gc.enable()
