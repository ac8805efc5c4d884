"""The photo-size cache's file (``cache/sizes.bin``): every photo's ``(mtime_ns, width, height)`` by path.

A binary layout, because the whole file is loaded at every start, the GIL held throughout, beside the window's
first paint: at 100k photos JSON took 0.13-0.15 s to parse, this takes ~0.01 s as columns (a dict of its entries
another 0.05 s, made only when they are needed), and the gallery's sizes are one comparison of columns. ``MAGIC``,
the count and a CRC-32 of the rest; then the mtimes (int64), widths and heights (int32), and the paths as UTF-8
(undecodable bytes kept through ``surrogateescape``, as ``os.fsdecode`` makes them) separated by NUL, which no
path holds.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motis_desktop.core.atomic import write_bytes_atomic

MAGIC = b"MOTISSZ1"
_HEAD = struct.Struct("<8sII")  # magic, count, CRC-32 of the body

Entry = tuple[int, int, int]  # mtime_ns, width, height (0 x 0: the header did not say)


@dataclass(frozen=True)
class SizeTable:
    """The file's columns in its order: what a start-up needs without building a dict of 100k tuples
    (:meth:`aspects`), and the dict (:meth:`entries`) for anything else."""

    paths: list[str]
    mtimes: np.ndarray  # int64
    widths: np.ndarray  # int32
    heights: np.ndarray  # int32

    def entries(self) -> dict[str, Entry]:
        rows = zip(self.mtimes.tolist(), self.widths.tolist(), self.heights.tolist(), strict=True)
        return dict(zip(self.paths, rows, strict=True))

    def aspects(
        self, paths: list[str], mtimes: list[int], start: int = 0
    ) -> tuple[list[float | None], list[int]] | None:
        """Width / height of each photo (None: the header did not say) and the positions in ``paths`` of those read
        before their file last changed, when ``paths`` are exactly this table's paths from ``start`` on, in its order
        (a chunk of the gallery the file was last written for: see ``sizes.GalleryAspects``); else None."""
        end = start + len(paths)
        if end > len(self.paths) or self.paths[start:end] != paths:
            return None
        current = np.array(mtimes, dtype=np.int64) == self.mtimes[start:end]
        widths, heights = self.widths[start:end], self.heights[start:end]
        known = current & (widths > 0) & (heights > 0)
        ratios = (widths / np.where(known, heights, 1)).tolist()
        changed = np.flatnonzero(~current).tolist()
        return [r if k else None for r, k in zip(ratios, known.tolist(), strict=True)], changed


def read_sizes(path: Path) -> SizeTable:
    """The file at ``path``: OSError if it cannot be read, ValueError if it is not one (damaged)."""
    data = path.read_bytes()
    if len(data) < _HEAD.size:
        raise ValueError(f"{path}: too short")
    magic, count, crc = _HEAD.unpack_from(data)
    body = memoryview(data)[_HEAD.size :]
    if magic != MAGIC or len(body) < 16 * count or zlib.crc32(body) != crc:
        raise ValueError(f"{path}: not a photo-size cache, or damaged")
    mtimes = np.frombuffer(body, dtype="<i8", count=count).astype(np.int64)
    widths = np.frombuffer(body, dtype="<i4", count=count, offset=8 * count).astype(np.int32)
    heights = np.frombuffer(body, dtype="<i4", count=count, offset=12 * count).astype(np.int32)
    paths = bytes(body[16 * count :]).decode("utf-8", "surrogateescape").split("\0") if count else []
    if len(paths) != count:
        raise ValueError(f"{path}: damaged")
    return SizeTable(paths, mtimes, widths, heights)


def write_sizes(path: Path, entries: dict[str, Entry]) -> None:
    """Write ``entries`` to ``path`` atomically, in their order (OSError when it cannot be written)."""
    values = np.array(list(entries.values()), dtype=np.int64).reshape(-1, 3)
    body = b"".join(
        (
            values[:, 0].astype("<i8").tobytes(),
            values[:, 1].astype("<i4").tobytes(),
            values[:, 2].astype("<i4").tobytes(),
            "\0".join(entries).encode("utf-8", "surrogateescape"),
        )
    )
    write_bytes_atomic(path, _HEAD.pack(MAGIC, len(entries), zlib.crc32(body)) + body)
