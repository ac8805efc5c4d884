"""What the window holds for a 1M-photo gallery once read: the backend's read as the window makes it
(``workers.library_snapshot``: the rows, sorted by date, with each path's place), from a stand-in library that
answers as ``Services`` does, without SQLite (its ``gallery()`` list is made first, as the real read makes it).

Usage: python benchmarks/bench_gallery_memory.py [--n 1000000] [--order date|folder] [--compare TREE]

Prints, for this checkout and for ``--compare`` (e.g. a ``git archive`` of main), each in its own process: the
resident memory (VmRSS) the snapshot holds once read, trimmed as the window trims after a read
(``gui/memory.trim``), the process's peak (ru_maxrss), and the read's seconds beyond the stand-in's list; with
the load average, the machine being shared, and the CPU seconds of the read (less moved by the load than the
wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROBE = """
import gc, json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
from motis_desktop.core.kinds import DateSource
from motis_desktop.gui.library_model import SortOrder
from motis_desktop.gui.memory import limit_arenas, trim
from motis_desktop.gui.workers import library_snapshot

def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024

class Library:
    def __init__(self, n):
        self.n = n
    def photos_version(self):
        return 1
    def gallery(self):  # as the library's read: (id, path, error, taken, source, mtime_ns), by path
        now = 1.7e9
        return [(i, f"/home/someone/Pictures/{2000 + i % 20}/{(i * 7919) % 1000:04d}/IMG_{i:07d}.JPG",
                 "cannot read" if i % 997 == 0 else None, now - i * 300.0, DateSource.EXIF, i) for i in range(self.n)]
    def photo_aspects(self, files):
        return [1.5 if i % 10 else None for i, _f in enumerate(files)], []
    def folders(self):
        return []
    def recovery_notice(self):
        return None

limit_arenas()
n, order = int(sys.argv[2]), SortOrder(sys.argv[3])
library = Library(n)
gc.collect(); trim()
before = rss()
t0, c0 = time.perf_counter(), time.process_time()
snapshot = library_snapshot(library, order)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
gc.collect(); trim()
held = rss() - before
print(json.dumps({"held_mb": round(held), "bytes_per_photo": round(held * 2**20 / n),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                  "read_s": round(seconds, 2), "read_cpu_s": round(cpu, 2), "rows": len(snapshot.ordered.rows)}))
"""


def measure(tree: str, n: int, order: str) -> dict[str, object]:
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", PROBE, tree, str(n), order], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return {"tree": tree, **json.loads(out.stdout.strip().splitlines()[-1]), "load": [load, os.getloadavg()[0]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--order", choices=["date", "folder"], default="date")
    parser.add_argument("--compare", help="another checkout's tree, measured after this one")
    args = parser.parse_args()
    for tree in [str(HERE.parent)] + ([args.compare] if args.compare else []):
        print(json.dumps(measure(tree, args.n, args.order)), flush=True)


if __name__ == "__main__":
    main()
