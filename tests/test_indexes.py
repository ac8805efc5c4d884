"""Vector index strategies: recall, persistence, corruption, add/remove, and search-service integration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bench_index import make_dataset

from motis_desktop.core.search.indexes import STRATEGIES, AnnoyIndex, ExactIndex, IndexCorrupt, KMeansIndex

N = 6000


@pytest.fixture(scope="module")
def data():
    vectors, near, ood = make_dataset(N, n_queries=60, seed=7)
    ids = np.arange(N, dtype=np.int64) * 7 + 3  # ids are not positions
    truth, _ = _exact(ids, vectors).search(np.vstack([near, ood]), 10)
    return ids, vectors, np.vstack([near, ood]), truth


def _exact(ids: np.ndarray, vectors: np.ndarray) -> ExactIndex:
    idx = ExactIndex()
    idx.build(ids, vectors)
    return idx


def _recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def _built(strategy: str, ids: np.ndarray, vectors: np.ndarray):
    idx = {"exact": ExactIndex(), "kmeans": KMeansIndex(nprobe=16), "annoy": AnnoyIndex(n_trees=16, search_k=4000)}[
        strategy
    ]
    idx.build(ids, vectors)
    return idx


@pytest.mark.parametrize("strategy, minimum", [("exact", 1.0), ("kmeans", 0.95), ("annoy", 0.95)])
def test_recall_at_10(data, strategy: str, minimum: float) -> None:
    ids, vectors, queries, truth = data
    found, scores = _built(strategy, ids, vectors).search(queries, 10)
    assert found.shape == (len(queries), 10)
    assert (np.diff(scores, axis=1) <= 1e-6).all()  # best first
    assert _recall(found, truth) >= minimum


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_save_load_round_trip(data, strategy: str, tmp_path: Path) -> None:
    ids, vectors, queries, _ = data
    idx = _built(strategy, ids, vectors)
    idx.add(np.array([1, 2], np.int64), vectors[:2] + 0.01)
    idx.remove(ids[10:20])
    before = idx.search(queries, 10)
    idx.save(tmp_path / "i.idx", "model-a")
    loaded = STRATEGIES[strategy].load(tmp_path / "i.idx", "model-a")
    after = loaded.search(queries, 10)
    assert np.array_equal(before[0], after[0])
    assert np.allclose(before[1], after[1])
    assert sorted(loaded.ids().tolist()) == sorted(idx.ids().tolist())
    with pytest.raises(IndexCorrupt, match="model"):
        STRATEGIES[strategy].load(tmp_path / "i.idx", "model-b")


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_a_loaded_index_keeps_answering_after_its_file_is_replaced(data, strategy: str, tmp_path: Path) -> None:
    """Loaded files are mapped, not read: another process (``motis index``) saving a new index over the file must
    not change or break the one a running app searches."""
    ids, vectors, queries, _ = data
    _built(strategy, ids, vectors).save(tmp_path / "i.idx", "model-a")
    loaded = STRATEGIES[strategy].load(tmp_path / "i.idx", "model-a")
    before = loaded.search(queries, 10)
    _built(strategy, ids[:100], vectors[:100] * -1).save(tmp_path / "i.idx", "model-a")
    (tmp_path / "i.idx.coarse").unlink(missing_ok=True)
    after = loaded.search(queries, 10)
    assert np.array_equal(before[0], after[0]) and np.array_equal(before[1], after[1])
    assert len(STRATEGIES[strategy].load(tmp_path / "i.idx", "model-a").ids()) == 100


@pytest.mark.parametrize("model_id", ["m", "model-with-a-longer-id", "model-with-an-odd-length-id-xyz"])
def test_loaded_exact_vectors_are_aligned_without_a_copy(data, model_id: str, tmp_path: Path) -> None:
    """Exact search reads the file's vectors in place, aligned whatever the header's length (a misaligned
    view makes NumPy's matrix product skip BLAS: 20-fold slower); a file written before the padding loads too."""
    ids, vectors, queries, _ = data
    idx = _exact(ids, vectors)
    idx.save(tmp_path / "i.idx", model_id)
    loaded = ExactIndex.load(tmp_path / "i.idx", model_id)
    assert loaded.vectors().flags.aligned and not loaded.vectors().flags.owndata
    assert np.array_equal(loaded.search(queries, 10)[0], idx.search(queries, 10)[0])
    raw = (tmp_path / "i.idx").read_bytes()
    (head_len,) = np.frombuffer(raw[8:12], dtype="<u4")
    head = raw[12 : 12 + head_len].rstrip()
    for pad in range(4):  # the same index with unpadded headers of other lengths, as older versions wrote
        (tmp_path / "old.idx").write_bytes(
            raw[:8] + np.uint32(len(head) + pad).tobytes() + head + b" " * pad + raw[12 + head_len :]
        )
        old = ExactIndex.load(tmp_path / "old.idx", model_id)
        assert old.vectors().flags.aligned
        assert np.array_equal(old.search(queries, 10)[0], idx.search(queries, 10)[0])


@pytest.mark.parametrize("strategy", list(STRATEGIES))
@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage"])
def test_damaged_index_files_are_detected(data, strategy: str, damage: str, tmp_path: Path) -> None:
    ids, vectors, _, _ = data
    path = tmp_path / "i.idx"
    _built(strategy, ids[:500], vectors[:500]).save(path, "m")
    targets = [path] + sorted(tmp_path.glob("*.annoy")) + sorted(tmp_path.glob("*.f32"))
    for target in targets:
        original = target.read_bytes()
        if damage == "truncate":
            target.write_bytes(original[: len(original) // 2])
        elif damage == "flip":
            target.write_bytes(original[:-100] + bytes([original[-100] ^ 0xFF]) + original[-99:])
        else:
            target.write_bytes(b"not an index")
        with pytest.raises(IndexCorrupt):
            STRATEGIES[strategy].load(path, "m")
        target.write_bytes(original)
    STRATEGIES[strategy].load(path, "m")  # intact again


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_removed_never_returned_and_added_found(data, strategy: str) -> None:
    ids, vectors, queries, _ = data
    idx = _built(strategy, ids, vectors)
    # Remove the exact nearest neighbours of every query: they must never come back.
    top, _ = idx.search(queries, 5)
    removed = np.unique(top)
    idx.remove(removed)
    found, _ = idx.search(queries, 50)
    assert not np.isin(found, removed).any()
    # New photos are found, by every strategy, as the best match of a query equal to them.
    new_ids = np.array([10**9, 10**9 + 1, 10**9 + 2], np.int64)
    idx.add(new_ids, queries[:3])
    found, scores = idx.search(queries[:3], 1)
    assert found[:, 0].tolist() == new_ids.tolist()
    assert np.allclose(scores[:, 0], 1.0, atol=1e-4)
    # Re-adding an id replaces its vector (a changed photo).
    idx.add(new_ids[:1], queries[3:4])
    assert idx.search(queries[3:4], 1)[0][0, 0] == new_ids[0]
    assert len(idx) == N - len(removed) + 3


def test_kmeans_handles_empty_clusters_and_asks_to_retrain() -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(3, 16)).astype(np.float32)
    vectors = np.repeat(base, 100, axis=0)  # only 3 distinct points but 20 lists wanted
    idx = KMeansIndex(nlist=20, nprobe=20)
    idx.build(np.arange(300), vectors)
    assert np.isfinite(idx.centroids).all()
    assert idx.search(base[:1], 5)[1][0, 0] == pytest.approx(1.0, abs=1e-5)
    assert not idx.needs_rebuild()
    idx.add(np.arange(300, 1000), rng.normal(size=(700, 16)).astype(np.float32))
    assert idx.needs_rebuild()  # grew more than 2x since training


def test_annoy_asks_for_rebuild_when_delta_grows(data) -> None:
    ids, vectors, _, _ = data
    idx = AnnoyIndex(n_trees=4, delta_threshold=0.05)
    idx.build(ids[:4000], vectors[:4000])
    idx.add(ids[4000:4150], vectors[4000:4150])
    assert not idx.needs_rebuild()
    idx.add(ids[4150:4300], vectors[4150:4300])
    assert idx.needs_rebuild()


def test_auto_strategy_uses_exact_for_small_libraries_and_kmeans_above() -> None:
    from motis_desktop.core.search.indexes import AUTO_EXACT_MAX, resolve_strategy

    assert resolve_strategy("auto", 10) == "exact"
    assert resolve_strategy("auto", AUTO_EXACT_MAX) == "exact"
    assert resolve_strategy("auto", AUTO_EXACT_MAX + 1) == "kmeans"
    assert resolve_strategy("annoy", 10) == "annoy"
    with pytest.raises(ValueError, match="unknown index strategy"):
        resolve_strategy("faiss", 10)


def test_kmeans_counts_its_vectors_without_listing_them() -> None:
    # len() is asked a few times per query; at 1M vectors listing the ids for it cost ~20 ms a query.
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((3000, 16)).astype(np.float32)
    index = KMeansIndex()
    index.build(np.arange(2000, dtype=np.int64), vectors[:2000])
    index.add(np.arange(2000, 2500, dtype=np.int64), vectors[2000:2500])  # pending, not yet laid out
    index.remove(np.array([5, 6, 2100, 99999], dtype=np.int64))  # two laid out, one pending, one unknown
    index.add(np.array([7], dtype=np.int64), vectors[2999:])  # a changed vector: removed, then pending
    assert len(index) == len(index.ids()) == 2497
