"""The k-means index's compact lists: int8 codes in memory, float32 rows in a mapped side file.

What a user notices: the same photos and scores as float32 search, in a quarter of the memory at 1M photos;
changes while the app runs; an index file of an older version loads (and is saved again in the new layout)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from motis_desktop.core.search.indexes import ExactIndex, IndexCorrupt, KMeansIndex, VectorIndex
from motis_desktop.core.vectors import l2_normalize

DIM = 64


def _library(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arange(n, dtype=np.int64) * 3 + 1, l2_normalize(rng.standard_normal((n, DIM)).astype(np.float32))


def _close_scores(query: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    """``count`` unit vectors whose cosines to ``query`` are 0.95, 0.95 + 1e-5, ...: far closer together than an
    int8 code can tell apart."""
    rng = np.random.default_rng(seed)
    other = rng.standard_normal((count, DIM)).astype(np.float32)
    other -= np.outer(other @ query, query)
    other = l2_normalize(other)
    cosines = 0.95 + 1e-5 * rng.permutation(count)
    return (cosines[:, None] * query + np.sqrt(1 - cosines**2)[:, None] * other).astype(np.float32)


def _exact_top(ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    exact = ExactIndex()
    exact.build(ids, vectors)
    return exact.search(queries, k)


def _assert_same_as_exact(index: VectorIndex, ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray) -> None:
    found, scores = index.search(queries, 10)
    truth, truth_scores = _exact_top(ids, vectors, queries, 10)
    assert found.tolist() == truth.tolist()
    assert np.allclose(scores, truth_scores, rtol=0, atol=1e-6)


def test_hits_and_scores_are_float32_ones_where_int8_codes_would_misorder_them() -> None:
    ids, vectors = _library(3000)
    query = vectors[0]
    vectors[1:401] = _close_scores(query, 400)  # top 10 of 400 photos within 0.004 of each other
    queries = np.vstack([query, vectors[5], vectors[77]])
    index = KMeansIndex(nlist=4, nprobe=4)  # every list probed: the float32 top 10 is the answer
    index.build(ids, vectors)
    _assert_same_as_exact(index, ids, vectors, queries)
    found, scores = index.search_above(query, 20, 0.953915)  # the query's own photo, then 0.95399 ... 0.95392
    truth, truth_scores = _exact_top(ids, vectors, query[None], 20)
    assert found[scores >= 0.953915].tolist() == truth[0][truth_scores[0] >= 0.953915].tolist()
    assert len(truth[0][truth_scores[0] >= 0.953915]) == 9


def test_changes_to_a_loaded_index_are_searched_and_saved_without_rewriting_its_mapped_vectors(tmp_path: Path) -> None:
    """Vectors added and removed while the app runs (pending block, masks, compaction) are found exactly, also
    after a save and a load; a save never replaces a vector file a loaded index maps (Windows refuses that)."""
    ids, vectors = _library(4000)
    path = tmp_path / "m.kmeans.idx"
    built = KMeansIndex(nlist=8, nprobe=8)
    built.build(ids, vectors)
    built.save(path, "m")
    index = KMeansIndex.load(path, "m")
    other = KMeansIndex.load(path, "m")  # another process's copy, mapping the same file
    first = sorted(tmp_path.glob("*.f32"))
    assert len(first) == 1
    first_bytes = first[0].read_bytes()

    queries = vectors[[0, 10, 20]]
    gone = index.search(queries, 3)[0].ravel()
    index.remove(gone)
    added_ids, added = _library(50, seed=5)
    added_ids = added_ids + 10**9
    index.add(added_ids, added)
    live = ~np.isin(ids, gone)
    now_ids, now_vectors = np.concatenate([ids[live], added_ids]), np.vstack([vectors[live], added])
    _assert_same_as_exact(index, now_ids, now_vectors, np.vstack([queries, added[:3]]))
    index.save(path, "m")  # the same float32 rows: the same vector file, untouched
    assert sorted(tmp_path.glob("*.f32")) == first and first[0].read_bytes() == first_bytes

    more_ids, more = _library(1200, seed=6)
    more_ids = more_ids + 2 * 10**9
    index.add(more_ids, more)  # enough to compact: the rows are laid out again from the mapped file
    now_ids, now_vectors = np.concatenate([now_ids, more_ids]), np.vstack([now_vectors, more])
    _assert_same_as_exact(index, now_ids, now_vectors, np.vstack([queries, more[:3]]))
    copies = l2_normalize(vectors[:1200] + 0.003 * np.random.default_rng(7).standard_normal((1200, DIM)))
    index.add(ids[:1200] + 3 * 10**9, copies)  # near-copies of photos: compacted again, their codes in range
    now_ids, now_vectors = np.concatenate([now_ids, ids[:1200] + 3 * 10**9]), np.vstack([now_vectors, copies])
    _assert_same_as_exact(index, now_ids, now_vectors, np.vstack([queries, copies[:3]]))
    index.save(path, "m")
    assert first[0] not in sorted(tmp_path.glob("*.f32"))  # a new file under a new name; the old one deleted
    _assert_same_as_exact(KMeansIndex.load(path, "m"), now_ids, now_vectors, np.vstack([queries, more[:3]]))
    _assert_same_as_exact(index, now_ids, now_vectors, queries)
    _assert_same_as_exact(other, ids, vectors, queries)  # still answers from the file it mapped


class _OlderKMeansFile(VectorIndex):
    """Writes a k-means index file as versions before the compact lists did (float32 vectors in the payload)."""

    strategy = "kmeans"

    def __init__(
        self, ids: np.ndarray, vectors: np.ndarray, lists: int, layout: int | None = None, codes: bool = False
    ) -> None:
        super().__init__()
        self._dim = vectors.shape[1]
        self.centroids = vectors[:lists].copy()
        order = np.argsort((vectors @ self.centroids.T).argmax(axis=1), kind="stable")
        assign = (vectors @ self.centroids.T).argmax(axis=1)[order]
        self._ids, self._vectors = ids[order], vectors[order]
        self._offsets = np.searchsorted(assign, np.arange(lists + 1)).astype(np.int64)
        self.layout, self.codes = layout, codes  # codes: as the new layout, but with no vector file beside it

    def params(self) -> dict[str, Any]:
        older = {"nlist": len(self.centroids), "nprobe": len(self.centroids), "iterations": 12, "seed": 0}
        return {**older, "trained_n": len(self._ids), **({"layout": self.layout} if self.layout else {})}

    def ids(self) -> np.ndarray:
        return self._ids

    def _arrays(self) -> dict[str, np.ndarray]:
        none = np.zeros(0, np.int64)
        return {"centroids": self.centroids, "ids": self._ids, "vectors": self._vectors, "offsets": self._offsets,
                "alive": np.ones(len(self._ids), bool), "pending_ids": none,
                "pending_vectors": np.zeros((0, self._dim), np.float32), "pending_assign": none,
                **({"codes": np.zeros(len(self._ids) * self._dim, np.int8)} if self.codes else {})}  # fmt: skip

    def _build(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def _add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...
    def remove(self, ids: np.ndarray) -> None: ...
    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]: ...
    def _restore(self, header: dict[str, Any], arrays: dict[str, np.ndarray], path: Path) -> None: ...


def test_an_older_index_file_loads_and_is_saved_again_in_the_compact_layout(tmp_path: Path) -> None:
    ids, vectors = _library(3000)
    path = tmp_path / "m.kmeans.idx"
    _OlderKMeansFile(ids, vectors, lists=6).save(path, "m", {"library_version": 41})
    older_size = path.stat().st_size
    queries = vectors[[3, 300, 2999]]
    loaded = KMeansIndex.load(path, "m")
    _assert_same_as_exact(loaded, ids, vectors, queries)
    assert path.stat().st_size < older_size / 2  # the float32 rows moved to the vector file beside it
    assert len(list(tmp_path.glob("*.f32"))) == 1
    again = KMeansIndex.load(path, "m")
    assert again.header["library_version"] == 41  # what the search service keeps in the header survives
    _assert_same_as_exact(again, ids, vectors, queries)


def test_a_file_of_a_newer_layout_or_without_its_vector_file_asks_for_a_rebuild(tmp_path: Path) -> None:
    ids, vectors = _library(500)
    _OlderKMeansFile(ids, vectors, lists=2, layout=99).save(tmp_path / "new.idx", "m")
    with pytest.raises(IndexCorrupt):
        KMeansIndex.load(tmp_path / "new.idx", "m")
    _OlderKMeansFile(ids, vectors, lists=2, layout=2, codes=True).save(tmp_path / "bare.idx", "m")
    with pytest.raises(IndexCorrupt):
        KMeansIndex.load(tmp_path / "bare.idx", "m")
    index = KMeansIndex(nlist=2)
    index.build(ids, vectors)
    index.save(tmp_path / "m.idx", "m")
    for side in tmp_path.glob("m.idx.*.f32"):
        side.unlink()
    with pytest.raises(IndexCorrupt):
        KMeansIndex.load(tmp_path / "m.idx", "m")


_MEASURE = """
import json, sys
import numpy as np
from motis_desktop.core.search.indexes import KMeansIndex

def resident():
    with open("/proc/self/status") as fh:
        fields = (line.split(":", 1) for line in fh)
        return {k: int(v.split()[0]) * 1024 for k, v in fields if k in ("RssAnon", "RssFile")}

warm = KMeansIndex(nlist=2)  # onnxruntime, NumPy and the code's own memory, before measuring
warm.build(np.arange(300), np.random.default_rng(0).standard_normal((300, 512)).astype(np.float32))
warm.search(np.ones((1, 512), np.float32), 10)
before = resident()
index = KMeansIndex.load(sys.argv[1], "m")
for query in np.random.default_rng(1).standard_normal((40, 512)).astype(np.float32):
    index.search(query[None], 200)
loaded = resident()
index = KMeansIndex(nlist=32)
index.build(np.arange(20_000), np.random.default_rng(2).standard_normal((20_000, 512)).astype(np.float32))
built = resident()
index.save(sys.argv[2], "m")
for query in np.random.default_rng(3).standard_normal((40, 512)).astype(np.float32):
    index.search(query[None], 200)
print(json.dumps({"before": before, "loaded": loaded, "built": built, "saved": resident()}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="resident memory is read from Linux's /proc")
def test_the_float32_vectors_stay_out_of_resident_memory(tmp_path: Path) -> None:
    """20,000 × 512 photos: 41 MB of float32 vectors. Loaded and searched, or built and saved, the index holds
    their int8 codes (10 MB) and reads the few rows each query rescores."""
    rows = np.random.default_rng(2).standard_normal((20_000, 512)).astype(np.float32)
    index = KMeansIndex(nlist=32)
    index.build(np.arange(20_000), rows)
    index.save(tmp_path / "a.idx", "m")
    run = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(tmp_path / "a.idx"), str(tmp_path / "b.idx")],
        capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    mb = {name: sum(values.values()) / 2**20 for name, values in json.loads(run.stdout).items()}
    assert mb["loaded"] - mb["before"] < 20  # float32 held: 41 MB more
    assert mb["built"] - mb["saved"] > 30  # the built rows' memory given back once they are in their file
