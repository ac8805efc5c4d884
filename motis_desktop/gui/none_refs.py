"""None kept alive under PySide6 on Python 3.11 (a dependency's bug, worked around here).

PySide6 6.12 returns None from many wrapped methods without taking a reference to it (``QPainter.fillRect``,
``setPen``, ``drawLine``, ``QAbstractItemView.initViewItemOption``, ``QModelIndex.data()`` when the model gave
None…): every call takes one of None's references away. Each paint of the grid makes a few hundred such calls, and
at 0 the interpreter aborts ("Fatal Python error: none_dealloc: deallocating None"): 200,000 ``fillRect`` calls did
it in a bare script, and scrolling would in a window whose gallery no longer held 1M tuples full of None (their
references were what kept it alive). From Python 3.12 None is immortal and its count is never touched; here it is
given a count no session can use up, as 3.12 does.
"""

from __future__ import annotations

import ctypes
import sys

SPARE = 1 << 48  # references added to None's count: ~10^14, beyond any session's calls


def keep_none_alive() -> None:
    """Make None's reference count unreachable by the lost references (CPython before 3.12; once per process)."""
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12) or sys.getrefcount(None) > SPARE:
        return
    count = ctypes.c_ssize_t.from_address(id(None))  # ob_refcnt: the first field of every object in CPython
    count.value += SPARE
