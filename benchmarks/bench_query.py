"""Query latency: text encoding per inference mode, search at N photos, the whole query in a running
app (cache misses and hits), and what `motis search` costs from a shell with and without `motis serve`.

Usage: python benchmarks/bench_query.py [--n 100000] [--model vitb32|tiny] [--json] [--skip-cli]
       [--sections modes text search app cli]

Setup (timed, not part of the figures): a temporary home with a random-weights CLIP from our code
(ViT-B/32-sized by default), and a library of N photos (hard links to real sample JPEGs) with synthetic
CLIP-like embeddings (benchmarks/synthetic_library.py). Each figure is one line, or one JSON object per
line with --json. Latencies are p50/p90 over distinct queries, one at a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_library import QUERIES, build_library, install_random_clip  # noqa: E402

from motis_desktop.core.models.engine import MODES  # noqa: E402
from motis_desktop.core.search.indexes import ExactIndex, KMeansIndex  # noqa: E402
from motis_desktop.core.services import Services  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SECTIONS = ("modes", "text", "search", "app", "cli")


def emit(as_json: bool, **row: object) -> None:
    if as_json:
        print(json.dumps({"bench": "query", **row}), flush=True)
        return
    parts = [f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()]
    print("  ".join(parts), flush=True)


def percentiles(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": float(np.percentile(ms, 50)), "p90_ms": float(np.percentile(ms, 90))}


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append(1e3 * (time.perf_counter() - start))
    return out


def bench_text(services: Services, as_json: bool) -> None:
    """Text tower alone, one query per call, in every mode, as the app runs it (the engine's own intra-op threads
    and its end-of-text truncation where the model allows it)."""
    base = services.reference_encoder()
    for mode in MODES:
        encoder = base if mode == "fp32" else base.with_modes(image=mode, text=mode)
        encoder.encode_queries(["warm up"])
        encoder.encode_queries(["warm up again"])
        ms = timed(lambda q, e=encoder: e.encode_queries([q]), QUERIES[:10])
        emit(as_json, metric="text_encode", mode=mode, truncate=encoder.truncate_text, **percentiles(ms))


def bench_search(services: Services, model_id: str, n: int, as_json: bool) -> None:
    """Index search alone at N (exact float32 / k-means) and recall@10 against exact."""
    from bench_index import make_dataset

    ids, vectors = services.embeddings()
    _, near, ood = make_dataset(n, n_queries=100, seed=0)
    queries = np.concatenate([near, ood])
    truth = None
    for name, index in (
        ("exact float32", ExactIndex()),
        ("kmeans nprobe 16", KMeansIndex()),
    ):
        index.build(ids, vectors)
        index.search(queries[:1], 10)
        found: list[np.ndarray] = []
        ms = timed(lambda q, i=index, f=found: f.append(i.search(q[None, :], 10)[0][0]), queries)
        found_arr = np.array(found)
        truth = found_arr if truth is None else truth
        recall = float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found_arr, truth, strict=True)]))
        emit(as_json, metric="search", index=name, n=n, recall_at_10=recall, **percentiles(ms))


def bench_app_query(services: Services, model_id: str, n: int, as_json: bool) -> None:
    """The whole query in a running app: parse, text vector (cache), index, paths; misses then hits."""
    encoder = services.encoder()  # chosen mode, loaded once
    strategy = services.update_search_index().strategy  # the library's vectors, loaded once and kept
    services.query("warm up", limit=10)
    miss = timed(lambda q: services.query(q, limit=10), QUERIES)  # first time: the text tower runs
    hit = timed(lambda q: services.query(q, limit=10), QUERIES)
    common = {"n": n, "mode": encoder.mode, "truncate": encoder.truncate_text, "index": strategy}
    emit(as_json, metric="app_query", cache="miss", **common, **percentiles(miss))
    emit(as_json, metric="app_query", cache="hit", **common, **percentiles(hit))


def bench_cli(home: Path, as_json: bool, runs: int = 3) -> None:
    """`motis search` from a shell: in-process (torch start-up each time) vs through `motis serve`."""
    env = {**os.environ, "MOTIS_HOME": str(home)}
    motis = [sys.executable, "-m", "motis_desktop.cli.entry"]
    torch_ms = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True, env=env)
        torch_ms.append(1e3 * (time.perf_counter() - start))
    emit(as_json, metric="python_import_torch", runs=runs, **percentiles(torch_ms))
    cold = []
    for i in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [*motis, "search", QUERIES[i], "-k", "10"],
            check=True,
            capture_output=True,
            env={**env, "MOTIS_NO_SERVICE": "1"},
        )
        cold.append(1e3 * (time.perf_counter() - start))
    emit(as_json, metric="cli_search", via="in-process", runs=runs, **percentiles(cold))
    start = time.perf_counter()
    serve = subprocess.Popen([*motis, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = serve.stdout.readline()  # printed once model, index and query path are warm
        if "serving" not in line:
            raise RuntimeError(f"motis serve did not start: {line!r}")
        emit(as_json, metric="serve_ready", ms=1e3 * (time.perf_counter() - start))
        warm = []
        for i in range(runs * 3):
            start = time.perf_counter()
            subprocess.run(
                [*motis, "search", QUERIES[i % len(QUERIES)], "-k", "10"], check=True, capture_output=True, env=env
            )
            warm.append(1e3 * (time.perf_counter() - start))
        emit(as_json, metric="cli_search", via="motis serve", runs=len(warm), **percentiles(warm))
        python_ms = timed(lambda _: subprocess.run([sys.executable, "-c", "pass"], check=True), range(runs))
        emit(as_json, metric="python_start", runs=runs, **percentiles(python_ms))
    finally:
        serve.terminate()
        serve.wait(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="photos in the library")
    parser.add_argument("--model", choices=("vitb32", "tiny"), default="vitb32")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-cli", action="store_true", help="skip the `motis search` subprocess figures")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = parser.parse_args()
    sections = set(args.sections) - ({"cli"} if args.skip_cli else set())
    with tempfile.TemporaryDirectory(prefix="bench-query-") as tmp:
        home = Path(tmp) / "home"
        os.environ["MOTIS_HOME"] = str(home)
        os.environ.pop("MOTIS_INFERENCE_MODE", None)
        services = Services.open(home)
        started = time.perf_counter()
        model_id = install_random_clip(services, "bench", args.model, Path(tmp))
        n = args.n if sections & {"search", "app", "cli"} else 0
        build_s = build_library(services, model_id, n, Path(tmp)) if n else 0.0
        emit(args.json, metric="setup", model=args.model, n=n, seconds=time.perf_counter() - started, library_s=build_s)
        if sections & {"modes", "app", "cli"}:
            start = time.perf_counter()
            choice = services.mode_choice(services.active_model())
            emit(
                args.json,
                metric="mode_choice",
                chosen=choice["mode"],
                truncate=choice["text_truncation"],
                seconds=time.perf_counter() - start,
            )
            keys = (
                "mode",
                "available",
                "faithful",
                "image_per_s",
                "text_ms",
                "image_cos_min",
                "text_cos_min",
                "top10_same",
            )
            for row in choice["results"]:
                emit(args.json, metric="mode", **{k: row[k] for k in keys})
        if "text" in sections:
            bench_text(services, args.json)
        if "search" in sections:
            bench_search(services, model_id, n, args.json)
        if "app" in sections:
            bench_app_query(services, model_id, n, args.json)
        services.close()
        if "cli" in sections:
            bench_cli(home, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
