"""Exact search: one matrix product per query batch and ``argpartition`` top-K.

One query over a large float32 library (once ``prepare`` was called: the app and the query service, not a
one-shot search) first narrows the library down with a coarse int8 copy of the vectors and rescores the
candidates in float32 (``coarse.py``): the same hits and scores, a quarter of the memory read.

float16 storage is scored in torch (NumPy's float16 product is ~12x slower): a half
product picks candidates, which are rescored in float32 so scores and order match
float32 search up to the storage rounding.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from motis_desktop.core.search.indexes.base import VectorIndex
from motis_desktop.core.search.indexes.coarse import COARSE_MIN, CoarseScan
from motis_desktop.core.vectors import l2_normalize, scores_of

_RESCORE_EXTRA = 32  # float16 candidates beyond k rescored in float32


class ExactIndex(VectorIndex):
    """Brute force over a normalized matrix (float32, or float16 storage with float32 accumulation)."""

    strategy = "exact"

    def __init__(self, float16: bool = False) -> None:
        super().__init__()
        self.float16 = float16
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, 0), dtype=np.float16 if float16 else np.float32)
        self._view: tuple[np.ndarray, Any] | None = None  # (matrix, torch view of it) for float16 scoring
        # (the vectors it was made from, its codes): made in the background once ``prepare`` was called
        self._coarse: tuple[np.ndarray, CoarseScan] | None = None
        self._coarse_wanted = False
        self._coarse_thread: threading.Thread | None = None

    def params(self) -> dict[str, Any]:
        return {"float16": self.float16}

    def ids(self) -> np.ndarray:
        return self._ids

    def vectors(self) -> np.ndarray:
        """The stored unit vectors, row i belonging to ``ids()[i]`` (float16 when so configured)."""
        return self._vectors

    def _build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._coarse = None  # (each change drops the coarse copy: it holds the vectors it was made from)
        self._ids = ids.copy()
        self._vectors = vectors.astype(self._dtype, copy=False) if len(ids) else np.zeros((0, 0), self._dtype)

    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.remove(ids)
        self._coarse = None
        new: np.ndarray = vectors.astype(self._dtype, copy=False)
        self._vectors = new if not len(self._ids) else np.vstack([self._vectors, new])
        self._ids = np.concatenate([self._ids, ids])
        self._dim = self._vectors.shape[1]

    def remove(self, ids: np.ndarray) -> None:
        if not len(self._ids) or not len(ids):
            return
        keep = ~np.isin(self._ids, np.asarray(ids, dtype=np.int64))
        if not keep.all():
            self._ids, self._vectors, self._coarse = self._ids[keep], self._vectors[keep], None

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """Cosine similarity of each query to every stored vector, ``[Q, N]`` float32."""
        queries = l2_normalize(np.atleast_2d(queries))
        if not self.float16:
            if len(queries) == 1 and len(self._vectors):
                return scores_of(self._vectors, queries[0])[None, :]
            scores: np.ndarray = queries @ self._vectors.T
            return scores
        half: np.ndarray = self._half_scores(queries).float().numpy()
        return half

    def _half_scores(self, queries: np.ndarray) -> Any:
        import torch

        if self._view is None or self._view[0] is not self._vectors:
            self._view = (self._vectors, torch.from_numpy(self._vectors))  # shares memory, no copy
        matrix = self._view[1]
        return torch.from_numpy(queries).to(torch.float16) @ matrix.T

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = np.atleast_2d(queries)
        k = min(k, len(self._ids))
        if k <= 0:
            return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0), np.float32)
        if self.float16:
            return self._search_half(l2_normalize(queries), k)
        if len(queries) == 1 and len(self._ids) >= COARSE_MIN and 4 * k <= len(self._ids):
            found = self._search_coarse(l2_normalize(queries)[0], k)
            if found is not None:
                return found
        scores = self.scores(queries)
        if k < scores.shape[1]:
            part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        else:
            part = np.tile(np.arange(scores.shape[1]), (len(queries), 1))
        top = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-top, axis=1, kind="stable")
        best = np.take_along_axis(part, order, axis=1)
        return self._ids[best], np.take_along_axis(top, order, axis=1).astype(np.float32)

    def prepare(self, wait: bool = False) -> None:
        """Make the coarse copy of a large float32 index in the background (``wait``: now), and again after each
        change; until it is ready, queries score every vector in float32 (as in a one-shot search)."""
        if self.float16:
            return
        self._coarse_wanted = True
        vectors = self._vectors
        if len(vectors) < COARSE_MIN or self._coarse_of(vectors) is not None:
            return
        running = self._coarse_thread
        if running is not None and running.is_alive():
            if not wait:
                return  # it is making the copy of earlier vectors; the next query starts the next one
            running.join()
            if self._coarse_of(vectors) is not None:
                return
        thread = threading.Thread(target=self._make_coarse, args=(vectors,), name="motis-coarse", daemon=True)
        self._coarse_thread = thread
        thread.start()
        if wait:
            thread.join()

    def _coarse_of(self, vectors: np.ndarray) -> CoarseScan | None:
        made = self._coarse
        return made[1] if made is not None and made[0] is vectors else None

    def _make_coarse(self, vectors: np.ndarray) -> None:
        made = CoarseScan(vectors)
        if vectors is self._vectors:  # not changed meanwhile
            self._coarse = (vectors, made)

    def _search_coarse(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray] | None:
        coarse = self._coarse_of(self._vectors)
        if coarse is None:
            if self._coarse_wanted:
                self.prepare()
            return None
        found = coarse.search(self._vectors, query, k)
        if found is None:
            return None
        rows, scores = found
        return self._ids[rows][None, :], scores.astype(np.float32)[None, :]

    def _search_half(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import torch

        wide = min(k + _RESCORE_EXTRA, len(self._ids))
        candidates = torch.topk(self._half_scores(queries), wide, dim=1).indices.numpy()
        rows = self._vectors[candidates].astype(np.float32)  # [Q, wide, D]
        exact = np.einsum("qwd,qd->qw", rows, queries)
        order = np.argsort(-exact, axis=1, kind="stable")[:, :k]
        best = np.take_along_axis(candidates, order, axis=1)
        return self._ids[best], np.take_along_axis(exact, order, axis=1).astype(np.float32)

    # -- persistence ---------------------------------------------------------

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"ids": self._ids, "vectors": self._vectors}

    def _restore(self, header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        self._coarse = None
        self._ids = arrays["ids"].astype(np.int64)
        self._vectors = arrays["vectors"].astype(self._dtype, copy=False)
        self._dim = int(header["dim"])

    @property
    def _dtype(self) -> type:
        return np.float16 if self.float16 else np.float32
