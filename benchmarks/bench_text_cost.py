"""What reading text costs a whole `motis index` of camera photos: text on against text off, same run.

Usage: python benchmarks/bench_text_cost.py [--rounds 2] [--n-12mp 100] [--n-1080p 100] [--also SRC] [--json]

The photos and the model are ``bench_vs_rclip``'s (no rclip needed): 200 distinct camera-like JPEGs with
grain (100 at 12 MP, 100 at 1080p; little or no text: scikit-image's sample photos) and the random-weight
ViT-B/32 imported once into a motis home under ``.cache/bench-vs-rclip``. Each round times, whole process,
from a fresh database, ``motis index FOLDER --json`` with ``MOTIS_READ_TEXT=0`` and with ``MOTIS_READ_TEXT=1``
(the order alternates between rounds); CPU seconds come from ``wait4`` (the process and its reaped workers,
the text reader included). ``--also SRC`` adds a text-on run of another source tree's code (``PYTHONPATH=SRC``,
e.g. ``git archive`` of the commit before a change), so before/after are measured under the same load.
Ratios are per round (text on / text off), then the median; the load average is printed beside every run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_vs_rclip import CACHE, emit, prepare_motis, run_with_rusage  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n-12mp", type=int, default=100)
    parser.add_argument("--n-1080p", type=int, default=100)
    parser.add_argument("--also", type=Path, help="another source tree: one more text-on run with its code")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from bench_pipeline import make_photos

    work = CACHE / "bench-vs-rclip"
    work.mkdir(parents=True, exist_ok=True)
    photos = make_photos("camera", args.n_12mp, args.n_1080p)
    folder = photos[0].parent
    home = work / "motis-home"
    prepare_motis(home, work)
    emit(args, {"figure": "setup", "photos": len(photos), "folder": str(folder), "cores": len(os.sched_getaffinity(0))})

    base = {**os.environ, "MOTIS_NO_SERVICE": "1", "MOTIS_HOME": str(home)}
    variants = {"off": {"MOTIS_READ_TEXT": "0"}, "on": {"MOTIS_READ_TEXT": "1"}}
    if args.also:
        variants["on-also"] = {"MOTIS_READ_TEXT": "1", "PYTHONPATH": str(args.also.resolve())}
    motis = [str(Path(sys.executable).parent / "motis"), "index", str(folder), "--json"]
    ratios: dict[str, list[float]] = {name: [] for name in variants if name != "off"}
    cpu_ratios: dict[str, list[float]] = {name: [] for name in ratios}
    for round_no in range(1, args.rounds + 1):
        order = list(variants) if round_no % 2 else list(reversed(variants))
        got: dict[str, tuple[float, float]] = {}
        for name in order:
            for leftover in home.glob("library.sqlite3*"):
                leftover.unlink()
            shutil.rmtree(home / "cache" / "indexes", ignore_errors=True)
            wall, cpu, out = run_with_rusage(motis, {**base, **variants[name]}, REPO)
            summary = json.loads(out.strip().splitlines()[-1])
            count = summary["encoded"]
            got[name] = (wall, cpu)
            emit(args, {"figure": "run", "round": round_no, "text": name, "photos": count, "seconds": round(wall, 2),
                        "cpu_s_per_photo": round(cpu / count, 4),
                        "text_read": summary.get("text_read")})  # fmt: skip
        for name in ratios:
            ratios[name].append(got[name][0] / got["off"][0])
            cpu_ratios[name].append(got[name][1] / got["off"][1])
            extra = (got[name][1] - got["off"][1]) / len(photos)
            emit(args, {"figure": "ratio", "round": round_no, "text": name,
                        "wall_on_vs_off": round(ratios[name][-1], 2),
                        "cpu_on_vs_off": round(cpu_ratios[name][-1], 2),
                        "text_cpu_s_per_photo": round(extra, 4)})  # fmt: skip
    for name in ratios:
        emit(args, {"figure": "summary", "text": name, "rounds": args.rounds,
                    "median_wall_on_vs_off": round(statistics.median(ratios[name]), 2),
                    "median_cpu_on_vs_off": round(statistics.median(cpu_ratios[name]), 2)})  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
