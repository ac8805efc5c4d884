"""Inverted-file index over spherical k-means clusters ("kmeans" strategy).

Training: k-means++ seeding on a sample, then Lloyd iterations on a larger
sample, all vectorized (a matrix product per iteration; no Python loop over
points). Vectors are unit length, so the nearest centroid is the one with the
highest dot product and centroids are re-normalized means. Empty clusters are
re-seeded with the points worst served by their centroid.

Layout: the vectors sorted by cluster in one matrix (``offsets`` delimit the
lists) so probing a cluster is one contiguous matrix-vector product. Vectors
added later are assigned to their nearest centroid and kept in a small pending
block until the next compaction; removed rows are masked out at once.
The index asks for retraining once the library grew or shrank by 2x.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from motis_desktop.core.search.indexes.base import VectorIndex, pad_results, top_k
from motis_desktop.core.vectors import l2_normalize

TRAIN_SAMPLE_PER_LIST = 64
SEED_SAMPLE_PER_LIST = 8
MAX_TRAIN_SAMPLE = 200_000
_ASSIGN_BLOCK = 32768


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
        self, nlist: int | None = None, nprobe: int = 16, iterations: int = 12, seed: int = 0, trained_n: int = 0
    ) -> None:
        super().__init__()
        self.nlist = nlist
        self.nprobe = nprobe
        self.iterations = iterations
        self.seed = seed
        self.trained_n = trained_n
        self._clear()

    def _clear(self) -> None:
        self.centroids = np.zeros((0, self._dim), np.float32)
        self._ids = np.zeros(0, np.int64)
        self._vectors = np.zeros((0, self._dim), np.float32)
        self._offsets = np.zeros(1, np.int64)
        self._alive = np.zeros(0, bool)
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
        self._layout(ids, vectors, assign)

    def _layout(self, ids: np.ndarray, vectors: np.ndarray, assign: np.ndarray) -> None:
        order = np.argsort(assign, kind="stable")
        self._ids, self._vectors = ids[order], np.ascontiguousarray(vectors[order])
        self._offsets = np.searchsorted(assign[order], np.arange(len(self.centroids) + 1)).astype(np.int64)
        self._alive = np.ones(len(ids), bool)
        self._pending_ids = np.zeros(0, np.int64)
        self._pending_vectors = np.zeros((0, self._dim), np.float32)
        self._pending_assign = np.zeros(0, np.int64)

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
        """Merge pending vectors into the sorted layout and drop removed rows (no retraining)."""
        alive = self._alive
        ids = np.concatenate([self._ids[alive], self._pending_ids])
        vectors = np.vstack([self._vectors[alive], self._pending_vectors])
        assign = np.concatenate(
            [np.repeat(np.arange(len(self.centroids)), np.diff(self._offsets))[alive], self._pending_assign]
        )
        self._layout(ids, vectors, assign)

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
        probes = min(self.nprobe, len(self.centroids))
        rows = []
        for query in queries:
            lists = top_k(self.centroids @ query, probes)
            cand_ids, cand_scores = [], []
            for c in lists:
                lo, hi = self._offsets[c], self._offsets[c + 1]
                if hi > lo:
                    alive = self._alive[lo:hi]
                    cand_ids.append(self._ids[lo:hi][alive])
                    cand_scores.append((self._vectors[lo:hi] @ query)[alive])
            if len(self._pending_ids):
                mask = np.isin(self._pending_assign, lists)
                cand_ids.append(self._pending_ids[mask])
                cand_scores.append(self._pending_vectors[mask] @ query)
            ids = np.concatenate(cand_ids) if cand_ids else np.zeros(0, np.int64)
            scores = np.concatenate(cand_scores) if cand_scores else np.zeros(0, np.float32)
            best = top_k(scores, k)
            rows.append((ids[best], scores[best]))
        return pad_results(rows)

    # -- persistence ---------------------------------------------------------

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "centroids": self.centroids,
            "ids": self._ids,
            "vectors": self._vectors,
            "offsets": self._offsets,
            "alive": self._alive,
            "pending_ids": self._pending_ids,
            "pending_vectors": self._pending_vectors,
            "pending_assign": self._pending_assign,
        }

    def _restore(self, header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        self._dim = int(header["dim"])
        self.centroids = arrays["centroids"]
        self._ids, self._vectors, self._offsets = arrays["ids"], arrays["vectors"], arrays["offsets"]
        self._alive = arrays["alive"].astype(bool)
        self._pending_ids, self._pending_vectors = arrays["pending_ids"], arrays["pending_vectors"]
        self._pending_assign = arrays["pending_assign"]
