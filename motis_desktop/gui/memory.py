"""Handing freed memory back to the system (glibc only; elsewhere these do nothing).

At 100k photos the start-up reads build and drop a few hundred MB of short-lived objects on several threads
(the gallery's rows, the vector index file, SQLite pages). glibc keeps what was freed in per-thread arenas, so
the window's resident memory stayed at its peak; capping the arenas and trimming after those reads returns it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
_ARENAS = 2
# Blocks from this size up get their own mapping, given back when freed. Setting it fixes glibc's threshold,
# which otherwise rises to the largest block freed so far (e.g. a 300 KB thumbnail): from then on such blocks
# came from the heap and their holes stayed resident.
_MMAP_FROM = 128 * 1024


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc has it; musl does not
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _libc()


def limit_arenas() -> None:
    """Let threads started from now on share ``_ARENAS`` malloc arenas instead of one each (up to 8 × cores),
    and keep large blocks in their own mappings (``_MMAP_FROM``)."""
    if _LIBC is not None:
        _LIBC.mallopt(_M_ARENA_MAX, _ARENAS)
        _LIBC.mallopt(_M_MMAP_THRESHOLD, _MMAP_FROM)


def trim() -> None:
    """Return the free memory at the top of every arena to the system (cheap: a few ms)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)
