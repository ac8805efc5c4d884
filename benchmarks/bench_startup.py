"""Start-up of the app, bundled (dist/motis-desktop) next to the development venv.

Usage: python benchmarks/bench_startup.py [--bundle dist/motis-desktop] [--runs 5] [--json]

A home holding the hand-made colour model and 24 indexed photos is made once. Then, for each build, in
alternation: the GUI is started offscreen with the hidden ``--probe-search red`` and timed from launch to
"window shown" (first paint), "ready to search" (model loaded, gallery listed) and "results" (the search typed
into the box has its results on screen); the CLI is timed for ``motis --version`` (interpreter start) and
``motis search red`` (a whole first search: start, model load, query). The first round runs with whatever is in
the page cache and is reported apart (``cold``); the median of the others is the warm figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parent.parent
MARKS = ("window shown", "ready to search", "results")


def make_home(root: Path) -> Path:
    """A MoTIS home with the colour model and 24 indexed photos (6 per colour)."""
    from motis_desktop.core.models.architectures.colour import build_colour_pair
    from motis_desktop.core.services import Services

    photos = root / "photos"
    photos.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, rgb in {
        "red": (220, 30, 30),
        "green": (30, 180, 40),
        "blue": (30, 40, 220),
        "yellow": (240, 225, 30),
    }.items():
        for i in range(6):
            img = np.clip(np.array(rgb) + rng.normal(0, 10, (480, 640, 3)), 0, 255).astype(np.uint8)
            cv2.imwrite(str(photos / f"{name}-{i}.jpg"), np.ascontiguousarray(img[:, :, ::-1]))
    home = root / "home"
    services = Services.open(home)
    services.import_pair(*build_colour_pair(root / "model"), name="colour")
    services.add_folders([str(photos)])
    services.index()
    services.update_search_index()  # the vector index exists on disk
    services.close()
    return home


def time_gui(cmd: list[str], home: Path) -> dict[str, float]:
    """Seconds from launch to each start-up marker the GUI prints."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOTIS_HOME": str(home)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*cmd, "--probe-search", "red"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    times: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        for mark in MARKS:
            if line.startswith(f"motis-desktop: {mark}"):
                times[mark] = time.perf_counter() - start
    if proc.wait() != 0 or len(times) != len(MARKS):
        raise RuntimeError(f"{cmd[0]} --probe-search failed (exit {proc.returncode}, saw {sorted(times)})")
    return times


def time_cli(cmd: list[str], home: Path) -> dict[str, float]:
    env = {**os.environ, "MOTIS_HOME": str(home)}
    times = {}
    for label, args in (("--version", ["--version"]), ("search", ["search", "red", "-k", "5"])):
        start = time.perf_counter()
        subprocess.run([*cmd, *args], check=True, capture_output=True, env=env)
        times[label] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default=str(REPO / "dist" / "motis-desktop"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bundle = Path(args.bundle)
    venv_bin = Path(sys.executable).parent
    builds = {
        "venv": ([sys.executable, "-m", "motis_desktop"], [str(venv_bin / "motis")]),
        "bundle": ([str(bundle / "motis-desktop")], [str(bundle / "motis")]),
    }
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        home = make_home(Path(tmp))
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in builds}
        for _ in range(args.runs):
            for name, (gui, cli) in builds.items():
                runs[name].append({**time_gui(gui, home), **{f"cli {k}": v for k, v in time_cli(cli, home).items()}})
    result = {
        name: {
            "cold": rows[0],
            "warm_median": {k: statistics.median(r[k] for r in rows[1:] or rows) for k in rows[0]},
        }
        for name, rows in runs.items()
    }
    result["load_average"] = {"before": load_before, "after": os.getloadavg()[0], "cores": os.cpu_count()}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    keys = list(result["venv"]["cold"])
    print(f"{'seconds from launch':28}" + "".join(f"{n + ' ' + w:>16}" for n in builds for w in ("cold", "warm")))
    for key in keys:
        cells = "".join(f"{result[n]['cold'][key]:16.2f}{result[n]['warm_median'][key]:16.2f}" for n in builds)
        print(f"{key:28}{cells}")
    load = result["load_average"]
    print(f"load average {load['before']:.1f} before, {load['after']:.1f} after, on {load['cores']} cores")


if __name__ == "__main__":
    main()
