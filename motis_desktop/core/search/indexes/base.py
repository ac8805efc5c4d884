"""The interface of every vector index and its on-disk container format.

An index file is ``MAGIC``, a little-endian u32 header length, a JSON header,
then an ``.npz`` payload. The header records the format version, strategy,
model id, dimension, count, a CRC32 of the id list and of the payload (plus
any side files, e.g. Annoy's tree file). Files are written atomically; any
mismatch on load raises :class:`IndexCorrupt` so the caller rebuilds.
"""

from __future__ import annotations

import io
import json
import mmap
import os
import struct
import time
import uuid
import zlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any, cast

import numpy as np

from motis_desktop.core.atomic import write_atomic
from motis_desktop.core.vectors import l2_normalize

MAGIC = b"MOTISIDX"
FORMAT_VERSION = 1
_CRC_PART = 64 << 20  # bytes of a side file checked at a time (a multiple of every page size)
# What :meth:`VectorIndex.save` writes into every header (the rest is the caller's ``extra``).
HEADER_KEYS = frozenset(
    {"format_version", "save_id", "strategy", "model_id", "dim", "count", "ids_crc32", "payload_len",
     "payload_crc32", "params", "side_files"}
)  # fmt: skip


class IndexCorrupt(Exception):
    """An index file that is missing, truncated, corrupted or made for something else."""


class VectorIndex(ABC):
    """Nearest neighbours by cosine similarity over unit vectors, keyed by int64 ids."""

    strategy: str = ""

    def __init__(self) -> None:
        self._dim = 0
        self.build_s: float | None = None  # seconds the last build() took; None for an index loaded from disk
        self.disk_bytes: int | None = None  # bytes on disk (with side files) after save() or load()
        self.header: dict[str, Any] = {}  # the file header it was loaded from (or last saved with)

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the contents with ``ids`` and their ``vectors`` (rows are L2-normalized here)."""
        started = time.perf_counter()
        ids = np.asarray(ids, dtype=np.int64)
        vectors = l2_normalize(vectors) if len(ids) else np.zeros((0, self._dim), np.float32)
        if len(ids):
            self._dim = vectors.shape[1]
        self._build(ids, vectors)
        self.build_s = time.perf_counter() - started

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert vectors; an id already present is replaced."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids):
            self._add(ids, l2_normalize(vectors))

    @abstractmethod
    def _build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Replace the contents; ``ids`` are int64, ``vectors`` unit rows (``[0, dim]`` when empty)."""

    @abstractmethod
    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert at least one vector (int64 ids, unit rows); an id already present is replaced."""

    @abstractmethod
    def remove(self, ids: np.ndarray) -> None:
        """Remove ids (unknown ids are ignored); they never appear in results afterwards."""

    @abstractmethod
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(ids int64 [Q, k'], scores float32 [Q, k'])`` best first, ``k' <= k``; id -1 pads short rows."""

    def search_above(self, query: np.ndarray, k: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, scores)`` of one unit ``query``: every photo of its top ``k`` that scores ``floor`` or more,
        best first; photos below ``floor`` may be left out (the exact index then rescores fewer candidates)."""
        ids, scores = self.search(query[None, :], k)
        return ids[0], scores[0]

    @abstractmethod
    def ids(self) -> np.ndarray:
        """Every id currently in the index."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """The parameters that shape this index (for stats and benchmarks)."""

    @abstractmethod
    def _arrays(self) -> dict[str, np.ndarray]:
        """Arrays that fully describe the index (saved in the payload)."""

    @abstractmethod
    def _restore(self, header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        """Rebuild in-memory state from a verified payload."""

    def __len__(self) -> int:
        return len(self.ids())

    def prepare(self, wait: bool = False) -> None:  # noqa: B027
        """Start making what makes later queries faster (none by default; ``wait``: until it is made)."""

    def needs_rebuild(self) -> bool:
        """True when a full rebuild would restore quality (e.g. too many additions since training)."""
        return False

    # -- persistence ---------------------------------------------------------

    def save(self, path: str | os.PathLike[str], model_id: str, extra: dict[str, Any] | None = None) -> None:
        """Write the index atomically to ``path`` (side files are written first)."""
        path = Path(path)
        arrays = self._arrays()
        side = self._save_side_files(path)
        buf = io.BytesIO()
        np.savez(buf, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds like allow_pickle
        payload = buf.getvalue()
        ids = np.ascontiguousarray(self.ids(), dtype=np.int64)
        header = {
            "format_version": FORMAT_VERSION,
            "save_id": uuid.uuid4().hex,  # names exactly this file's contents (what is kept beside it refers to it)
            "strategy": self.strategy,
            "model_id": model_id,
            "dim": int(self.dim),
            "count": int(len(ids)),
            "ids_crc32": zlib.crc32(ids.tobytes()),
            "payload_len": len(payload),
            "payload_crc32": zlib.crc32(payload),
            "params": self.params(),
            "side_files": side,
            **(extra or {}),
        }
        head = json.dumps(header, sort_keys=True).encode()
        head += b" " * _aligning_pad(len(MAGIC) + 4 + len(head), payload)

        def write(fh: Any) -> None:
            fh.write(MAGIC + struct.pack("<I", len(head)) + head)
            fh.write(payload)

        write_atomic(path, write)
        self.header = header
        self.disk_bytes = path.stat().st_size + sum(s["size"] for s in side.values())
        self._cleanup_side_files(path, side)

    @classmethod
    def load(cls, path: str | os.PathLike[str], model_id: str, dim: int | None = None) -> VectorIndex:
        """Read and verify an index saved by :meth:`save`; IndexCorrupt on any mismatch."""
        path = Path(path)
        header, arrays = read_index_file(path)
        if header.get("strategy") != cls.strategy:
            raise IndexCorrupt(f"{path}: holds a {header.get('strategy')!r} index, expected {cls.strategy!r}")
        if header.get("model_id") != model_id:
            raise IndexCorrupt(f"{path}: built for model {header.get('model_id')!r}, not {model_id!r}")
        if dim is not None and header.get("dim") != dim:
            raise IndexCorrupt(f"{path}: dimension {header.get('dim')} != {dim}")
        for name, meta in header.get("side_files", {}).items():
            side = path.with_name(name)
            if not side.is_file() or side.stat().st_size != meta["size"] or _file_crc32(side) != meta["crc32"]:
                raise IndexCorrupt(f"{path}: side file {name} is missing or damaged")
        try:
            index = cls(**header.get("params", {}))
        except (TypeError, ValueError) as exc:  # parameters this version does not take (e.g. retired ones)
            raise IndexCorrupt(f"{path}: parameters {header.get('params')!r} ({exc})") from None
        index._restore(header, arrays, path)
        ids = np.ascontiguousarray(index.ids(), dtype=np.int64)
        if len(ids) != header["count"] or zlib.crc32(ids.tobytes()) != header["ids_crc32"]:
            raise IndexCorrupt(f"{path}: id list does not match its header")
        index.disk_bytes = path.stat().st_size + sum(m["size"] for m in header.get("side_files", {}).values())
        index.header = header
        return index

    def _save_side_files(self, path: Path) -> dict[str, dict[str, int]]:
        return {}

    def _cleanup_side_files(self, path: Path, keep: dict[str, dict[str, int]]) -> None:  # noqa: B027
        """Delete side files of ``path`` other than ``keep`` (none by default)."""

    @property
    def dim(self) -> int:
        return self._dim


def read_index_file(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Header and arrays of an index file, after checking magic, lengths and checksums."""
    try:
        data = read_whole(path)
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    if data[: len(MAGIC)] != MAGIC or len(data) < len(MAGIC) + 4:
        raise IndexCorrupt(f"{path}: not an index file")
    (head_len,) = struct.unpack("<I", data[len(MAGIC) : len(MAGIC) + 4])
    start = len(MAGIC) + 4
    try:
        header = json.loads(data[start : start + head_len])
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to be ours
        raise IndexCorrupt(f"{path}: damaged header") from None
    if not isinstance(header, dict):
        raise IndexCorrupt(f"{path}: damaged header")
    if header.get("format_version") != FORMAT_VERSION:
        raise IndexCorrupt(f"{path}: format version {header.get('format_version')} != {FORMAT_VERSION}")
    payload = memoryview(data)[start + head_len :]  # no copy: the arrays are views of ``data``
    if len(payload) != header.get("payload_len") or zlib.crc32(payload) != header.get("payload_crc32"):
        raise IndexCorrupt(f"{path}: truncated or corrupted payload")
    try:
        return header, npz_views(data)
    except Exception as exc:  # a payload that passed the CRC but is still unreadable
        raise IndexCorrupt(f"{path}: unreadable payload ({exc})") from None


def read_whole(path: Path) -> bytes | mmap.mmap:
    """A file's bytes, mapped rather than read where a mapped file can still be replaced (POSIX; index files are
    only ever replaced by a rename, never rewritten in place). Mapping 200 MB of vectors from the page cache
    costs 0.07 s instead of 0.19 s (no copy into fresh memory; 0.01 s of system time instead of 0.13) at
    start-up, and under memory pressure the kernel can drop the pages rather than swap them."""
    with open(path, "rb") as fh:
        if os.name != "posix" or os.fstat(fh.fileno()).st_size == 0:  # an empty file cannot be mapped
            return fh.read()
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def npz_views(data: bytes | mmap.mmap) -> dict[str, np.ndarray]:
    """The arrays of the stored (uncompressed) ``.npz`` that ends ``data`` as read-only views of ``data``:
    a 100k-vector index is read once, not copied twice more (slice, then ``np.load``)."""
    arrays: dict[str, np.ndarray] = {}
    for name, start, shape, fortran, dtype in _npz_members(data):
        count = int(np.prod(shape)) if shape else 1
        view = np.frombuffer(data, dtype=dtype, count=count, offset=start).reshape(shape, order="F" if fortran else "C")
        # A misaligned view (files written before the header was padded) makes NumPy's matrix product skip
        # BLAS: 20-fold slower exact search. Copy it once instead.
        arrays[name.removesuffix(".npy")] = view if view.flags.aligned else view.copy()
    return arrays


def _npz_members(data: bytes | mmap.mmap) -> list[tuple[str, int, tuple[int, ...], bool, np.dtype[Any]]]:
    """(name, data offset in ``data``, shape, Fortran order, dtype) of each stored ``.npy`` of the ``.npz`` that
    ends ``data``."""
    import zipfile

    members = []
    # BytesIO shares a bytes object (a slice or memoryview of it would be copied: 205 MB at 100k vectors), a map
    # is a file already; zipfile reads an archive after other data, and its offsets then count from its start.
    with zipfile.ZipFile(cast(IO[bytes], data) if isinstance(data, mmap.mmap) else io.BytesIO(data)) as archive:
        for info in archive.infolist():
            local = info.header_offset
            name_len, extra_len = struct.unpack("<HH", data[local + 26 : local + 30])
            member = local + 30 + name_len + extra_len
            if info.compress_type != zipfile.ZIP_STORED or data[member : member + 6] != b"\x93NUMPY":
                raise ValueError(f"member {info.filename} is not a stored .npy")
            head = io.BytesIO(data[member : member + min(info.file_size, 65536)])
            major, _ = np.lib.format.read_magic(head)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(head)
            if dtype.hasobject:
                raise ValueError(f"member {info.filename} holds objects")
            members.append((info.filename, member + head.tell(), shape, fortran, dtype))
    return members


def _aligning_pad(payload_start: int, payload: bytes) -> int:
    """Spaces to add after the JSON header so the largest array of ``payload`` starts on a 64-byte boundary in
    the file (its view is then aligned for BLAS without a copy)."""
    members = _npz_members(payload)
    if not members:
        return 0
    largest = max(members, key=lambda m: int(np.prod(m[2])) * m[4].itemsize)
    return -(payload_start + largest[1]) % 64


def _file_crc32(path: Path) -> int:
    """CRC32 of a file, read through a map: no copy of every byte (the k-means index's 2 GB of float32 rows at 1M
    photos: ~1 s less at start-up than reading it in chunks); each part read is unmapped at once, so the process
    never holds more than one part (its peak resident memory stays ~2 GB lower at 1M photos)."""
    crc = 0
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if not size:
            return 0
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped, memoryview(mapped) as view:
            for start in range(0, size, _CRC_PART):
                crc = zlib.crc32(view[start : start + _CRC_PART], crc)
                if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
                    mapped.madvise(mmap.MADV_DONTNEED, start, min(_CRC_PART, size - start))
    return crc


def topk_merge(
    ids_a: np.ndarray, scores_a: np.ndarray, ids_b: np.ndarray, scores_b: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` of two candidate lists for one query (ids unique across both)."""
    ids = np.concatenate([ids_a, ids_b])
    scores = np.concatenate([scores_a, scores_b])
    order = np.argsort(-scores, kind="stable")[:k]
    return ids[order], scores[order].astype(np.float32)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest scores of a 1-D array, best first."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.argsort(-scores[part], kind="stable")]


def pad_results(rows: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Stack per-query results; rows shorter than the longest are padded with id -1, score -inf."""
    width = max((len(r[0]) for r in rows), default=0)
    ids = np.full((len(rows), width), -1, dtype=np.int64)
    scores = np.full((len(rows), width), -np.inf, dtype=np.float32)
    for i, (row_ids, row_scores) in enumerate(rows):
        ids[i, : len(row_ids)] = row_ids
        scores[i, : len(row_scores)] = row_scores
    return ids, scores
