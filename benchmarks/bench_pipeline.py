"""Indexing pipeline against the engine alone and naive loops, measured in one run; CPU-seconds per photo
outside the model.

Usage: python benchmarks/bench_pipeline.py [--n-12mp 16] [--n-1080p 16] [--naive-n 16] [--rounds 1]
       [--photos camera|smooth] [--mode MODE] [--json]

Model: a random-weights ViT-B/32 from our CLIP code (seed 0), imported as a checkpoint into a temporary home,
so it runs as an installed model does, in the mode the app chooses on this CPU (printed with its fidelity;
``--mode`` forces one). Photos (``--photos``): ``camera`` (default: distinct 12 MP / 1080p JPEGs with
sensor-like grain, ``photo_fixtures.make_camera_jpegs``) or ``smooth`` (the upscaled sample photos,
``make_photo_jpegs``, which decode ~2x cheaper).

Figures, one line (or JSON object) each, with the load average (``os.getloadavg``) beside every figure:
- ``engine_alone_one_batch_every_core``: ``encoder.encode_images`` on ready tensors at the batch size, one
  batch at a time on every core (onnxruntime's spinning on); ``engine_alone_as_indexing``: the same with the
  thread plan's lanes (batches at once, all calling one session of ``session_threads`` intra-op threads,
  spinning off) — the engine as the pipeline runs it. The faster of the two is the reference for the ratio;
  the second gives the engine's own CPU-s per photo;
- ``pipeline``: an ``Indexer`` over a fresh library (scan, decode in the worker processes, encode, SQLite),
  from the call to its return, with the decoder pool and the image session (indexing's threads, no spinning)
  made beforehand as the app keeps them; photos/s, and
  CPU-s per photo of this process plus the workers (from /proc), and ``outside_model_cpu_s`` = that minus
  the engine's own CPU-s per photo run the same way (target <= 0.03);
  ``pipeline_cores``: the cores the run kept busy (its CPU-s over its seconds), beside ``machine_busy_cores`` and
  ``machine_idle_cores`` (every process, from /proc/stat, over the same seconds): on a shared machine a pipeline
  that keeps fewer than 2 cores busy while the machine has none idle lost them to other processes (where each
  login session is its own scheduling group, as with Linux's autogroup, ``nice`` does not help against them),
  not to waiting inside the pipeline;
- ``naive``: PIL open + convert + bicubic resize + crop + normalize, then a torch fp32 CLIP, at batch 1
  and at batch 16 (one photo decoded after another, then the batch);
- ``ratios``: pipeline / engine alone (target >= 0.85), pipeline / naive batch 16 (>= 4) and batch 1 (>= 12).
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

sys.path.insert(0, os.environ.get("MOTIS_SRC") or str(Path(__file__).resolve().parent.parent))  # another tree's code
sys.path.insert(0, str(Path(__file__).resolve().parent))

CACHE = Path(__file__).resolve().parent.parent / ".cache"


def load() -> float:
    return round(os.getloadavg()[0], 2)


def emit(args: argparse.Namespace, record: dict) -> None:
    record = {**record, "load1": load()}
    if args.json:
        print(json.dumps(record), flush=True)
    else:
        print("  ".join(f"{k}={v}" for k, v in record.items()), flush=True)


def make_photos(kind: str, n_12mp: int, n_1080p: int) -> list[Path]:
    from photo_fixtures import make_camera_jpegs, make_photo_jpegs

    if kind == "camera":
        made = make_camera_jpegs(CACHE / "bench-camera-photos", n_12mp, n_1080p)
        sources = {"12mp": made[:n_12mp], "1080p": made[n_12mp:]}
    else:
        sources = {"12mp": make_photo_jpegs(CACHE / "bench-smooth", ("12mp",))}
        sources["1080p"] = make_photo_jpegs(CACHE / "bench-smooth", ("1080p",))
    folder = CACHE / f"bench-{kind}-{n_12mp}-{n_1080p}"  # exactly these photos (hard links)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for key, count in (("12mp", n_12mp), ("1080p", n_1080p)):
        for i in range(count):
            dst = folder / f"{key}_{i:04d}.jpg"
            if not dst.exists():
                os.link(sources[key][i % len(sources[key])], dst)
            out.append(dst)
    return out


def random_vit_b32():
    """The random-weights ViT-B/32 (seed 0) as a torch module."""
    import torch

    from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig

    torch.manual_seed(0)
    return CLIP(CLIPConfig.vit_b32()).eval()


def make_checkpoint(path: Path) -> Path:
    from safetensors.torch import save_file

    model = random_vit_b32()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


def set_engine_threads(encoder, threads: int, spinning: bool | None = None) -> None:
    if hasattr(encoder, "set_threads"):
        encoder.set_threads(image=threads, spinning=spinning)
    elif "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a process (all its threads) from /proc."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, idle) CPU-seconds of the whole machine so far (/proc/stat; zeros where there is none)."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(x) for x in fh.readline().split()[1:]]
    except OSError:
        return 0.0, 0.0
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


def run_engine_alone(encoder, n: int, batch_size: int, threads: int, lanes: int = 1, spinning=None) -> dict:
    """``encoder.encode_images`` on ready tensors: ``lanes`` batches at once (a thread each), all calling the
    one session of ``threads`` intra-op threads."""
    from concurrent.futures import ThreadPoolExecutor

    set_engine_threads(encoder, threads, spinning)
    size = encoder.preprocess_config.size
    batch = np.random.default_rng(0).standard_normal((batch_size, 3, size, size)).astype(np.float32)
    encoder.encode_images(batch)  # warm-up (and session creation)
    batches = max(lanes, n // batch_size)
    cpu, started, machine = time.process_time(), time.perf_counter(), machine_cpu()
    with ThreadPoolExecutor(lanes) as pool:
        list(pool.map(lambda _: encoder.encode_images(batch), range(batches)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    idle = machine_cpu()[1] - machine[1]
    photos = batches * batch_size
    return {
        "engine_threads": threads,
        "lanes": lanes,
        "spinning": spinning,
        "photos_per_s": round(photos / elapsed, 2),
        "cpu_s_per_photo": round(cpu / photos, 4),
        "engine_cores": round(cpu / elapsed, 2),
        "machine_idle_cores": round(idle / elapsed, 2),
    }


def run_pipeline(home: Path, folder: Path, batch_size: int, plan, model_cpu_per_photo: float) -> dict:
    from motis_desktop.core.library.indexer import Indexer, make_decode_pool
    from motis_desktop.core.library.store import LibraryStore
    from motis_desktop.core.paths import AppPaths
    from motis_desktop.core.services import Services

    for leftover in home.glob("library.sqlite3*"):
        leftover.unlink()
    shutil.rmtree(home / "cache" / "indexes", ignore_errors=True)
    with ExitStack() as stack:
        services = Services.open(home)
        stack.callback(services.close)
        pool = make_decode_pool(plan.decode_workers, batch_size * 2)  # started before, as the app keeps it
        stack.callback(pool.close)
        services.add_folders([str(folder)])
        encoder = services.encoder()
        from motis_desktop.core.library import indexer as indexer_module

        if hasattr(indexer_module, "prepare_engine"):  # the image session with indexing's settings, made
            # before, as the app keeps it
            threads = getattr(plan, "session_threads", getattr(plan, "lane_threads", plan.engine_threads))
            indexer_module.prepare_engine(encoder, threads)
        pids = pool.pids() if hasattr(pool, "pids") else []
        store = stack.enter_context(closing(LibraryStore(AppPaths(home).library_db)))  # the indexer, below the door
        indexer = Indexer(
            store, encoder, batch_size, workers=plan.decode_workers, engine_threads=plan.engine_threads,
            pool=pool,
        )  # fmt: skip
        workers_cpu, machine = sum(proc_cpu_s(pid) for pid in pids), machine_cpu()
        cpu, started = time.process_time(), time.perf_counter()
        summary = indexer.run()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        workers_cpu = sum(proc_cpu_s(pid) for pid in pids) - workers_cpu
        busy, idle = (after - before for after, before in zip(machine_cpu(), machine, strict=True))
        assert summary.encoded > 0 and not summary.skipped, summary.to_json()
        per_photo = (cpu + workers_cpu) / summary.encoded
        return {
            "plan": str(plan),
            "photos": summary.encoded,
            "seconds": round(elapsed, 2),
            "photos_per_s": round(summary.encoded / elapsed, 2),
            "cpu_s_per_photo": round(per_photo, 4),
            "main_cpu_s_per_photo": round(cpu / summary.encoded, 4),
            "decoder_cpu_s_per_photo": round(workers_cpu / summary.encoded, 4),
            "outside_model_cpu_s_per_photo": round(per_photo - model_cpu_per_photo, 4),
            "pipeline_cores": round((cpu + workers_cpu) / elapsed, 2),
            "machine_busy_cores": round(busy / elapsed, 2),
            "machine_idle_cores": round(idle / elapsed, 2),
            "mode": encoder.mode,
        }


def run_naive(model, photos: list[Path], batch: int, threads: int) -> dict:
    """PIL one photo at a time, then a torch fp32 forward pass per ``batch`` photos."""
    import torch
    from photo_fixtures import pil_reference

    torch.set_num_threads(threads)
    started = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(photos), batch):
            pixels = np.stack([pil_reference(p) for p in photos[i : i + batch]])
            model.visual(torch.from_numpy(pixels))
    elapsed = time.perf_counter() - started
    return {"batch": batch, "photos": len(photos), "photos_per_s": round(len(photos) / elapsed, 2)}


def print_mode(args: argparse.Namespace, home: Path) -> None:
    """The mode the app chose on this CPU and the measurements behind it (cache/modes/*.json)."""
    for path in sorted((home / "cache" / "modes").glob("*.json")):
        choice = json.loads(path.read_text())
        emit(args, {"figure": "mode_choice", **{k: v for k, v in choice.items() if k != "fingerprint"}})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-12mp", type=int, default=16)
    parser.add_argument("--n-1080p", type=int, default=16)
    parser.add_argument("--naive-n", type=int, default=16, help="photos in each naive loop (half of each size)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="repeat engine alone + pipeline; medians last")
    parser.add_argument("--photos", choices=("camera", "smooth"), default="camera")
    parser.add_argument("--mode", help="force an inference mode (default: the app's measured choice)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()

    from motis_desktop.core.library.indexer import available_cores, plan_threads
    from motis_desktop.core.models.precision import MODE_ENV
    from motis_desktop.core.services import Services

    work = args.work or Path(tempfile.mkdtemp(prefix="motis-bench-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    cores = available_cores()
    plan = plan_threads()
    emit(args, {"figure": "setup", "cores": cores, "plan": str(plan), "batch_size": args.batch_size,
                "photos": args.photos, "photos_12mp": args.n_12mp, "photos_1080p": args.n_1080p})  # fmt: skip
    photos = make_photos(args.photos, args.n_12mp, args.n_1080p)
    folder = photos[0].parent
    home = work / "home"
    os.environ["MOTIS_HOME"] = str(home)
    if args.mode:
        os.environ[MODE_ENV] = args.mode
    services = Services.open(home)
    if not services.installed_models():
        services.import_checkpoint(make_checkpoint(work / "vit-b32-random.safetensors"), "vit-b32-random")
    services.add_folders([str(folder)])
    encoder = services.encoder()  # measures and caches the mode choice on first use
    print_mode(args, home)
    services.close()

    n = len(photos)
    half = args.naive_n // 2
    naive_photos = photos[:half] + photos[args.n_12mp : args.n_12mp + args.naive_n - half]
    torch_model = random_vit_b32()
    naive = {b: run_naive(torch_model, naive_photos, b, cores) for b in (1, 16)}
    for result in naive.values():
        emit(args, {"figure": "naive_pil_torch_fp32", **result})
    del torch_model
    rows = []
    for round_no in range(1, args.rounds + 1):
        every_core = run_engine_alone(encoder, n, args.batch_size, cores, spinning=True)
        emit(args, {"figure": "engine_alone_one_batch_every_core", "round": round_no, "mode": encoder.mode,
                    **every_core})  # fmt: skip
        lanes = getattr(plan, "engine_lanes", 1)
        threads = getattr(plan, "session_threads", getattr(plan, "lane_threads", plan.engine_threads))
        as_indexing = run_engine_alone(encoder, n, args.batch_size, threads, lanes, spinning=False)
        emit(args, {"figure": "engine_alone_as_indexing", "round": round_no, "mode": encoder.mode, **as_indexing})
        # the reference: the faster of the two ways to run the engine alone; CPU per photo: the pipeline's way
        alone = max(every_core, as_indexing, key=lambda r: r["photos_per_s"])
        result = run_pipeline(home, folder, args.batch_size, plan, as_indexing["cpu_s_per_photo"])
        emit(args, {"figure": "pipeline", "round": round_no, **result})
        got = {
            "pipeline_vs_engine_alone": round(result["photos_per_s"] / alone["photos_per_s"], 3),
            "pipeline_vs_naive_b16": round(result["photos_per_s"] / naive[16]["photos_per_s"], 2),
            "pipeline_vs_naive_b1": round(result["photos_per_s"] / naive[1]["photos_per_s"], 2),
            "outside_model_cpu_s_per_photo": result["outside_model_cpu_s_per_photo"],
        }
        rows.append(got)
        emit(args, {"figure": "ratios", "round": round_no, **got})
    emit(args, {"figure": "summary", "rounds": len(rows),
                **{f"median_{k}": statistics.median(r[k] for r in rows) for k in rows[0]},
                "targets": "vs engine >= 0.85, vs naive b16 >= 4, b1 >= 12, outside <= 0.03 CPU-s"})  # fmt: skip
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
