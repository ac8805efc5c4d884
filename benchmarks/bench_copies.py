"""`motis index` after copying a folder of indexed photos inside the library (``cp -r trip trip2``), this
checkout against an earlier one: the copies are recognised by their bytes (no decode, no encode) or encoded.

Usage: python benchmarks/bench_copies.py --photos DIR --model-home HOME [--baseline CHECKOUT] [--work DIR]

- ``--photos``: a folder of JPEGs (e.g. the 200 camera JPEGs of ``photo_fixtures.make_camera_jpegs``, 100 at
  12 MP and 100 at 1080p, which ``bench_vs_rclip.py`` leaves in ``.cache/bench-camera-100-100``).
- ``--model-home``: a motis home with the model installed and its mode chosen (``bench_vs_rclip.py`` leaves
  one with the random-weight ViT-B/32 in ``.cache/bench-vs-rclip/motis-home``). Each tool gets a home of its
  own beside ``--work``: that home's ``config.json``, ``cache/modes`` and ``cache/speeds``, and its model files
  as symbolic links (read only, not copied); a fresh library.
- ``--baseline``: an earlier checkout (``git archive main | tar -x -C /tmp/base``), run as the same ``motis``
  command with its package first on ``PYTHONPATH``.

Steps: ``WORK/lib/trip`` gets a copy of the photos; each tool indexes ``WORK/lib`` (untimed set-up); then
``cp -r lib/trip lib/trip2``; then each tool's ``motis index --json`` (``MOTIS_NO_SERVICE=1``,
``MOTIS_READ_TEXT=0``) is timed, whole process, one run each, load average beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def make_home(template: Path, home: Path) -> None:
    """A home with ``template``'s settings, mode choice and model (files linked), and no library."""
    home.mkdir(parents=True)
    config = json.loads((template / "config.json").read_text())
    config.pop("library_folders", None)
    (home / "config.json").write_text(json.dumps(config))
    for sub in ("modes", "speeds"):
        if (template / "cache" / sub).is_dir():
            shutil.copytree(template / "cache" / sub, home / "cache" / sub)
    for model in (template / "models").iterdir():
        if model.is_dir():
            (home / "models" / model.name).mkdir(parents=True)
            for f in model.iterdir():
                (home / "models" / model.name / f.name).symlink_to(f.resolve())


def run_index(checkout: Path, home: Path, *args: str) -> tuple[float, dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(checkout.resolve()), "MOTIS_HOME": str(home)}
    env.update(MOTIS_NO_SERVICE="1", MOTIS_READ_TEXT="0")
    motis = str(Path(sys.executable).parent / "motis")
    started = time.perf_counter()
    proc = subprocess.run([motis, "index", *args, "--json"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"motis index failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, required=True)
    parser.add_argument("--model-home", type=Path, required=True)
    parser.add_argument("--baseline", type=Path)
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-copies"))
    args = parser.parse_args()
    if args.work.exists():
        shutil.rmtree(args.work)
    lib = args.work / "lib"
    shutil.copytree(args.photos, lib / "trip")
    tools = {"after": REPO} | ({"before": args.baseline} if args.baseline else {})
    for name, checkout in tools.items():
        make_home(args.model_home, args.work / f"home-{name}")
        wall, summary = run_index(checkout, args.work / f"home-{name}", str(lib))
        print(json.dumps({"tool": name, "run": "first index", "wall_s": round(wall, 2), **summary}), flush=True)
    shutil.copytree(lib / "trip", lib / "trip2")  # new files, new mtimes, the same bytes
    for name, checkout in tools.items():
        load = os.getloadavg()[0]
        wall, summary = run_index(checkout, args.work / f"home-{name}")
        keep = {k: summary.get(k) for k in ("encoded", "copied", "unchanged", "elapsed_s")}
        record = {"tool": name, "run": "after cp -r", "wall_s": round(wall, 2), "load_before": round(load, 2)}
        print(json.dumps(record | keep | {"load_after": round(os.getloadavg()[0], 2)}), flush=True)


if __name__ == "__main__":
    main()
