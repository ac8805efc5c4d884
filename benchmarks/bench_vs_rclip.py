"""`motis index` against rclip 3.3.0 on the same photos with the same random-weight ViT-B/32, alternating runs.

Usage: python benchmarks/bench_vs_rclip.py [--rounds 2] [--n-12mp 100] [--n-1080p 100] [--json]
                                           [--baseline CHECKOUT]

One command does everything, and reuses what it made before (under .cache/):
- rclip 3.3.0 in its own venv (``.cache/rclip-venv``; ``pip install --no-deps rclip==3.3.0`` plus only the
  packages its indexing path imports: numpy, onnxruntime, pillow, pi-heif, tqdm, regex, ftfy). Never a
  dependency of this project.
- 200 distinct camera-like JPEGs (``photo_fixtures.make_camera_jpegs``: 100 at 12 MP, 100 at 1080p, with grain).
- The random-weight ViT-B/32 of our CLIP code (seed 0): imported into a motis home as a checkpoint (the app
  converts it and chooses its mode once, before any timed run), and exported with ``torch.onnx.export`` to
  rclip's layout: ``$RCLIP_DATADIR/ViT-B-32-256-datacomp_s34b_b86k/{visual,textual}.onnx`` (input ``input``)
  and ``tokenizer/bpe_simple_vocab_16e6.txt.gz``, read from rclip's ``model_download.py``. rclip's
  preprocessing is written for its 256-pixel model; for the same 224-pixel model its ``IMAGE_SIZE`` is set
  to 224 (a launcher does ``rclip.utils.preprocess.IMAGE_SIZE = 224``). Everything else is rclip as shipped:
  PIL decode, its loader threads, onnxruntime fp32 on every core, its default batch of 8.

Timed, whole process each, from a fresh database: ``motis index FOLDER --json`` (``MOTIS_NO_SERVICE=1``) and
rclip's indexing (``init_rclip`` on the folder: what ``rclip QUERY`` does before it searches). The tools take
turns (motis first in odd rounds, rclip first in even ones); CPU-seconds come from ``wait4`` (the process and
the workers it reaped). Ratios are per round (rclip seconds / motis seconds), then the median. The load
average is printed beside every run.

``--start-runs N`` (default 2): after the rounds, each ``motis`` (and ``motis-base``) times ``motis index --json`` N
times on its library as the rounds left it (``unchanged``: nothing to do) and N times on a new folder of 8 new
camera JPEGs (``new_8``: 4 at 12 MP, 4 at 1080p, made like the others, a fresh folder each run): the per-run start,
in turns, with the load beside each.

``--baseline CHECKOUT`` (e.g. ``mkdir /tmp/base && git archive main | tar -x -C /tmp/base``): a third tool,
``motis-base``, is the same ``motis index`` with that checkout's package first on ``PYTHONPATH`` (this venv, its
own code) and its own home, where that checkout's code installed the model (its own int8 towers), in the same
rounds; the summary adds this checkout's speed-up over it (a before/after ratio from one run). Each home is made
again when the code that makes the towers (``MAKERS``) has changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

RCLIP_VERSION = "3.3.0"
RCLIP_RUNTIME = ["numpy", "onnxruntime", "pillow>=12,<13", "pi-heif>=1.1.1,<2", "tqdm", "regex", "ftfy"]
RCLIP_MODEL_DIR = "ViT-B-32-256-datacomp_s34b_b86k"
LAUNCHER = """
import os, sys
import rclip.utils.preprocess as pre
pre.IMAGE_SIZE = 224  # the same 224-pixel ViT-B/32 as motis (rclip ships a 256-pixel one)
from rclip import main
rclip, model, db = main.init_rclip(sys.argv[1], 8)
count = db._con.execute("SELECT COUNT(*) FROM images").fetchone()[0]
rclip.close(); model.close(); db.close()
print(count)
"""


def load() -> float:
    return round(os.getloadavg()[0], 2)


def emit(args: argparse.Namespace, record: dict) -> None:
    record = {**record, "load1": load()}
    print(json.dumps(record) if args.json else "  ".join(f"{k}={v}" for k, v in record.items()), flush=True)


def ensure_rclip(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([str(python), "-c", "import rclip.main, onnxruntime"]).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--no-deps", f"rclip=={RCLIP_VERSION}"], check=True)
    subprocess.run([*pip, *RCLIP_RUNTIME], check=True)
    return python


def export_rclip_model(datadir: Path) -> None:
    """The random ViT-B/32 as rclip's visual.onnx / textual.onnx (input "input", dynamic batch)."""
    target = datadir / RCLIP_MODEL_DIR
    if (target / "visual.onnx").exists() and (target / "textual.onnx").exists():
        return
    import torch
    from bench_pipeline import random_vit_b32

    model = random_vit_b32()
    target.mkdir(parents=True, exist_ok=True)

    class Tower(torch.nn.Module):
        def __init__(self, clip: torch.nn.Module, image: bool) -> None:
            super().__init__()
            self.clip, self.image = clip, image

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.clip.visual(x) if self.image else self.clip.text_tower()(x)

    examples = {"visual": torch.randn(2, 3, 224, 224), "textual": torch.randint(1, 49000, (2, 77))}
    for name, module in (("visual", Tower(model, True)), ("textual", Tower(model, False))):
        tmp = target / f"{name}.onnx.part"
        with torch.no_grad():
            torch.onnx.export(
                module, (examples[name],), str(tmp), dynamo=False, input_names=["input"], output_names=["output"],
                dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=17,
            )  # fmt: skip
        tmp.rename(target / f"{name}.onnx")
    vocab = datadir / "tokenizer" / "bpe_simple_vocab_16e6.txt.gz"
    vocab.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "resources" / "bpe_simple_vocab_16e6.txt.gz", vocab)


# The code that makes an installed model's towers: a home made by other code is made again.
MAKERS = ("motis_desktop/core/models/precision.py", "motis_desktop/core/models/encoders/onnx_export.py")
PREPARE = """
import sys
from pathlib import Path
from motis_desktop.core.services import Services
services = Services.open(Path(sys.argv[1]))
try:
    if not services.installed_models():
        services.import_checkpoint(Path(sys.argv[2]), "vit-b32-random")
    services.encoder()
finally:
    services.close()
"""


def prepare_motis(home: Path, work: Path, checkout: Path = REPO) -> None:
    """A motis home with the random ViT-B/32 installed by ``checkout``'s code (its conversion, its int8 towers,
    its mode choice: none of it part of a timed run); made again when that code has changed."""
    import hashlib

    from bench_pipeline import make_checkpoint

    digest = hashlib.sha256(b"".join((checkout / m).read_bytes() for m in MAKERS if (checkout / m).exists()))
    marker = home / ".made-by.txt"  # hidden: a home holding other files is no home (paths.NotALibrary)
    if home.exists() and (not marker.exists() or marker.read_text() != digest.hexdigest()):
        shutil.rmtree(home)
    checkpoint = work / "vit-b32-random.safetensors"
    if not checkpoint.exists():
        make_checkpoint(checkpoint)
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve())}
    subprocess.run([sys.executable, "-c", PREPARE, str(home), str(checkpoint)], env=env, check=True, cwd=work)
    marker.write_text(digest.hexdigest())


def run_with_rusage(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the process and the children it reaped) and stdout of one run."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')[-2000:]}")
    out = proc.stdout.decode()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def time_start(args: argparse.Namespace, homes: dict[str, Path], env: dict[str, str]) -> None:
    """``motis index`` on an unchanged library and on 8 new photos, ``args.start_runs`` times each, tools in turns."""
    from photo_fixtures import make_camera_jpegs

    motis = [str(Path(sys.executable).parent / "motis"), "index", "--json"]
    made = make_camera_jpegs(CACHE / "bench-camera-photos", 100 + 4 * args.start_runs, 100 + 4 * args.start_runs)
    half = len(made) // 2
    times: dict[tuple[str, str], list[float]] = {}
    for run in range(args.start_runs):
        folder = CACHE / "bench-vs-rclip" / "start" / f"new-{run}"  # 8 photos no library holds yet
        folder.mkdir(parents=True, exist_ok=True)
        for src in made[100 + 4 * run : 104 + 4 * run] + made[half + 100 + 4 * run : half + 104 + 4 * run]:
            if not (folder / src.name).exists():
                os.link(src, folder / src.name)
        tools = list(homes) if run % 2 == 0 else list(homes)[::-1]
        for kind, extra in (("unchanged", []), ("new_8", [str(folder)])):
            for tool in tools:
                tool_env = {**env, "MOTIS_HOME": str(homes[tool])}
                if tool == "motis-base":
                    tool_env["PYTHONPATH"] = str(args.baseline.resolve())
                wall, cpu, out = run_with_rusage(motis + extra, tool_env, REPO)
                encoded = json.loads(out.strip().splitlines()[-1])["encoded"]
                times.setdefault((tool, kind), []).append(wall)
                emit(args, {"figure": "start", "run": run + 1, "tool": tool, "kind": kind, "encoded": encoded,
                            "seconds": round(wall, 3), "cpu_s": round(cpu, 3)})  # fmt: skip
    for (tool, kind), walls in times.items():
        emit(args, {"figure": "start_summary", "tool": tool, "kind": kind, "runs": len(walls),
                    "median_seconds": round(statistics.median(walls), 3)})  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n-12mp", type=int, default=100)
    parser.add_argument("--n-1080p", type=int, default=100)
    parser.add_argument("--rclip-venv", type=Path, default=CACHE / "rclip-venv")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--baseline", type=Path, help="an earlier checkout to time as motis-base in the same rounds")
    parser.add_argument("--start-runs", type=int, default=2, help="motis index on an unchanged library / 8 new photos")
    args = parser.parse_args()

    from bench_pipeline import make_photos

    work = CACHE / "bench-vs-rclip"
    work.mkdir(parents=True, exist_ok=True)
    rclip_python = ensure_rclip(args.rclip_venv)
    photos = make_photos("camera", args.n_12mp, args.n_1080p)
    folder = photos[0].parent
    datadir = work / "rclip-data"
    export_rclip_model(datadir)
    home = work / "motis-home"
    prepare_motis(home, work)
    base_home = work / "motis-base-home"  # the baseline's own conversion and int8 towers
    if args.baseline:
        prepare_motis(base_home, work, args.baseline)
    launcher = work / "rclip_index.py"
    launcher.write_text(LAUNCHER)
    emit(args, {"figure": "setup", "photos": len(photos), "folder": str(folder), "rclip": RCLIP_VERSION,
                "cores": len(os.sched_getaffinity(0))})  # fmt: skip

    env = {**os.environ, "MOTIS_NO_SERVICE": "1", "MOTIS_HOME": str(home), "RCLIP_DATADIR": str(datadir)}
    motis = [str(Path(sys.executable).parent / "motis"), "index", str(folder), "--json"]
    rclip = [str(rclip_python), str(launcher), str(folder)]
    tools = ["motis", "rclip"] + (["motis-base"] if args.baseline else [])
    runs: dict[str, list[tuple[float, float]]] = {tool: [] for tool in tools}
    for round_no in range(1, args.rounds + 1):
        for tool in tools if round_no % 2 else tools[::-1]:
            if tool == "rclip":
                for leftover in datadir.glob("db.sqlite3*"):
                    leftover.unlink()
                wall, cpu, out = run_with_rusage(rclip, env, folder)
                count = int(out.strip().splitlines()[-1])
            else:
                tool_home = home if tool == "motis" else base_home
                for leftover in tool_home.glob("library.sqlite3*"):
                    leftover.unlink()
                shutil.rmtree(tool_home / "cache" / "indexes", ignore_errors=True)
                tool_env = {**env, "MOTIS_HOME": str(tool_home)}
                if tool == "motis-base":
                    tool_env["PYTHONPATH"] = str(args.baseline.resolve())
                wall, cpu, out = run_with_rusage(motis, tool_env, REPO)
                count = json.loads(out.strip().splitlines()[-1])["encoded"]
            runs[tool].append((wall, cpu))
            emit(args, {"figure": "run", "round": round_no, "tool": tool, "photos": count, "seconds": round(wall, 2),
                        "photos_per_s": round(count / wall, 2), "cpu_s_per_photo": round(cpu / count, 4)})  # fmt: skip
        for other in tools[1:]:
            (wall, cpu), (other_wall, other_cpu) = runs["motis"][-1], runs[other][-1]
            emit(args, {"figure": "ratio", "round": round_no, f"motis_vs_{other}": round(other_wall / wall, 2),
                        "cpu_ratio": round(other_cpu / cpu, 2)})  # fmt: skip
    for other in tools[1:]:
        walls = [o[0] / m[0] for m, o in zip(runs["motis"], runs[other], strict=True)]
        cpus = [o[1] / m[1] for m, o in zip(runs["motis"], runs[other], strict=True)]
        target = ">= 3" if other == "rclip" else "> 1 (this checkout faster)"
        emit(args, {"figure": "summary", "rounds": len(walls),
                    f"median_motis_vs_{other}": round(statistics.median(walls), 2),
                    "median_cpu_ratio": round(statistics.median(cpus), 2), "target": target})  # fmt: skip
    if args.start_runs:
        time_start(args, {"motis": home, **({"motis-base": base_home} if args.baseline else {})}, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
