"""Inverted-file index over spherical k-means clusters ("kmeans" strategy).

Training: k-means++ seeding on a sample, then Lloyd iterations on a larger
sample, all vectorized (a matrix product per iteration; no Python loop over
points). Vectors are unit length, so the nearest centroid is the one with the
highest dot product and centroids are re-normalized means. Empty clusters are
re-seeded with the points worst served by their centroid.

Layout: the vectors sorted by cluster (``offsets`` delimit the lists), held as
int8 codes list by list (``list_codes.py``: probing a list is one contiguous
pass) while the float32 vectors stay in a file beside the index, mapped, of
which a query reads the few rows it rescores (``row_store.py``): 0.5 GB in
memory at 1M x 512 instead of 2 GB, the same hits and float32 scores. Vectors
added later are assigned to their nearest centroid and kept in float32 in a
small pending block until the next compaction; removed rows are masked out at
once. The index asks for retraining once the library grew or shrank by 2x.
An index file of the older layout (float32 vectors in its payload) is loaded,
coded and saved again in this layout at once (no retraining).
"""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from motis_desktop.core.search.indexes.base import HEADER_KEYS, IndexCorrupt, VectorIndex, pad_results, top_k
from motis_desktop.core.search.indexes.list_codes import ListCodes, shortlist
from motis_desktop.core.search.indexes.row_store import SUFFIX, RowStore, remove_others
from motis_desktop.core.vectors import l2_normalize, scores_of

log = logging.getLogger(__name__)

TRAIN_SAMPLE_PER_LIST = 64
SEED_SAMPLE_PER_LIST = 8
MAX_TRAIN_SAMPLE = 200_000
_ASSIGN_BLOCK = 32768
_GATHER_ROWS = 65536  # rows moved at a time by a compaction
LAYOUT = 2  # 1 (no "layout" parameter): float32 vectors in the payload; 2: int8 codes, float32 in a side file


def kmeans(vectors: np.ndarray, nlist: int, iterations: int = 12, seed: int = 0) -> np.ndarray:
    """Unit-norm centroids ``[nlist, D]`` of spherical k-means over unit ``vectors``."""
    rng = np.random.default_rng(seed)
    n = len(vectors)
    nlist = max(1, min(nlist, n))
    train = (
        vectors[rng.choice(n, min(n, max(nlist * TRAIN_SAMPLE_PER_LIST, nlist), MAX_TRAIN_SAMPLE), replace=False)]
        if n > nlist * TRAIN_SAMPLE_PER_LIST
        else vectors
    )
    seed_pool = train[rng.choice(len(train), min(len(train), nlist * SEED_SAMPLE_PER_LIST), replace=False)]
    centroids = _kmeans_plus_plus(seed_pool, nlist, rng)
    for _ in range(iterations):
        assign, best = assign_clusters(train, centroids)
        sums = np.zeros_like(centroids)
        _segment_sum(sums, assign, train)
        counts = np.bincount(assign, minlength=nlist)
        empty = np.flatnonzero(counts == 0)
        if len(empty):  # re-seed with the points farthest from their centroid
            worst = np.argsort(best)[: len(empty)]
            sums[empty] = train[worst]
        centroids = l2_normalize(sums)
    return centroids


def _segment_sum(out: np.ndarray, assign: np.ndarray, rows: np.ndarray) -> None:
    order = np.argsort(assign, kind="stable")
    bounds = np.searchsorted(assign[order], np.arange(len(out) + 1))
    sorted_rows = rows[order]
    nonempty = np.flatnonzero(np.diff(bounds))
    out[nonempty] = np.add.reduceat(sorted_rows, bounds[nonempty], axis=0)


def _kmeans_plus_plus(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding with distance 1 - cos (points are unit vectors)."""
    chosen = [int(rng.integers(len(points)))]
    dist = np.maximum(1.0 - points @ points[chosen[0]], 0.0)
    for _ in range(1, k):
        total = float(dist.sum())
        nxt = int(rng.choice(len(points), p=dist / total)) if total > 0 else int(rng.integers(len(points)))
        chosen.append(nxt)
        dist = np.minimum(dist, np.maximum(1.0 - points @ points[nxt], 0.0))
    centres: np.ndarray = points[chosen].copy()
    return centres


def assign_clusters(vectors: np.ndarray, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid of each vector and its similarity (block-wise matrix products)."""
    assign = np.empty(len(vectors), dtype=np.int64)
    best = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), _ASSIGN_BLOCK):
        sims = vectors[start : start + _ASSIGN_BLOCK] @ centroids.T
        assign[start : start + _ASSIGN_BLOCK] = sims.argmax(axis=1)
        best[start : start + _ASSIGN_BLOCK] = sims.max(axis=1)
    return assign, best


class KMeansIndex(VectorIndex):
    """IVF over k-means lists; ``nlist`` defaults to ~sqrt(N), ``nprobe`` lists are scanned per query."""

    strategy = "kmeans"

    def __init__(
        self,
        nlist: int | None = None,
        nprobe: int = 16,
        iterations: int = 12,
        seed: int = 0,
        trained_n: int = 0,
        layout: int = LAYOUT,
    ) -> None:
        super().__init__()
        if layout != LAYOUT:  # a newer version's file
            raise ValueError(f"layout {layout} is not {LAYOUT}")
        self.nlist = nlist
        self.nprobe = nprobe
        self.iterations = iterations
        self.seed = seed
        self.trained_n = trained_n
        self._upgraded = False  # loaded from an older layout: saved again in this one at once
        self._clear()

    def _clear(self) -> None:
        self.centroids = np.zeros((0, self._dim), np.float32)
        self._sorted(np.zeros(0, np.int64), np.zeros((0, self._dim), np.float32), np.zeros(1, np.int64))

    def _sorted(
        self, ids: np.ndarray, vectors: np.ndarray, offsets: np.ndarray, codes: ListCodes | None = None
    ) -> None:
        """Take ``ids`` and their ``vectors`` sorted by list (``offsets`` delimit the lists), none pending
        (``codes``: theirs, when made already)."""
        self._ids, self._offsets = ids, offsets
        self._store = RowStore(vectors)
        self._codes = codes or ListCodes.made(vectors, offsets)
        self._alive = np.ones(len(ids), bool)
        self._pending_ids = np.zeros(0, np.int64)
        self._pending_vectors = np.zeros((0, self._dim), np.float32)
        self._pending_assign = np.zeros(0, np.int64)

    def params(self) -> dict[str, Any]:
        return {
            "nlist": self.nlist,
            "nprobe": self.nprobe,
            "iterations": self.iterations,
            "seed": self.seed,
            "trained_n": self.trained_n,
            "layout": LAYOUT,
        }

    def ids(self) -> np.ndarray:
        return np.concatenate([self._ids[self._alive], self._pending_ids])

    def __len__(self) -> int:  # not ids(): a query asks the size a few times, and at 1M ids() copies 8 MB each time
        return int(np.count_nonzero(self._alive)) + len(self._pending_ids)

    def _build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._clear()
        self.trained_n = len(ids)
        if not len(ids):
            return
        nlist = self.nlist or max(1, int(round(math.sqrt(len(ids)))))
        self.nlist = nlist
        self.centroids = kmeans(vectors, nlist, self.iterations, self.seed)
        assign, _ = assign_clusters(vectors, self.centroids)
        order = np.argsort(assign, kind="stable")
        offsets = np.searchsorted(assign[order], np.arange(len(self.centroids) + 1)).astype(np.int64)
        self._sorted(ids[order], np.ascontiguousarray(vectors[order]), offsets)

    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if not len(self.centroids):  # nothing trained yet: train on what we have
            self.build(np.concatenate([self.ids(), ids]), vectors)
            return
        self.remove(ids)
        assign, _ = assign_clusters(vectors, self.centroids)
        self._pending_ids = np.concatenate([self._pending_ids, ids])
        self._pending_vectors = np.vstack([self._pending_vectors, vectors])
        self._pending_assign = np.concatenate([self._pending_assign, assign])
        if len(self._pending_ids) > max(1000, len(self._ids) // 10):
            self.compact()

    def compact(self) -> None:
        """Merge pending vectors into the sorted layout and drop removed rows (no retraining). The float32 rows
        are then in memory again until the next save (a new side file)."""
        kept = np.flatnonzero(self._alive)
        lists = np.repeat(np.arange(len(self.centroids)), np.diff(self._offsets))
        assign = np.concatenate([lists[kept], self._pending_assign])
        order = np.argsort(assign, kind="stable")
        old, pending = self._store.rows(), self._pending_vectors
        vectors = np.empty((len(order), self._dim), np.float32)
        for start in range(0, len(order), _GATHER_ROWS):  # one new matrix, no whole intermediate copies
            part, out = order[start : start + _GATHER_ROWS], vectors[start : start + _GATHER_ROWS]
            held = part < len(kept)
            out[held] = old[kept[part[held]]]
            out[~held] = pending[part[~held] - len(kept)]
            self._store.release()
        ids = np.concatenate([self._ids[kept], self._pending_ids])[order]
        offsets = np.searchsorted(assign[order], np.arange(len(self.centroids) + 1)).astype(np.int64)
        codes = self._codes.compacted(self._offsets, self._alive, pending, self._pending_assign, offsets)
        self._sorted(ids, vectors, offsets, codes)

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return
        self._alive &= ~np.isin(self._ids, ids)
        keep = ~np.isin(self._pending_ids, ids)
        if not keep.all():
            self._pending_ids = self._pending_ids[keep]
            self._pending_vectors = self._pending_vectors[keep]
            self._pending_assign = self._pending_assign[keep]

    def needs_rebuild(self) -> bool:
        n = len(self)
        return self.trained_n > 0 and (n > 2 * self.trained_n or n < self.trained_n / 2)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = l2_normalize(np.atleast_2d(queries))
        if not len(self.centroids):
            return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0), np.float32)
        return pad_results([self._search_one(query, k, None) for query in queries])

    def search_above(self, query: np.ndarray, k: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
        if not len(self.centroids):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return self._search_one(l2_normalize(np.atleast_2d(query))[0], k, floor)

    def _search_one(self, query: np.ndarray, k: int, floor: float | None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` of the probed lists and the pending vectors in them, float32 scores (``floor``: see
        ``search_above``): the coarse scores shortlist the lists' rows, which are rescored from the float32 rows."""
        lists = top_k(self.centroids @ query, min(self.nprobe, len(self.centroids)))
        prepared = self._codes.prepare(query)
        rows, coarse = [np.zeros(0, np.int64)], [np.zeros(0, np.float64)]
        for c in lists:
            lo, hi = int(self._offsets[c]), int(self._offsets[c + 1])
            if hi > lo:
                alive = self._alive[lo:hi]
                rows.append(np.arange(lo, hi)[alive])
                coarse.append(self._codes.coarse(prepared, lo, hi)[alive])
        pending = np.flatnonzero(np.isin(self._pending_assign, lists))
        pending_scores = scores_of(self._pending_vectors[pending], query) if len(pending) else np.zeros(0, np.float32)
        candidates = np.concatenate(rows)
        chosen = candidates[shortlist(np.concatenate(coarse), prepared.margin, pending_scores, k, floor)]
        exact = scores_of(self._store.take(chosen), query) if len(chosen) else np.zeros(0, np.float32)
        ids = np.concatenate([self._ids[chosen], self._pending_ids[pending]])
        scores = np.concatenate([exact, pending_scores]).astype(np.float32)
        best = top_k(scores, k)
        return ids[best], scores[best]

    # -- persistence: int8 codes in the payload, the float32 rows in a side file -----------------------------

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "centroids": self.centroids,
            "ids": self._ids,
            "offsets": self._offsets,
            "alive": self._alive,
            "pending_ids": self._pending_ids,
            "pending_vectors": self._pending_vectors,
            "pending_assign": self._pending_assign,
            **self._codes.arrays(),
        }

    def _save_side_files(self, path: Path) -> dict[str, dict[str, int]]:
        name, size, crc = self._store.save(path)
        return {name: {"size": size, "crc32": crc}}

    def _cleanup_side_files(self, path: Path, keep: dict[str, dict[str, int]]) -> None:
        remove_others(path, set(keep))

    def save(self, path: str | os.PathLike[str], model_id: str, extra: dict[str, Any] | None = None) -> None:
        """Save; rows held in memory are then read from their side file, mapped (their memory is given back)."""
        super().save(path, model_id, extra)
        self._upgraded = False
        if not self._store.mapped and self._store.file is not None and len(self._ids):
            name, _, crc = self._store.file
            self._store = RowStore.opened(Path(path).with_name(name), len(self._ids), self._dim, crc)

    @classmethod
    def load(cls, path: str | os.PathLike[str], model_id: str, dim: int | None = None) -> VectorIndex:
        """Load; a file of the older layout is saved again in this one and loaded from it, as at the next start
        (the older file's mapping, 2 GB at 1M photos, and the codes just made are let go; a failure to write only
        costs that memory)."""
        index = super().load(path, model_id, dim)
        if isinstance(index, KMeansIndex) and index._upgraded:
            try:
                index.save(path, model_id, {k: v for k, v in index.header.items() if k not in HEADER_KEYS})
            except OSError as exc:
                log.warning("could not save the vector index %s in the new layout: %s", path, exc)
                return index
            return super().load(path, model_id, dim)
        return index

    def _restore(self, header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        try:
            self._restore_arrays(header, arrays, path)
        except (KeyError, IndexError, StopIteration, TypeError, ValueError, OSError) as exc:  # not of this layout
            raise IndexCorrupt(f"{path}: {type(exc).__name__}: {exc}") from None

    def _restore_arrays(self, header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        self._dim = dim = int(header["dim"])
        self.centroids = arrays["centroids"]
        self._ids, self._offsets = arrays["ids"], arrays["offsets"]
        self._alive = arrays["alive"].astype(bool)
        self._pending_ids, self._pending_vectors = arrays["pending_ids"], arrays["pending_vectors"]
        self._pending_assign = arrays["pending_assign"]
        n = len(self._ids)
        if len(self._offsets) != len(self.centroids) + 1 or self._offsets[-1] != n or len(self._alive) != n:
            raise ValueError("lists that do not match the ids")
        if "codes" not in arrays:  # the older layout: float32 vectors in the payload (views of the file)
            self._store, self._upgraded = RowStore(arrays["vectors"].reshape(n, dim)), True
        else:
            name = next(name for name in header.get("side_files", {}) if name.endswith(SUFFIX))
            crc = int(header["side_files"][name]["crc32"])
            self._store = RowStore.opened(path.with_name(name), n, dim, crc)
        codes = ListCodes.restored(arrays, n, dim) if "codes" in arrays else None
        if codes is None:  # older layout, or codes made for a CPU of wider int8 sums: made again (no retraining)
            codes, self._upgraded = ListCodes.made(self._store.rows(), self._offsets), True
            self._store.release()
        self._codes = codes
