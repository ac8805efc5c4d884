"""Exact search: one matrix product per query batch and ``argpartition`` top-K.

One query over a large float32 library (once ``prepare`` was called: the app and the query service, not a
one-shot search) first narrows the library down with a coarse int8 copy of the vectors and rescores the
candidates in float32 (``coarse.py``): a quarter of the memory read, and the float32 hits and scores except
with the small probability that ``coarse.py`` states (its margin is a model over a random rotation).

(float16 storage, scored in torch, is retired: the coarse int8 pass reads less. An index file that still asks
for it is rebuilt.)
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from motis_desktop.core.background import background_thread
from motis_desktop.core.search.indexes import coarse_file
from motis_desktop.core.search.indexes.base import VectorIndex
from motis_desktop.core.search.indexes.coarse import COARSE_MIN, CoarseScan
from motis_desktop.core.vectors import l2_normalize, scores_of

log = logging.getLogger(__name__)


class ExactIndex(VectorIndex):
    """Brute force over a normalized float32 matrix."""

    strategy = "exact"

    def __init__(self, float16: bool = False) -> None:
        super().__init__()
        if float16:  # a header of an older version's index file (the loader rebuilds it)
            raise ValueError("float16 exact search is retired")
        self._ids = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, 0), dtype=np.float32)
        # Rows appended go into this array's spare rows (``_vectors`` is its first rows): at 100k photos a copy of
        # every vector per indexing batch cost the next query 0.1-0.5 s. None: ``_vectors`` is not such a view.
        self._buffer: np.ndarray | None = None
        # What the coarse copy and the index file hold is named by ``_generation``, which every change of the
        # vectors bumps (not by the arrays themselves, which would keep replaced vectors alive).
        self._generation = 0
        # (the generation it was made from, its codes): made in the background once ``prepare`` was called
        self._coarse: tuple[int, CoarseScan] | None = None
        self._coarse_wanted = False
        self._single_queries = 0  # single queries served in float32 (a one-shot search makes one)
        self._coarse_failed = False
        self._coarse_thread: threading.Thread | None = None
        self.coarse_served = 0  # single queries the coarse pass answered (benchmarks and tests read it)
        # (file, its save id, the generation it holds): where a coarse copy of exactly these vectors is kept
        self._file: tuple[Path, str, int] | None = None
        self._load_tried: int | None = None  # the generation whose kept copy was looked for (once each)

    def params(self) -> dict[str, Any]:
        return {}

    def ids(self) -> np.ndarray:
        return self._ids

    def vectors(self) -> np.ndarray:
        """The stored unit vectors, row i belonging to ``ids()[i]``."""
        return self._vectors

    def _changed(self, ids: np.ndarray, vectors: np.ndarray, buffer: np.ndarray | None = None) -> None:
        """Take ``ids``/``vectors`` as the contents (``vectors`` the first rows of ``buffer`` when given)."""
        self._ids, self._vectors, self._buffer = ids, vectors, buffer
        self._generation += 1
        self._coarse = None  # the copy of the earlier vectors: its memory back (a thread may be making the next)

    def _build(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        vectors = vectors.astype(np.float32, copy=False) if len(ids) else np.zeros((0, 0), np.float32)
        self._changed(ids.copy(), vectors)

    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(self._ids) and np.isin(ids, self._ids).any():
            self.remove(ids)  # changed photos' vectors (rare: a copy of the rest); appended below
        new: np.ndarray = vectors.astype(np.float32, copy=False)
        n, buffer = len(self._ids), self._buffer
        if not n:
            buffer = None
        elif buffer is None or len(buffer) < n + len(new):
            # Room for an eighth more: appends copy nothing until it is used (unwritten rows take no memory).
            buffer = np.empty((n + len(new) + n // 8, self._vectors.shape[1]), np.float32)
            buffer[:n] = self._vectors
        if buffer is None:
            vectors_now = new.copy()
        else:
            buffer[n : n + len(new)] = new  # rows no array handed out holds (a coarse copy being made reads [:n])
            vectors_now = buffer[: n + len(new)]
        self._changed(np.concatenate([self._ids, ids]), vectors_now, buffer)
        self._dim = self._vectors.shape[1]

    def remove(self, ids: np.ndarray) -> None:
        if not len(self._ids) or not len(ids):
            return
        keep = ~np.isin(self._ids, np.asarray(ids, dtype=np.int64))
        if not keep.all():
            self._changed(self._ids[keep], self._vectors[keep])

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """Cosine similarity of each query to every stored vector, ``[Q, N]`` float32."""
        queries = l2_normalize(np.atleast_2d(queries))
        if len(queries) == 1 and len(self._vectors):
            return scores_of(self._vectors, queries[0])[None, :]
        scores: np.ndarray = queries @ self._vectors.T
        return scores

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._search(queries, k, None)

    def search_above(self, query: np.ndarray, k: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = self._search(query[None, :], k, floor)
        return ids[0], scores[0]

    def _search(self, queries: np.ndarray, k: int, floor: float | None) -> tuple[np.ndarray, np.ndarray]:
        queries = np.atleast_2d(queries)
        k = min(k, len(self._ids))
        if k <= 0:
            return np.zeros((len(queries), 0), np.int64), np.zeros((len(queries), 0), np.float32)
        if len(queries) == 1 and len(self._ids) >= COARSE_MIN and 4 * k <= len(self._ids):
            found = self._search_coarse(l2_normalize(queries)[0], k, floor)
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
        change; until it is ready, queries score every vector in float32 (as in a one-shot search). An index
        that serves a second single query prepares itself."""
        self._coarse_wanted = True
        vectors, generation = self._vectors, self._generation
        if len(vectors) < COARSE_MIN or self._coarse_now() is not None or self._coarse_failed:
            return
        if self._load_coarse():
            return
        running = self._coarse_thread
        if running is not None and running.is_alive():
            if not wait:
                return  # it is making the copy of earlier vectors; the next query starts the next one
            running.join()
            if self._coarse_now() is not None:
                return
        args = (vectors, generation)
        thread = threading.Thread(target=self._make_coarse, args=args, name="motis-coarse", daemon=True)
        self._coarse_thread = thread
        thread.start()
        if wait:
            thread.join()

    def _load_coarse(self) -> bool:
        """Take the coarse copy kept beside the index file when it was made from these very vectors."""
        kept, generation = self._file, self._generation
        if kept is None or kept[2] != generation or self._load_tried == generation:
            return False
        self._load_tried = generation  # not read again at each query while a new copy is being made
        made = coarse_file.load(kept[0], kept[1], len(self._vectors), self._vectors.shape[1])
        if made is None:
            return False
        self._coarse = (generation, made)
        return True

    def _coarse_now(self) -> CoarseScan | None:
        """The coarse copy of the vectors as they are now, if made."""
        made = self._coarse
        return made[1] if made is not None and made[0] == self._generation else None

    def _make_coarse(self, vectors: np.ndarray, generation: int) -> None:
        with background_thread():  # this thread, made for the job: one BLAS thread, a lower priority
            try:
                made = CoarseScan(vectors)
                made.search(vectors, vectors[0], 1)  # onnxruntime's int8 kernel runs here (else: float32 only)
                if generation == self._generation:  # not changed meanwhile
                    self._coarse = (generation, made)
            except Exception:  # never take search down: float32 serves
                log.warning("no coarse int8 pass for exact search; float32 serves", exc_info=True)
                self._coarse_failed = True
                return
            kept = self._file
            if kept is not None and kept[2] == generation:  # the index file's vectors: the next start loads it
                try:
                    coarse_file.save(kept[0], kept[1], made)
                except Exception:  # the copy serves this process anyway; the next start makes it again
                    log.warning("could not keep the coarse copy beside %s", kept[0], exc_info=True)

    def _search_coarse(self, query: np.ndarray, k: int, floor: float | None) -> tuple[np.ndarray, np.ndarray] | None:
        coarse = self._coarse_now()
        if coarse is None:
            self._single_queries += 1
            if self._coarse_wanted or self._single_queries >= 2:  # queried again: a process that stays
                self.prepare()
            return None
        found = coarse.search(self._vectors, query, k, floor) if coarse.narrows else None
        if found is None:  # these vectors barely differ: float32 from now on (until they change)
            coarse.narrows = False
            return None
        rows, scores = found
        self.coarse_served += 1
        return self._ids[rows][None, :], scores.astype(np.float32)[None, :]

    # -- persistence ---------------------------------------------------------

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"ids": self._ids, "vectors": self._vectors}

    def _restore(self, header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None:
        self._changed(arrays["ids"].astype(np.int64), arrays["vectors"].astype(np.float32, copy=False))
        self._dim = int(header["dim"])
        self._file = (path, _file_id(header), self._generation)

    def save(self, path: str | os.PathLike[str], model_id: str, extra: dict[str, Any] | None = None) -> None:
        """Save, and note that the file holds these vectors: their coarse copy is kept beside it, now if it is
        made (a save waits for changes to add up, so the copy was often made before), else once it is."""
        generation = self._generation
        super().save(path, model_id, extra)
        self._file = (Path(path), _file_id(self.header), generation)
        made = self._coarse_now()
        if made is not None:
            try:
                coarse_file.save(Path(path), self._file[1], made)
            except Exception:  # the next start makes it again
                log.warning("could not keep the coarse copy beside %s", path, exc_info=True)


def _file_id(header: dict[str, Any]) -> str:
    """What names an index file's contents for its kept coarse copy: its save id; for a file saved before save ids,
    its payload checksum (verified at load; another payload of the same count matches it by chance once in 2³²)."""
    save_id = header.get("save_id")
    return save_id if isinstance(save_id, str) else f"crc32:{int(header['payload_crc32'])}"
