"""Queries with folder and date filters, lists by date and an offline folder at 100k photos, through
``Services.query`` as the GUI calls it (200 photos asked for, relevance cut-off on); optionally side by side with
another checkout.

Usage: python benchmarks/bench_filters.py --home DIR [--n 100000] [--repeats 5] [--compare CHECKOUT] [--offline]

The home is ``bench_new_query.py``'s (built once by it: 100 folders ``d0000``… of 1,000 photos each). Each checkout
runs in a fresh process per round (alternating which goes first); each query is run ``--repeats`` times: the first
time (the photo table is read once per library version) and the median of the rest are printed, in ms, with the
load average. ``--offline``: on the home's twin where every 10th photo is in a folder that is not there.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUERIES = ("sort:date", "folder:d0042", "after:2020", "sunset folder:d0042", "sunset after:2020", "sunset")


def child(home: str, repeats: int) -> None:
    from motis_desktop.core.services import Services  # the checkout on PYTHONPATH

    services = Services.open(home)
    services.warm_up()
    services.query("warm up the query path")
    figures = {}
    for text in QUERIES:
        ms = []
        for _ in range(repeats):
            start = time.perf_counter()
            services.query(text, limit=200)
            ms.append(1e3 * (time.perf_counter() - start))
        figures[text] = {"first_ms": ms[0], "p50_ms": statistics.median(ms[1:] or ms)}
    services.close()
    print(json.dumps({"queries": figures, "load": os.getloadavg()[0]}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="bench_new_query.py's home folder (built there once, then reused)")
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--compare", type=Path, help="another checkout (e.g. of main) to run side by side")
    parser.add_argument("--offline", action="store_true", help="every 10th photo in a folder that is not there")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    if args.child:
        child(args.child, args.repeats)
        return 0
    if not args.home:
        parser.error("--home is required")
    from bench_new_query import build_home, child_env
    from synthetic_library import unplugged_copy

    home = build_home(Path(args.home), args.n)
    home = unplugged_copy(home) if args.offline else home
    checkouts = [HERE.parent] + ([args.compare.resolve()] if args.compare else [])
    for round_ in range(args.rounds):
        for checkout in checkouts if round_ % 2 == 0 else checkouts[::-1]:
            command = [sys.executable, str(Path(__file__).resolve()), "--child", str(home)]
            proc = subprocess.run(
                [*command, "--repeats", str(args.repeats)],
                env=child_env(checkout, home, False),
                capture_output=True,
                text=True,
                timeout=900,
                cwd=checkout,
            )
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            if proc.returncode or not lines:
                raise SystemExit(proc.stderr[-2000:])
            row = json.loads(lines[-1])
            for text, fig in row["queries"].items():
                print(
                    f"round {round_} {checkout}: {text!r:24} first {fig['first_ms']:7.1f} ms, then p50 "
                    f"{fig['p50_ms']:7.1f} ms (load {row['load']:.2f})",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
