"""The k-means index's float32 vectors: in memory until saved, then in a file beside the index, mapped.

A query reads only the rows it rescores (``list_codes.py``), and the mapped pages are handed back to the system
every few queries (they are clean: the file holds them), so of the 2 GB of float32 vectors at 1M photos the app
holds at most ``RELEASE_BYTES`` (and at most an eighth of a smaller file). The file (``<index>.<random>.f32``:
the rows, raw little-endian float32) is never rewritten: a save whose rows are unchanged names the same file, one
with new rows writes a new file under a new name, and the old one is deleted once no index file names it. So a
file that a running app maps is never replaced (Windows refuses to replace a mapped file; POSIX keeps a deleted
file's mapping valid).
"""

from __future__ import annotations

import logging
import mmap
import uuid
import zlib
from pathlib import Path
from typing import IO

import numpy as np

from motis_desktop.core.atomic import write_atomic

log = logging.getLogger(__name__)

SUFFIX = ".f32"
_WRITE_ROWS = 65536  # rows written at a time (no second copy of every vector)
_DTYPE = np.dtype("<f4")
# Mapped pages are handed back once this much may be mapped: a query's rows lie in its probed lists (~32 MB at 1M),
# and unmapping them after every query made the next one fault them in again (600 rows: 2.3 ms instead of 0.1 ms).
RELEASE_BYTES = 128 << 20
_FAULT_BYTES = 64 << 10  # what one row read may map (Linux maps up to 16 cached pages around a fault)


class RowStore:
    """Unit float32 rows ``[N, D]``; ``file``: the side file holding exactly them (its name, size, CRC32)."""

    def __init__(self, rows: np.ndarray, file: tuple[str, int, int] | None = None, mapping: mmap.mmap | None = None):
        self._rows = rows
        self.file = file
        self._mapping = mapping
        self._read_bound = 0  # bytes the rows taken since the last release may have mapped

    @property
    def mapped(self) -> bool:
        return self._mapping is not None

    @classmethod
    def opened(cls, path: Path, count: int, dim: int, crc32: int) -> RowStore:
        """The rows of the side file ``path`` (checked by the caller), mapped read-only; ValueError when its size
        is not ``count`` rows of ``dim``."""
        size = path.stat().st_size
        if size != count * dim * _DTYPE.itemsize:
            raise ValueError(f"{path.name} holds {size} bytes, not {count} rows of {dim} float32")
        file = (path.name, size, crc32)
        if not size:
            return cls(np.zeros((0, dim), np.float32), file)
        with open(path, "rb") as fh:
            mapping = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if hasattr(mapping, "madvise") and hasattr(mmap, "MADV_RANDOM"):
            mapping.madvise(mmap.MADV_RANDOM)  # rows are read a few at a time: no read-ahead
        rows = np.frombuffer(mapping, dtype=_DTYPE).reshape(count, dim)
        return cls(rows, file, mapping)

    def rows(self) -> np.ndarray:
        """Every row (read-only when mapped: pages are read as they are touched)."""
        return self._rows

    def take(self, positions: np.ndarray) -> np.ndarray:
        """A copy of the rows at ``positions``; the mapped pages read for them are handed back once the pages
        read since the last time may add up to ``RELEASE_BYTES``."""
        taken: np.ndarray = self._rows[positions]
        if self._mapping is not None:
            self._read_bound += len(positions) * _FAULT_BYTES
            if self._read_bound > min(RELEASE_BYTES, self._rows.nbytes // 8):
                self.release()
        return taken

    def release(self) -> None:
        """Unmap the pages read so far (they stay in the file and the system's cache; no resident memory)."""
        self._read_bound = 0
        if self._mapping is not None and hasattr(self._mapping, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            self._mapping.madvise(mmap.MADV_DONTNEED)

    def save(self, index_path: Path) -> tuple[str, int, int]:
        """The side file that holds these rows beside ``index_path``: the one they came from, else a new one."""
        if self.file is not None and index_path.with_name(self.file[0]).is_file():
            return self.file
        name = f"{index_path.name}.{uuid.uuid4().hex[:12]}{SUFFIX}"
        crc = 0

        def write(fh: IO[bytes]) -> None:
            nonlocal crc
            for start in range(0, len(self._rows), _WRITE_ROWS):
                chunk = np.ascontiguousarray(self._rows[start : start + _WRITE_ROWS], dtype=_DTYPE)
                crc = zlib.crc32(chunk.data, crc)
                fh.write(chunk.data)

        write_atomic(index_path.with_name(name), write)
        self.file = (name, len(self._rows) * self._rows.shape[1] * _DTYPE.itemsize, crc)
        return self.file


def remove_others(index_path: Path, keep: set[str]) -> None:
    """Delete the side files of ``index_path`` other than ``keep`` (one still mapped on Windows stays until a
    later save: it cannot be deleted yet)."""
    for old in index_path.parent.glob(f"{index_path.name}.*{SUFFIX}"):
        if old.name not in keep:
            try:
                old.unlink()
            except OSError as exc:
                log.debug("side file %s not deleted yet: %s", old, exc)
