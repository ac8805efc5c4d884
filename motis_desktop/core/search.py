"""Vector search over stored embeddings.

``VectorIndex`` is the interface every strategy implements (the exact one is
here; approximate ones plug in beside it). ``SearchService`` keeps one index
per model, rebuilt when the library's change counter moves, and turns hits
into paths, dropping files that vanished from disk since the last index run.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from motis_desktop.core.encoders.base import Encoder, l2_normalize
from motis_desktop.core.library import LibraryStore


class VectorIndex(Protocol):
    """Nearest neighbours by inner product over unit vectors."""

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(ids int64 [Q, k'], scores float32 [Q, k'])`` best first, ``k' = min(k, len)``."""
        ...

    def __len__(self) -> int: ...


class ExactIndex:
    """Brute force: one matrix product and ``argpartition`` top-K."""

    def __init__(self) -> None:
        self.ids = np.zeros(0, dtype=np.int64)
        self.vectors = np.zeros((0, 0), dtype=np.float32)

    def build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.vectors = l2_normalize(vectors) if len(ids) else np.zeros((0, 0), dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = l2_normalize(np.atleast_2d(queries))
        k = min(k, len(self.ids))
        if k <= 0:
            return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0), np.float32)
        scores = queries @ self.vectors.T  # [Q, N]
        if k < scores.shape[1]:
            part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        else:
            part = np.tile(np.arange(scores.shape[1]), (len(queries), 1))
        top = np.take_along_axis(scores, part, axis=1)
        order = np.argsort(-top, axis=1, kind="stable")
        best = np.take_along_axis(part, order, axis=1)
        return self.ids[best], np.take_along_axis(top, order, axis=1).astype(np.float32)


@dataclass(frozen=True)
class SearchHit:
    file_id: int
    path: str
    score: float

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "score": round(self.score, 6)}


class SearchService:
    """Per-model indexes over the library, refreshed when the library changes."""

    def __init__(self, store: LibraryStore, index_factory: Callable[[], VectorIndex] = ExactIndex) -> None:
        self.store = store
        self.index_factory = index_factory
        self._indexes: dict[str, tuple[int, VectorIndex]] = {}
        self._lock = threading.Lock()

    def index_for(self, model_id: str) -> VectorIndex:
        """The index of ``model_id``'s embeddings, rebuilt if the library changed since."""
        version = self.store.version()
        with self._lock:
            cached = self._indexes.get(model_id)
            if cached and cached[0] == version:
                return cached[1]
            ids, vectors = self.store.embeddings(model_id)
            index = self.index_factory()
            index.build(ids, vectors)
            self._indexes[model_id] = (version, index)
            return index

    def search_vector(self, model_id: str, query: np.ndarray, k: int = 10,
                      exclude: frozenset[int] = frozenset()) -> list[SearchHit]:
        """Top ``k`` files for a query vector; files missing on disk are skipped."""
        index = self.index_for(model_id)
        want = k + len(exclude)
        while True:
            ids, scores = index.search(query, want)
            ids, scores = ids[0], scores[0]
            paths = self.store.paths(int(i) for i in ids)
            hits = [SearchHit(int(i), paths[int(i)], float(s)) for i, s in zip(ids, scores)
                    if int(i) in paths and int(i) not in exclude and os.path.lexists(paths[int(i)])]
            if len(hits) >= k or len(ids) < want:
                return hits[:k]
            want *= 2

    def search_text(self, encoder: Encoder, text: str, k: int = 10) -> list[SearchHit]:
        """Top ``k`` files for a text query under ``encoder``'s model."""
        query = encoder.encode_queries([text])
        return self.search_vector(encoder.model_id, query, k)

    def similar(self, model_id: str, file_id: int, k: int = 10) -> list[SearchHit]:
        """Files most like ``file_id`` (query by its stored embedding), excluding itself."""
        vector = self.store.embedding_of(file_id, model_id)
        if vector is None:
            return []
        return self.search_vector(model_id, vector[None, :], k, exclude=frozenset({file_id}))
