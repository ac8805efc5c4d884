"""What the window holds for a 1M-photo gallery once read, and what the read costs on the way: the backend's read
as the window makes it (``workers.library_snapshot``: the rows, sorted by date, with each path's place), from a real
library in ``--home`` (SQLite rows and the photo-size cache, ``cache/sizes.bin``, made here once: no photo files).

Usage: python benchmarks/bench_gallery_memory.py --home DIR [--n 1000000] [--order date|folder]
       [--sizes laid-out|shuffled|none] [--compare TREE]

The home (``DIR/n<N>``) holds N photos in 1000 folders (one in 997 unreadable, one in 50 without a date taken) and a
size cache that knows every photo but 1 in 100 (changed since): ``laid-out`` as the gallery (the usual start: the
cache was written for it), ``shuffled`` (another order: looked up one by one, then laid out again), ``none`` (a
first start). The cache is written again before each measure. Prints, for this checkout and for ``--compare`` (e.g.
a ``git archive`` of main), each in its own process with the library open and the size cache loaded (as at the
window's start): the resident memory (VmRSS) the snapshot holds once read, trimmed as the window trims after a read
(``gui/memory.trim``), the peak during the read (VmHWM, reset as it begins: ru_maxrss would also count this parent's
memory, which the child's exec records) and how far above the memory before it, and the read's
wall and CPU seconds (the CPU less moved by the load), with the load average, the machine being shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROBE = """
import gc, json, os, sys, time
sys.path.insert(0, sys.argv[1])
from motis_desktop.core.services import Services
from motis_desktop.gui.library_model import SortOrder
from motis_desktop.gui.memory import limit_arenas, trim
from motis_desktop.gui.workers import library_snapshot

def rss(field="VmRSS"):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field + ":")) / 1024

limit_arenas()
home, order = sys.argv[2], SortOrder(sys.argv[3])
services = Services.open(home)
services.open_library()
services.photo_sizes(())  # the size cache loaded, as the window's start does ahead of the read
gc.collect(); trim()
before = rss()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) from here: the read's, not the open's or the size cache's load
t0, c0 = time.perf_counter(), time.process_time()
snapshot = library_snapshot(services, order)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
gc.collect(); trim()
held = rss() - before
peak = rss("VmHWM")
n = len(snapshot.ordered.rows)
print(json.dumps({"held_mb": round(held), "bytes_per_photo": round(held * 2**20 / max(n, 1)),
                  "peak_mb": round(peak), "peak_above_before_mb": round(peak - before), "before_mb": round(before),
                  "read_s": round(seconds, 2), "read_cpu_s": round(cpu, 2), "rows": n,
                  "missing_sizes": len(snapshot.missing_sizes)}))
services.close()
"""


def photo_path(i: int) -> str:
    return f"/home/someone/Pictures/{2000 + i % 20}/{(i * 7919) % 1000:04d}/IMG_{i:07d}.JPG"


def build_library(home: Path, n: int) -> None:
    """``home``'s library: N rows in ``files`` as a scan and the indexer leave them (made once)."""
    import sqlite3

    sys.path.insert(0, str(HERE.parent))
    from motis_desktop.core.library.store import LibraryStore

    done = home / "built"
    if done.exists():
        return
    home.mkdir(parents=True, exist_ok=True)
    for leftover in home.glob("library.sqlite3*"):
        leftover.unlink()
    LibraryStore(home / "library.sqlite3").close()  # the schema, as this checkout makes it
    now = 1.7e9
    with sqlite3.connect(home / "library.sqlite3") as conn:
        conn.execute("INSERT INTO folders(id, path, added_at) VALUES (1, ?, ?)", (b"/home/someone/Pictures", now))
        conn.executemany(
            "INSERT INTO files(id, folder_id, path, size, mtime_ns, error, added_at, taken_at, taken_source)"
            " VALUES (?, 1, ?, 3000000, ?, ?, ?, ?, ?)",
            (
                (
                    i + 1,
                    photo_path(i).encode(),
                    1_600_000_000_000_000_000 + i,
                    "cannot read" if i % 997 == 0 else None,
                    now,
                    None if i % 50 == 0 else now - i * 300.0,
                    None if i % 50 == 0 else "exif",
                )
                for i in range(n)
            ),
        )
    done.touch()


def write_size_cache(home: Path, n: int, layout: str) -> None:
    """``home``'s ``cache/sizes.bin`` (see the module's doc), written again before each measure."""
    import random

    sys.path.insert(0, str(HERE.parent))
    from motis_desktop.core.images.sizes_file import write_sizes

    cache = home / "cache" / "sizes.bin"
    cache.unlink(missing_ok=True)
    if layout == "none":
        return
    cache.parent.mkdir(parents=True, exist_ok=True)
    order = sorted(range(n), key=photo_path)  # the gallery's order (ORDER BY path: ASCII paths sort as bytes)
    if layout == "shuffled":
        random.Random(0).shuffle(order)
    stale = 10**9  # 1 in 100 changed since its size was read
    write_sizes(
        cache,
        {photo_path(i): (1_600_000_000_000_000_000 + i + (stale if i % 100 == 7 else 0), 4000, 3000) for i in order},
    )


def measure(tree: str, home: Path, n: int, order: str, layout: str) -> dict[str, object]:
    write_size_cache(home, n, layout)
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, "-c", PROBE, tree, str(home), order], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-2000:])
    return {"tree": tree, **json.loads(out.stdout.strip().splitlines()[-1]), "load": [load, os.getloadavg()[0]]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", required=True, type=Path, help="where the synthetic homes are made (DIR/n<N>)")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--order", choices=["date", "folder"], default="date")
    parser.add_argument("--sizes", choices=["laid-out", "shuffled", "none"], default="laid-out")
    parser.add_argument("--compare", help="another checkout's tree, measured after this one")
    args = parser.parse_args()
    home = args.home / f"n{args.n}"
    started = time.perf_counter()
    build_library(home, args.n)
    print(json.dumps({"home": str(home), "built_s": round(time.perf_counter() - started, 1)}), flush=True)
    for tree in [str(HERE.parent)] + ([args.compare] if args.compare else []):
        print(json.dumps(measure(tree, home, args.n, args.order, args.sizes)), flush=True)


if __name__ == "__main__":
    main()
