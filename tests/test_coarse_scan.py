"""The exact index's coarse int8 pass (core/search/indexes/coarse.py): the float32 hits and scores."""

from __future__ import annotations

import numpy as np
import pytest

from motis_desktop.core.search.indexes import ExactIndex
from motis_desktop.core.search.indexes.coarse import COARSE_MIN, CoarseScan, code_levels
from motis_desktop.core.vectors import l2_normalize

N = COARSE_MIN + 5_000


def clip_like(n: int, dim: int = 256, seed: int = 0) -> np.ndarray:
    """Unit vectors around a common direction, in clusters, as CLIP's photo embeddings lie."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, dim))
    return l2_normalize(
        3 * rng.standard_normal(dim) + 1.5 * centres[rng.integers(0, 50, n)] + rng.standard_normal((n, dim))
    )


def queries(vectors: np.ndarray, count: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    picks = vectors[rng.integers(0, len(vectors), count)]
    return l2_normalize(picks + 0.5 * rng.standard_normal(picks.shape).astype(np.float32))


def plain_and_prepared(vectors: np.ndarray, prepare: bool = True) -> tuple[ExactIndex, ExactIndex]:
    ids = np.arange(len(vectors), dtype=np.int64) * 7 + 3
    plain, prepared = ExactIndex(), ExactIndex()
    plain.build(ids, vectors)
    prepared.build(ids, vectors)
    if prepare:
        prepared.prepare(wait=True)
    return plain, prepared


def assert_same_hits(plain: ExactIndex, prepared: ExactIndex, query: np.ndarray, k: int) -> None:
    want_ids, want_scores = plain.search(query[None], k)
    got_ids, got_scores = prepared.search(query[None], k)
    assert got_ids.shape == want_ids.shape == (1, k)
    assert set(got_ids[0].tolist()) == set(want_ids[0].tolist())
    np.testing.assert_allclose(got_scores[0], want_scores[0], atol=1e-6)
    assert (np.diff(got_scores[0]) <= 0).all()


# 127 levels only where the CPU sums int8 products in int32 (VNNI): elsewhere int16 sums saturate, and
# code_levels() picks 63 (on an AVX2-only CPU 127 levels broke the margin).
@pytest.mark.parametrize("levels", sorted({63, code_levels()}))
def test_coarse_scores_stay_within_their_margin(levels: int) -> None:
    vectors = clip_like(N)
    scan = CoarseScan(vectors, levels)
    for query in queries(vectors, 5):
        coarse, margin = scan.scores(query)
        exact = vectors @ query
        assert np.abs(coarse - exact).max() < margin
        found = scan.search(vectors, query, 500)
        assert found is not None
        assert set(found[0].tolist()) == set(np.argsort(-exact)[:500].tolist())


def test_a_prepared_index_finds_what_float32_finds() -> None:
    vectors = clip_like(N)
    _, prepared = plain_and_prepared(vectors)
    for query in queries(vectors, 8):
        for k in (1, 10, 1000):
            # a fresh float32 index for each query: one queried twice prepares its own coarse pass (a process
            # that stays), and on a fast machine it is ready before the next query
            plain, _ = plain_and_prepared(vectors, prepare=False)
            assert_same_hits(plain, prepared, query, k)
            assert plain.coarse_served == 0  # the reference answered in float32
    assert prepared.coarse_served == 24  # the coarse pass answered every one


def test_a_floor_leaves_out_only_photos_below_it() -> None:
    """The relevance cut-off's bar as a floor: the coarse pass returns every photo of the float32 top k that
    scores at least the floor, in the same order with the same scores, and none below it."""
    vectors = clip_like(N)
    plain, prepared = plain_and_prepared(vectors)
    served = prepared.coarse_served
    for query in queries(vectors, 4):
        want_ids, want_scores = plain.search(query[None], 1000)
        best = want_scores[0]
        for rank in (0, 40, 400, 998):
            rank += int(np.argmax(best[rank:-1] - best[rank + 1 :] > 1e-5))  # a bar clear of float32 noise
            floor = float(best[rank] + best[rank + 1]) / 2
            ids, scores = prepared.search_above(query, 1000, floor)
            assert set(ids.tolist()) == set(want_ids[0][: rank + 1].tolist())
            np.testing.assert_allclose(scores, best[: rank + 1], atol=1e-6)
            assert (np.diff(scores) <= 0).all()
        ids, _ = prepared.search_above(query, 1000, float(want_scores[0][0]) + 0.01)
        assert len(ids) == 0  # nothing reaches a bar above the best photo
    assert prepared.coarse_served == served + 20  # the coarse pass answered every one


def grid_aligned(n: int, dim: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors and a query where one row (0) is the true best, and k decoys (1..k) score just below it,
    all placed on an unrotated int8 grid (per-dimension mean and scale, as the coarse copy once quantized) so
    that their rounding errors line up with the query's signs: the target's round down (coarse too low), the
    decoys' up. The Hoeffding margin, which takes the errors as independent, then drops the target."""
    rng = np.random.default_rng(1)
    vectors = l2_normalize(rng.standard_normal((n, dim))).astype(np.float32)
    mean = vectors.mean(axis=0, dtype=np.float64)
    scale = np.abs(vectors - mean).max(axis=0) / code_levels()
    query = l2_normalize(rng.standard_normal((1, dim)))[0].astype(np.float64)
    signs = np.sign(query * scale)
    slack = int(np.argmin(np.abs(query)))  # the one coordinate that makes each row a unit vector
    order = np.argsort(-np.abs(query * scale))
    order = order[order != slack]
    most = np.zeros(dim, bool)
    most[order[: int(0.55 * dim)]] = True

    def unit(offset: np.ndarray, c: float) -> np.ndarray | None:
        y = mean + scale * (np.clip(np.rint((c * query - mean) / scale), -110, 110) + offset)
        rest = (y**2).sum() - y[slack] ** 2
        if rest >= 1:
            return None
        y[slack] = np.sqrt(1 - rest) * (1 if mean[slack] >= 0 else -1)
        return y if abs(y[slack] - mean[slack]) < 100 * scale[slack] else None

    for c in np.linspace(0.5, 1.0, 400):
        target, decoy = unit(0.45 * signs, c), unit(np.where(most, 0.55 * signs, -0.45 * signs), c)
        if target is not None and decoy is not None:
            vectors[0], vectors[1 : 1 + k] = target, decoy
            return vectors, query.astype(np.float32)
    raise AssertionError("no grid-aligned set")


def test_rounding_errors_lined_up_with_the_query_do_not_hide_the_best_photo() -> None:
    vectors, query = grid_aligned(N, 512, 10)
    truth = vectors @ query
    assert int(np.argmax(truth)) == 0 and truth[0] > truth[1]
    plain, prepared = plain_and_prepared(vectors)
    got_ids, got_scores = prepared.search(query[None], 10)
    assert prepared.coarse_served == 1
    assert got_ids[0][0] == plain.ids()[0]  # (the ten decoys tie: any nine of them follow)
    np.testing.assert_allclose(got_scores[0], plain.search(query[None], 10)[1][0], atol=1e-6)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # (normalizing the inf row)
def test_a_non_finite_vector_leaves_search_to_float32() -> None:
    for bad in (np.nan, np.inf):
        vectors = clip_like(N, dim=64)
        vectors[5] = bad
        plain, prepared = plain_and_prepared(vectors)
        query = queries(clip_like(N, dim=64), 1)[0]
        got_ids, got_scores = prepared.search(query[None], 10)
        want_ids, _ = plain.search(query[None], 10)
        assert got_ids.shape == (1, 10) and got_ids[0].tolist() == want_ids[0].tolist()
        assert prepared.coarse_served == 0


def test_changes_drop_the_coarse_copy_and_the_next_one_is_made() -> None:
    vectors = clip_like(N)
    plain, prepared = plain_and_prepared(vectors)
    extra = clip_like(300, seed=5)
    for index in (plain, prepared):
        index.add(np.arange(300, dtype=np.int64) + 10**9, extra)
        index.remove(plain.ids()[:200])
    query = queries(extra, 1)[0]  # its best hits are among the new vectors
    assert_same_hits(plain, prepared, query, 100)  # served in float32 while the new copy is made
    assert prepared.coarse_served == 0
    prepared.prepare(wait=True)
    assert_same_hits(plain, prepared, query, 100)
    assert prepared.coarse_served == 1


def test_vectors_that_barely_differ_are_scored_in_float32() -> None:
    rng = np.random.default_rng(3)
    vectors = l2_normalize(np.ones((N, 64)) + 1e-4 * rng.standard_normal((N, 64)))  # a random-weight model's
    assert CoarseScan(vectors).search(vectors, vectors[0], 100) is None
    plain, prepared = plain_and_prepared(vectors)
    assert_same_hits(plain, prepared, vectors[0], 100)


def test_the_embedded_scan_model_is_the_one_onnx_makes() -> None:
    from onnx import TensorProto, helper

    from motis_desktop.core.search.indexes import coarse

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["q", "m"], ["y"])],
        "int8-scan",
        [
            helper.make_tensor_value_info("q", TensorProto.UINT8, [1, "d"]),
            helper.make_tensor_value_info("m", TensorProto.INT8, ["d", "n"]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.INT32, [1, "n"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 10)], producer_name="motis")
    model.ir_version = 5
    assert model.SerializeToString() == coarse.SCAN_MODEL


def test_an_index_file_asking_for_retired_float16_storage_is_rebuilt(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import struct

    from motis_desktop.core.search.indexes import IndexCorrupt
    from motis_desktop.core.search.indexes.base import MAGIC

    index = ExactIndex()
    index.build(np.arange(10, dtype=np.int64), clip_like(10, dim=8))
    path = tmp_path / "m.exact.idx"
    index.save(path, "m")
    data = path.read_bytes()
    (length,) = struct.unpack("<I", data[len(MAGIC) : len(MAGIC) + 4])
    start = len(MAGIC) + 4
    header = json.loads(data[start : start + length])
    head = json.dumps({**header, "params": {"float16": True}}).encode()
    path.write_bytes(MAGIC + struct.pack("<I", len(head)) + head + data[start + length :])
    with pytest.raises(IndexCorrupt, match="float16"):
        ExactIndex.load(path, "m")
