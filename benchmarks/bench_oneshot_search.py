"""``motis search`` one-shot: the whole process, no query service (``MOTIS_NO_SERVICE=1``), on a home of N photos;
optionally side by side with another checkout.

Usage: python benchmarks/bench_oneshot_search.py --home DIR [--n 10000] [--rounds 5] [--compare CHECKOUT]
       [--bytecode]

``--home DIR`` is built once by ``bench_new_query.build_home`` (a random-weights ViT-B/32, N photos with
synthetic embeddings) and reused. Each round runs ``motis search "<new text>" -k 5`` once per checkout
(alternating which goes first), each query text new to the home. Prints wall and CPU seconds (user + system,
from the child's rusage) per run, the load average, and the medians. ``--bytecode`` lets Python keep compiled
bytecode (under a folder in /tmp, not in the checkouts), as an installed app has it; without it the
environment decides (``PYTHONDONTWRITEBYTECODE=1`` makes every run compile the app's modules again).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN = "import sys; from motis_desktop.cli.entry import main; sys.exit(main())"


def one(checkout: Path, home: Path, text: str, bytecode: bool) -> tuple[float, float]:
    """(wall s, CPU s) of one ``motis search`` in a fresh process of ``checkout``."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "MOTIS_HOME": str(home), "MOTIS_NO_SERVICE": "1"}
    if bytecode:
        from synthetic_library import keep_bytecode

        env = keep_bytecode(env, checkout)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    argv = [sys.executable, "-c", RUN, "search", text, "-k", "5"]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-2000:])
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, help="folder for the benchmark home (built once, then reused)")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another checkout (e.g. of main) to run side by side")
    parser.add_argument("--bytecode", action="store_true", help="keep compiled bytecode, as an installed app")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from bench_new_query import build_home

    home = build_home(Path(args.home), args.n)
    checkouts = [HERE.parent] + ([args.compare.resolve()] if args.compare else [])
    for checkout in checkouts:  # the first run of a checkout (page cache, bytecode, the text tower's copy)
        one(checkout, home, f"warm up {os.getpid()}", args.bytecode)
    walls: dict[Path, list[float]] = {c: [] for c in checkouts}
    cpus: dict[Path, list[float]] = {c: [] for c in checkouts}
    for round_ in range(args.rounds):
        for checkout in checkouts if round_ % 2 == 0 else checkouts[::-1]:
            load = os.getloadavg()[0]
            wall, cpu = one(checkout, home, f"a red car on the street {os.getpid()} {round_}", args.bytecode)
            walls[checkout].append(wall)
            cpus[checkout].append(cpu)
            print(f"round {round_} {checkout}: {wall:.2f} s wall, {cpu:.2f} s CPU (load {load:.2f})", flush=True)
    for checkout in checkouts:
        print(f"median {median(walls[checkout]):.2f} s wall, {median(cpus[checkout]):.2f} s CPU  {checkout}")
    if args.compare:
        this, other = checkouts
        print(
            f"ratio (compare / this): wall {median(walls[other]) / median(walls[this]):.2f}x, "
            f"CPU {median(cpus[other]) / median(cpus[this]):.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
