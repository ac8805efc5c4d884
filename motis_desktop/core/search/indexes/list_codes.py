"""The k-means index's lists as int8 codes: a query's candidates in a quarter of the memory, float32 for the few.

The k-means index kept its vectors in float32 in memory: 2.05 GB at 1M × 512, most of what the app held. It now
keeps them like the exact index's coarse copy (``coarse.py``: each vector's difference from the library's mean,
turned by the same seeded random rotation, in int8 with one scale per dimension; 0.5 GB at 1M) and the float32
vectors in a file beside the index (``row_store.py``), of which a query reads only the rows it shortlists.

Each list's codes are one contiguous ``[D, n]`` block (a probed list is one ``MatMulInteger`` pass, as
``coarse.scan`` wants it). A coarse score is within ``margin`` of the float32 cosine except with the probability
``coarse.py`` states per vector, so the rows that can be among a query's top ``k`` are those whose coarse score
is at least the ``k``-th best lower bound (coarse score minus margin, or a pending vector's float32 score) minus
``margin``; those are rescored in float32, and the top ``k`` and their scores are float32 ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from motis_desktop.core.search.indexes.coarse import code_levels, code_scale, query_codes, rotation, scan

_CHUNK = 8192  # rows rotated at a time (stays in cache)


@dataclass(frozen=True)
class QueryCodes:
    """One query made ready for :meth:`ListCodes.coarse`: coarse cosine = ``dots · step + base`` ± ``margin``."""

    codes: np.ndarray
    step: float
    base: float
    margin: float


class ListCodes:
    """int8 codes of unit float32 rows sorted by list (``offsets`` delimit the lists), list by list."""

    def __init__(self, turn: np.ndarray, mean: np.ndarray, scale: np.ndarray, codes: np.ndarray, code_sums: np.ndarray):
        self.rotation, self.mean, self.scale, self.codes, self.code_sums = turn, mean, scale, codes, code_sums
        self.max_code_norm2 = 0.0
        self.dim = len(mean)
        self.levels = code_levels()

    @classmethod
    def made(cls, vectors: np.ndarray, offsets: np.ndarray) -> ListCodes:
        """Codes of ``vectors`` (``[N, D]``, sorted by list) for lists delimited by ``offsets``."""
        n, dim = vectors.shape
        if not n:  # (dimension 0 for an index not built yet)
            empty = np.zeros((dim, dim), np.float32), np.zeros(dim, np.float32), np.ones(dim, np.float32)
            return cls(*empty, np.zeros(0, np.int8), np.zeros(0, np.int32))
        mean = vectors.mean(axis=0, dtype=np.float64).astype(np.float32)
        rot = rotation(dim)
        scale = code_scale(vectors, mean, rot, code_levels())  # first pass: each rotated dimension's range
        codes = np.empty(n * dim, dtype=np.int8)
        code_sums = np.empty(n, dtype=np.int32)
        made = cls(rot, mean, scale, codes, code_sums)
        for lo, hi in zip(offsets[:-1], offsets[1:]):  # second pass: each list's block
            for start in range(int(lo), int(hi), _CHUNK):
                end = min(int(hi), start + _CHUNK)
                made._put(vectors[start:end], start, int(lo), int(hi))
        return made

    def _put(self, rows: np.ndarray, start: int, lo: int, hi: int) -> None:
        """Quantize ``rows`` (rows ``start..`` of the list ``lo..hi``) into that list's block."""
        part = self._rounded(rows)
        self.code_sums[start : start + len(rows)] = part.sum(axis=1)
        self.block(lo, hi)[:, start - lo : start - lo + len(rows)] = part.T.astype(np.int8)

    def _rounded(self, rows: np.ndarray) -> np.ndarray:
        """``rows``' codes, still in float32 (``[n, D]``), counted into ``max_code_norm2``."""
        part: np.ndarray = np.rint(((rows - self.mean) @ self.rotation.T) / self.scale)
        if len(part):
            self.max_code_norm2 = max(self.max_code_norm2, float(np.einsum("nd,nd->n", part, part).max()))
        return part

    def compacted(
        self, offsets: np.ndarray, alive: np.ndarray, added: np.ndarray, added_lists: np.ndarray, laid: np.ndarray
    ) -> ListCodes | None:
        """The codes after a compaction: each list's living rows (``alive``, lists delimited by ``offsets``), then
        the ``added`` rows of that list (``added_lists``: their lists) in their order, as the new ``laid``
        offsets delimit them. The kept rows' codes are reused (at 1M photos, quantizing every row again takes
        ~20 s on 2 cores); None when an added row lies outside the scales' range (then make them all again)."""
        part = self._rounded(added) if len(added) else np.zeros((0, self.dim), np.float32)
        if len(part) and float(np.abs(part).max()) > self.levels:
            return None
        made = ListCodes(self.rotation, self.mean, self.scale, np.empty(int(laid[-1]) * self.dim, np.int8),
                         np.empty(int(laid[-1]), np.int32))  # fmt: skip
        made.max_code_norm2, made.levels = self.max_code_norm2, self.levels
        order = np.argsort(added_lists, kind="stable")
        bounds = np.searchsorted(added_lists[order], np.arange(len(offsets)))
        for c in range(len(offsets) - 1):
            lo, hi, new_lo, new_hi = int(offsets[c]), int(offsets[c + 1]), int(laid[c]), int(laid[c + 1])
            kept, mine = alive[lo:hi], order[bounds[c] : bounds[c + 1]]
            block, held = made.block(new_lo, new_hi), int(np.count_nonzero(kept))
            block[:, :held] = self.block(lo, hi)[:, kept]
            block[:, held:] = part[mine].T
            made.code_sums[new_lo : new_lo + held] = self.code_sums[lo:hi][kept]
            made.code_sums[new_lo + held : new_hi] = part[mine].sum(axis=1)
        return made

    def block(self, lo: int, hi: int) -> np.ndarray:
        """The ``[D, hi - lo]`` codes of the list of rows ``lo..hi`` (a view)."""
        return self.codes[lo * self.dim : hi * self.dim].reshape(self.dim, hi - lo)

    def arrays(self) -> dict[str, np.ndarray]:
        """What :meth:`restored` takes back (saved in the index's payload)."""
        key = np.asarray([self.levels], dtype=np.int64)
        norm = np.asarray([self.max_code_norm2], dtype=np.float64)
        return {"code_rotation": self.rotation, "code_mean": self.mean, "code_scale": self.scale, "codes": self.codes,
                "code_sums": self.code_sums, "code_levels": key, "code_norm2": norm}  # fmt: skip

    @classmethod
    def restored(cls, arrays: dict[str, np.ndarray], count: int, dim: int) -> ListCodes | None:
        """Codes saved by :meth:`arrays` for ``count`` rows of ``dim`` (their rotation kept with them: a start
        does not make it again, 0.2 s); None when made for a CPU whose int8 sums are wider than this one's (then
        they are made again from the vectors)."""
        if int(arrays["code_levels"][0]) > code_levels():
            return None
        shapes = {"code_rotation": (dim, dim), "code_mean": (dim,), "code_scale": (dim,), "codes": (count * dim,),
                  "code_sums": (count,)}  # fmt: skip
        if any(arrays[name].shape != shape for name, shape in shapes.items()):
            raise ValueError(f"code arrays of other shapes than {shapes}")
        made = cls(*(arrays[name] for name in shapes))
        made.max_code_norm2, made.levels = float(arrays["code_norm2"][0]), int(arrays["code_levels"][0])
        return made

    def prepare(self, query: np.ndarray) -> QueryCodes:
        """The query's codes, step, offset and margin."""
        codes, step, margin = query_codes(self.rotation, self.scale, self.max_code_norm2, query)
        return QueryCodes(codes, step, float(np.dot(query, self.mean)), margin)

    def coarse(self, query: QueryCodes, lo: int, hi: int) -> np.ndarray:
        """Coarse cosines (float64) of the rows ``lo..hi`` of one list."""
        dots = scan(query.codes, self.block(lo, hi), threads=1) - 128 * self.code_sums[lo:hi]
        coarse: np.ndarray = dots * query.step + query.base
        return coarse


def shortlist(coarse: np.ndarray, margin: float, exact: np.ndarray, k: int, floor: float | None) -> np.ndarray:
    """Positions in ``coarse`` of the rows that can be among the top ``k`` of ``coarse``'s rows and of rows already
    scored ``exact`` (or, with a ``floor``, that can score ``floor`` or more): all of them when the margin is not
    finite (a vector with a non-finite value)."""
    if k <= 0:
        return np.zeros(0, np.int64)
    if not math.isfinite(margin) or len(coarse) + len(exact) <= k:
        return np.arange(len(coarse))
    lower = np.concatenate([coarse - margin, exact])
    least = np.partition(lower, len(lower) - k)[len(lower) - k] - margin
    if floor is not None and math.isfinite(floor):
        least = max(least, floor - margin)
    return np.flatnonzero(coarse >= least)
