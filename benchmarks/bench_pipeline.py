"""Indexing pipeline throughput against the model alone and a naive loop, measured in one run.

Usage: python benchmarks/bench_pipeline.py [--n-12mp 32] [--n-1080p 32] [--batch-size 16] [--plans overlap alternate]
       [--rounds 1] [--mode fp32] [--json]

Model: a random-weights ViT-B/32 built by our own CLIP code (core/models/encoders/clip_model.py), imported
as a checkpoint into a temporary home, so it runs exactly as an installed model does (whatever inference
mode the encoder uses). Photos: camera-size JPEGs generated from scikit-image's sample photos
(benchmarks/photo_fixtures.py), half 12 MP, half 1080p, copied to reach the counts.

Figures (photos per second, one line or JSON object each):
- ``pipeline``: ``motis index``-equivalent (an ``Indexer`` over the library: scan, decode in worker
  processes, encode, store), from the call to its return, for each thread plan (``indexer.plan_threads``;
  schedules "overlap" and "alternate");
- ``model_alone``: ``encoder.encode_images`` on ready tensors at the same batch size, with torch using every
  core (and, for reference, each plan's torch thread count);
- ``naive``: one photo at a time: PIL open + convert + bicubic resize + crop + normalize, then the model in
  fp32 at batch 1;
- ``ratios``: pipeline / model_alone (target >= 0.85) and pipeline / naive (target >= 5), per round;
  ``summary``: their medians over ``--rounds`` (the model alone is measured right before each pipeline run,
  so on a busy machine both see similar load).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, closing
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def emit(args: argparse.Namespace, record: dict) -> None:
    if args.json:
        print(json.dumps(record), flush=True)
    else:
        print("  ".join(f"{k}={v}" for k, v in record.items()), flush=True)


def make_photos(folder: Path, cache: Path, n_12mp: int, n_1080p: int) -> list[Path]:
    from photo_fixtures import make_photo_jpegs

    sources = {"12mp": make_photo_jpegs(cache, ("12mp",)), "1080p": make_photo_jpegs(cache, ("1080p",))}
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for key, count in (("12mp", n_12mp), ("1080p", n_1080p)):
        for i in range(count):
            src = sources[key][i % len(sources[key])]
            dst = folder / f"{key}_{i:04d}.jpg"
            shutil.copyfile(src, dst)
            out.append(dst)
    return out


def make_checkpoint(path: Path) -> Path:
    import torch
    from safetensors.torch import save_file

    from motis_desktop.core.models.encoders.clip_model import CLIP, CLIPConfig

    torch.manual_seed(0)
    model = CLIP(CLIPConfig.vit_b32())
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


def parse_plan(text: str):
    """'auto' (plan_threads()), 'overlap' or 'alternate' (that schedule's plan), or 'SCHEDULE:TORCH:WORKERS'."""
    from motis_desktop.core.library.indexer import ThreadPlan, plan_threads

    if text == "auto":
        return plan_threads()
    if text in ("overlap", "alternate"):
        return plan_threads(schedule=text)
    schedule, torch_threads, workers = text.split(":")
    return ThreadPlan(int(torch_threads), int(workers), schedule)


def run_pipeline(home: Path, folder: Path, batch_size: int, plan) -> dict:
    from motis_desktop.core.library.indexer import Indexer
    from motis_desktop.core.library.store import LibraryStore
    from motis_desktop.core.paths import AppPaths
    from motis_desktop.core.services import Services

    for leftover in home.glob("library.sqlite3*"):
        leftover.unlink()
    shutil.rmtree(home / "cache", ignore_errors=True)
    services = Services.open(home)
    with ExitStack() as stack:
        stack.callback(services.close)
        services.add_folders([str(folder)])
        encoder = services.encoder()
        torch_threads, workers = plan.torch_threads, plan.decode_workers
        store = stack.enter_context(closing(LibraryStore(AppPaths(home).library_db)))  # the indexer, below the door
        indexer = Indexer(
            store, encoder, batch_size, workers=workers, torch_threads=torch_threads, schedule=plan.schedule
        )
        encode_started: list[float] = []

        def on_progress(p) -> None:
            if p.phase == "encode" and not encode_started:
                encode_started.append(time.perf_counter())

        started = time.perf_counter()
        summary = indexer.run(on_progress)
        elapsed = time.perf_counter() - started
        assert summary.encoded > 0 and not summary.skipped, summary.to_json()
        encode_s = elapsed - (encode_started[0] - started)
        return {
            "schedule": plan.schedule,
            "torch_threads": torch_threads,
            "decode_workers": workers,
            "photos": summary.encoded,
            "seconds": round(elapsed, 2),
            "photos_per_s": round(summary.encoded / elapsed, 2),
            "encode_phase_photos_per_s": round(summary.encoded / encode_s, 2),
        }


def run_model_alone(encoder, n: int, batch_size: int, threads: int) -> dict:
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        size = encoder.preprocess_config.size
        batch = np.random.default_rng(0).standard_normal((batch_size, 3, size, size)).astype(np.float32)
        encoder.encode_images(batch)  # warm-up
        batches = max(1, n // batch_size)
        started = time.perf_counter()
        for _ in range(batches):
            encoder.encode_images(batch)
        elapsed = time.perf_counter() - started
    finally:
        torch.set_num_threads(previous)
    return {"torch_threads": threads, "photos_per_s": round(batches * batch_size / elapsed, 2)}


def run_naive(encoder, photos: list[Path], threads: int) -> dict:
    """PIL one photo at a time, the model in fp32 at batch 1."""
    import torch
    from photo_fixtures import pil_reference

    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        started = time.perf_counter()
        for path in photos:
            encoder.encode_images(pil_reference(path, encoder.preprocess_config.size)[None])
        elapsed = time.perf_counter() - started
    finally:
        torch.set_num_threads(previous)
    return {"torch_threads": threads, "photos": len(photos), "photos_per_s": round(len(photos) / elapsed, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-12mp", type=int, default=32)
    parser.add_argument("--n-1080p", type=int, default=32)
    parser.add_argument("--naive-n", type=int, default=16, help="photos in the naive loop (half of each size)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="repeat every measurement; medians are printed last")
    parser.add_argument(
        "--plans",
        nargs="+",
        default=["overlap", "alternate"],
        help="thread plans: auto, overlap, alternate, or SCHEDULE:TORCH:WORKERS (e.g. overlap:2:1)",
    )
    parser.add_argument(
        "--mode", default="fp32", help="inference mode for the pipeline and the model alone (fp32, bf16, int8)"
    )
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()

    import torch

    from motis_desktop.core.library.indexer import available_cores, plan_threads
    from motis_desktop.core.models.precision import MODE_ENV
    from motis_desktop.core.services import Services

    work = args.work or Path(tempfile.mkdtemp(prefix="motis-bench-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    cores = available_cores()
    emit(
        args,
        {
            "figure": "setup",
            "cores": cores,
            "auto_plan": str(plan_threads()),
            "torch": torch.__version__,
            "batch_size": args.batch_size,
            "mode": args.mode,
            "photos_12mp": args.n_12mp,
            "photos_1080p": args.n_1080p,
        },
    )
    shutil.rmtree(work / "photos", ignore_errors=True)
    photos = make_photos(work / "photos", work / "sources", args.n_12mp, args.n_1080p)
    home = work / "home"
    os.environ["MOTIS_HOME"] = str(home)
    os.environ[MODE_ENV] = args.mode  # the same mode for the pipeline and the model alone, no mode measurement
    services = Services.open(home)
    if not services.installed_models():
        services.import_checkpoint(make_checkpoint(work / "vit-b32-random.safetensors"), "vit-b32-random")
    encoder = services.encoder()
    fp32_encoder = services.reference_encoder()
    services.close()

    n = len(photos)
    half = args.naive_n // 2
    naive_photos = photos[:half] + photos[args.n_12mp : args.n_12mp + args.naive_n - half]
    naive = run_naive(fp32_encoder, naive_photos, cores)
    emit(args, {"figure": "naive", **naive})
    # Each round measures the model alone right before each plan's pipeline, so both see similar load.
    ratios: dict[str, list[tuple[float, float, float]]] = {text: [] for text in args.plans}
    for round_no in range(1, args.rounds + 1):
        for text in args.plans:
            plan = parse_plan(text)
            alone = run_model_alone(encoder, n, args.batch_size, cores)
            emit(args, {"figure": "model_alone", "round": round_no, **alone})
            result = run_pipeline(home, work / "photos", args.batch_size, plan)
            emit(args, {"figure": "pipeline", "round": round_no, "plan": text, **result})
            same_threads = alone
            if result["torch_threads"] != cores:
                same_threads = run_model_alone(encoder, n, args.batch_size, result["torch_threads"])
                emit(args, {"figure": "model_alone", "round": round_no, **same_threads})
            got = (
                result["photos_per_s"] / alone["photos_per_s"],
                result["photos_per_s"] / same_threads["photos_per_s"],
                result["photos_per_s"] / naive["photos_per_s"],
            )
            ratios[text].append(got)
            emit(
                args,
                {
                    "figure": "ratios",
                    "round": round_no,
                    "plan": text,
                    "pipeline_vs_model_alone": round(got[0], 3),
                    "pipeline_vs_model_alone_same_threads": round(got[1], 3),
                    "pipeline_vs_naive": round(got[2], 2),
                },
            )
    for text, rows in ratios.items():
        emit(
            args,
            {
                "figure": "summary",
                "plan": text,
                "rounds": len(rows),
                "median_pipeline_vs_model_alone": round(statistics.median(r[0] for r in rows), 3),
                "median_pipeline_vs_model_alone_same_threads": round(statistics.median(r[1] for r in rows), 3),
                "median_pipeline_vs_naive": round(statistics.median(r[2] for r in rows), 2),
                "targets": ">= 0.85 and >= 5",
            },
        )
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
