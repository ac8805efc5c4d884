"""Vector index strategies: build time, size, latency and recall@10 against exact search.

Usage: python benchmarks/bench_index.py [--n 10000 100000 1000000] [--json] [--strategies exact kmeans annoy]

Data: synthetic unit vectors (dim 512) shaped like CLIP image embeddings:
clustered (Zipf-sized clusters) on a low-dimensional manifold (latent dim 24,
mapped by a random orthonormal basis) plus small ambient noise and a shared
mean direction. Queries: half near the data (perturbed data points), half
"text-like" out-of-distribution queries (cluster centres pushed along a
modality-gap direction, cosine to their images ~0.3, as real text/image pairs).
Each parameter setting prints one line (or one JSON object with keys strategy,
params, n, build_s, disk_bytes, p50_ms, p99_ms, recall_at_10, plus
recall_near/recall_ood and memory_bytes).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from motis_desktop.core.search.indexes import AnnoyIndex, ExactIndex, KMeansIndex, VectorIndex  # noqa: E402
from motis_desktop.core.vectors import l2_normalize  # noqa: E402

DIM, LATENT, K = 512, 24, 10


def make_dataset(n: int, n_queries: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vectors [n, 512], near queries, out-of-distribution queries), all unit length, float32."""
    rng = np.random.default_rng(seed)
    n_clusters = max(20, n // 400)
    centres = rng.normal(size=(n_clusters, LATENT)).astype(np.float32) * 1.5
    weights = 1.0 / np.arange(1, n_clusters + 1) ** 0.8
    basis, _ = np.linalg.qr(rng.normal(size=(DIM, LATENT)))
    basis = basis.astype(np.float32)
    mean_dir = l2_normalize(rng.normal(size=(1, DIM)))[0]
    gap_dir = l2_normalize(rng.normal(size=(1, DIM)))[0]

    def embed(z: np.ndarray, ambient: float, offset: np.ndarray) -> np.ndarray:
        x = z @ basis.T + offset
        x += rng.standard_normal(size=x.shape, dtype=np.float32) * ambient
        return l2_normalize(x)

    vectors = np.empty((n, DIM), np.float32)
    assign = rng.choice(n_clusters, size=n, p=weights / weights.sum())
    for start in range(0, n, 100_000):
        a = assign[start : start + 100_000]
        z = centres[a] + rng.standard_normal(size=(len(a), LATENT), dtype=np.float32) * 0.6
        vectors[start : start + len(a)] = embed(z, 0.02, 2.0 * mean_dir)
    half = n_queries // 2
    near = l2_normalize(
        vectors[rng.choice(n, half, replace=False)] + rng.standard_normal(size=(half, DIM), dtype=np.float32) * 0.03
    )
    zq = centres[rng.choice(n_clusters, half, p=weights / weights.sum())]
    ood = embed(zq + rng.standard_normal(size=(half, LATENT), dtype=np.float32) * 0.3, 0.02, 4.0 * gap_dir)
    return vectors, near, ood


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth)]))


def measure(index: VectorIndex, queries: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    latencies = []
    found = []
    for q in queries:
        start = time.perf_counter()
        ids, _ = index.search(q[None, :], K)
        latencies.append((time.perf_counter() - start) * 1e3)
        found.append(ids[0])
    half = len(queries) // 2
    found_arr = np.array([np.pad(f, (0, K - len(f)), constant_values=-1) for f in found])
    return {
        "p50_ms": float(np.percentile(latencies, 50)),
        "p99_ms": float(np.percentile(latencies, 99)),
        "recall_at_10": recall(found_arr, truth),
        "recall_near": recall(found_arr[:half], truth[:half]),
        "recall_ood": recall(found_arr[half:], truth[half:]),
    }


def disk_size(index: VectorIndex) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        index.save(Path(tmp) / "bench.idx", "bench")
        return int(index.disk_bytes)


def memory_bytes(index: VectorIndex) -> int:
    """Bytes of the index's arrays (Annoy: its memory-mapped file; k-means: its int8 codes and lists, without the
    float32 rows it rescores from its mapped vector file)."""
    if isinstance(index, AnnoyIndex):
        return int(index.disk_bytes)
    return int(sum(a.nbytes for a in index._arrays().values()))


def run(
    n: int, strategies: list[str], emit, annoy_trees: list[int], annoy_search_k: list[int], nprobes: list[int]
) -> None:
    vectors, near, ood = make_dataset(n)
    ids = np.arange(n, dtype=np.int64)
    queries = np.vstack([near, ood])
    exact = ExactIndex()
    exact.build(ids, vectors)
    truth, _ = exact.search(queries, K)

    def sweep(index: VectorIndex, knob: str, values: list) -> None:
        """Build once, then report one row per value of a search-time parameter."""
        start = time.perf_counter()
        index.build(ids, vectors)
        build_s = time.perf_counter() - start
        disk = disk_size(index)
        for value in values:
            if knob:
                setattr(index, knob, value)
            emit(
                {
                    "strategy": index.strategy,
                    "params": index.params(),
                    "n": n,
                    "build_s": round(build_s, 3),
                    "disk_bytes": disk,
                    "memory_bytes": memory_bytes(index),
                    **measure(index, queries, truth),
                }
            )

    if "exact" in strategies:
        sweep(ExactIndex(), "", [None])
    if "kmeans" in strategies:
        sweep(KMeansIndex(), "nprobe", nprobes)
    if "annoy" in strategies:
        for n_trees in annoy_trees:
            sweep(AnnoyIndex(n_trees=n_trees), "search_k", annoy_search_k)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--strategies", nargs="+", default=["exact", "kmeans", "annoy"])
    parser.add_argument("--nprobe", type=int, nargs="+", default=[2, 4, 8, 16, 32])
    parser.add_argument("--annoy-trees", type=int, nargs="+", default=[8, 16, 32])
    parser.add_argument("--annoy-search-k", type=int, nargs="+", default=[1000, 4000, 16000])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def emit(row: dict) -> None:
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            raw_mb = row["n"] * DIM * 4 / 1e6
            print(
                f"n={row['n']:>8} {row['strategy']:6} {json.dumps(row['params']):70} build {row['build_s']:7.2f}s "
                f"disk {row['disk_bytes'] / 1e6:7.1f} MB ({row['disk_bytes'] / 1e6 / raw_mb:4.2f}x raw) "
                f"p50 {row['p50_ms']:6.2f} ms p99 {row['p99_ms']:6.2f} ms recall@10 {row['recall_at_10']:.3f} "
                f"(near {row['recall_near']:.3f}, ood {row['recall_ood']:.3f})",
                flush=True,
            )

    for n in args.n:
        run(n, args.strategies, emit, args.annoy_trees, args.annoy_search_k, args.nprobe)


if __name__ == "__main__":
    main()
