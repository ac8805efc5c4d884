"""Annoy random-projection trees ("annoy" strategy) with an exact delta for additions.

An Annoy index cannot take items after it is built, so vectors added later go
to a small :class:`ExactIndex` searched alongside it and the two result lists
are merged. Removed ids are filtered out at once. When the delta passes a
threshold the index asks to be rebuilt (the search service does that in the
background). Vectors are unit length and Annoy's angular distance d gives the
cosine as 1 - d²/2.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from motis_desktop.core.search.indexes.base import IndexCorrupt, VectorIndex, _file_crc32, pad_results, topk_merge
from motis_desktop.core.search.indexes.exact import ExactIndex
from motis_desktop.core.vectors import l2_normalize


class AnnoyIndex(VectorIndex):
    """Annoy forest + exact delta; ``search_k`` = nodes inspected per query (-1: Annoy's n_trees·k)."""

    strategy = "annoy"

    def __init__(self, n_trees: int = 16, search_k: int = 16000, delta_threshold: float = 0.05) -> None:
        super().__init__()
        self.n_trees = n_trees
        self.search_k = search_k
        self.delta_threshold = delta_threshold
        self._annoy: Any = None
        self._main_ids = np.zeros(0, np.int64)
        self._removed = np.zeros(0, np.int64)  # main ids removed (or replaced) since the build
        self._delta = ExactIndex()

    def params(self) -> dict[str, Any]:
        return {"n_trees": self.n_trees, "search_k": self.search_k, "delta_threshold": self.delta_threshold}

    def ids(self) -> np.ndarray:
        main = self._main_ids[~np.isin(self._main_ids, self._removed)] if len(self._removed) else self._main_ids
        return np.concatenate([main, self._delta.ids()])

    def _build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        from annoy import AnnoyIndex as _Annoy

        annoy = _Annoy(max(self._dim, 1), "angular")
        for position, vector in enumerate(vectors):
            annoy.add_item(position, vector)
        annoy.build(self.n_trees, n_jobs=-1)
        self._annoy = annoy
        self._main_ids = ids.copy()
        self._removed = np.zeros(0, np.int64)
        self._delta = ExactIndex()

    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._mark_removed(ids)
        self._delta.add(ids, vectors)
        self._dim = self._dim or self._delta.dim

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        self._mark_removed(ids)
        self._delta.remove(ids)

    def _mark_removed(self, ids: np.ndarray) -> None:
        hit = ids[np.isin(ids, self._main_ids)]
        if len(hit):
            self._removed = np.union1d(self._removed, hit)

    def needs_rebuild(self) -> bool:
        churn = len(self._delta) + len(self._removed)
        return churn > max(100, self.delta_threshold * max(len(self._main_ids), 1))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        queries = l2_normalize(np.atleast_2d(queries))
        rows = []
        delta_ids, delta_scores = self._delta.search(queries, k)
        for qi, query in enumerate(queries):
            ids = np.zeros(0, np.int64)
            scores: np.ndarray = np.zeros(0, np.float32)
            if self._annoy is not None and len(self._main_ids):
                want = k + len(self._removed)
                positions, dists = self._annoy.get_nns_by_vector(
                    query, want, search_k=self.search_k, include_distances=True
                )
                ids = self._main_ids[np.asarray(positions, dtype=np.int64)]
                scores = 1.0 - np.square(np.asarray(dists, dtype=np.float32)) / 2.0
                if len(self._removed):
                    keep = ~np.isin(ids, self._removed)
                    ids, scores = ids[keep], scores[keep]
            rows.append(topk_merge(ids, scores, delta_ids[qi], delta_scores[qi], k))
        return pad_results(rows)

    # -- persistence: the Annoy forest is a side file, referenced by the main file --

    def _save_side_files(self, path: Path) -> dict[str, dict[str, int]]:
        if self._annoy is None:
            return {}
        name = f"{path.name}.{uuid.uuid4().hex[:8]}.annoy"
        side = path.with_name(name)
        tmp = path.with_name(name + ".tmp")
        self._annoy.save(str(tmp))  # Annoy re-maps the saved file; rename keeps the mapping valid
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, side)
        return {name: {"size": side.stat().st_size, "crc32": _file_crc32(side)}}

    def _cleanup_side_files(self, path: Path, keep: dict[str, dict[str, int]]) -> None:
        for old in path.parent.glob(f"{path.name}.*.annoy*"):
            if old.name not in keep:
                old.unlink(missing_ok=True)

    def _arrays(self) -> dict[str, np.ndarray]:
        return {
            "main_ids": self._main_ids,
            "removed": self._removed,
            "delta_ids": self._delta.ids(),
            "delta_vectors": self._delta.vectors(),
        }

    def _restore(self, header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        from annoy import AnnoyIndex as _Annoy

        self._dim = int(header["dim"])
        self._main_ids, self._removed = arrays["main_ids"], arrays["removed"]
        self._delta = ExactIndex()
        if len(arrays["delta_ids"]):
            self._delta.build(arrays["delta_ids"], arrays["delta_vectors"])
        self._annoy = None
        names = list(header.get("side_files", {}))
        if names:
            annoy = _Annoy(self._dim, "angular")
            annoy.load(str(path.with_name(names[0])))
            if annoy.get_n_items() != len(self._main_ids):
                raise IndexCorrupt(
                    f"{path}: Annoy file holds {annoy.get_n_items()} items, expected {len(self._main_ids)}"
                )
            self._annoy = annoy
