"""A new text query in a running app at 100k photos right after the library changed, as while the app indexes new
photos, reads the text in them or the watcher takes in a change; optionally side by side with another checkout.

Usage: python benchmarks/bench_busy_library.py --home DIR [--scratch DIR] [--rounds 8] [--processes 2]
       [--compare CHECKOUT [--compare-scratch DIR]]

``--home`` is bench_new_query.py's home (built once there: ``--home DIR`` of that script, 100k photos). The writes
happen in a scratch copy of it (``--scratch``, default ``DIR-busy``, copied once): each round of a process makes
three committed writes, each followed by one new query, timed: one that changes no vector (as reading the text
of photos does), 32 new photos' vectors (one indexing batch), and one photo's vector removed (a deletion). The
new photos are rows for files that do not exist (their vectors are random); they and nothing else are removed at
the end of the process. The copy is kept under the "auto" strategy's exact-search limit so that no round crosses
it (crossing it rebuilds the index as k-means: another figure). ``--compare-scratch``: the compare checkout's own
copy (a checkout with an older library schema cannot open a copy this one has upgraded).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = ("no vector", "32 new vectors", "1 vector removed")
FAKE = "/nonexistent/bench-busy-"


def scratch_copy(home: Path, scratch: Path, rounds: int) -> Path:
    """``scratch/home``: a copy of ``home`` (made once), with room under the exact-search limit for ``rounds``
    batches of new vectors."""
    from motis_desktop.core.search.indexes import AUTO_EXACT_MAX

    copy = scratch / "home"
    if not copy.exists():
        scratch.mkdir(parents=True, exist_ok=True)
        shutil.copytree(home, copy, symlinks=True)
    conn = sqlite3.connect(copy / "library.sqlite3")
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        count = conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        excess = count + 32 * rounds - AUTO_EXACT_MAX
        if excess > 0:  # photos not indexed yet, as in a library being indexed
            conn.execute(
                "DELETE FROM embeddings WHERE file_id IN (SELECT file_id FROM embeddings ORDER BY file_id DESC "
                "LIMIT ?)",
                (excess,),
            )
            conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'version'")
            conn.commit()
    finally:
        conn.close()
    return copy


def child(home: str, rounds: int) -> None:
    import numpy as np

    sys.path.insert(0, str(HERE))
    from bench_new_query import new_query_text

    from motis_desktop.core.services import Services

    services = Services.open(home)
    services.warm_up()
    services.query("warm up the query path")
    while any(t.name == "motis-coarse" for t in threading.enumerate()):  # the index's coarse copy, being made
        time.sleep(0.05)
    store = services._library.database()  # below the door: the writes are the benchmark's own
    model = services.active_model().model_id
    some = store.select("SELECT file_id FROM embeddings ORDER BY file_id DESC LIMIT ?", (rounds,))
    victims = [row[0] for row in some]
    folder = store.select("SELECT id FROM folders LIMIT 1")[0][0]
    dim = len(store.embedding_of(victims[0], model))
    rng = np.random.default_rng(os.getpid())
    ms: dict[str, list[float]] = {kind: [] for kind in KINDS}
    load = os.getloadavg()[0]
    asked = 0
    for round_ in range(rounds):
        for kind in KINDS:
            with store.transaction() as conn:
                version = int(conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0]) + 1
                if kind == KINDS[0]:
                    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('bench_busy', ?)", (str(round_),))
                elif kind == KINDS[1]:
                    for j in range(32):
                        path = f"{FAKE}{os.getpid()}-{round_}-{j}.jpg".encode()
                        row = conn.execute(
                            "INSERT INTO files(folder_id, path, size, mtime_ns, added_at) VALUES (?, ?, 1, 1, 0)",
                            (folder, path),
                        )
                        vector = rng.standard_normal(dim).astype(np.float32)
                        conn.execute(
                            "INSERT INTO embeddings(file_id, model_id, vector, seq) VALUES (?, ?, ?, ?)",
                            (row.lastrowid, model, (vector / np.linalg.norm(vector)).tobytes(), version),
                        )
                else:
                    conn.execute("DELETE FROM embeddings WHERE file_id = ?", (victims[round_],))
            started = time.perf_counter()
            services.query(new_query_text(asked))
            ms[kind].append(1e3 * (time.perf_counter() - started))
            asked += 1
    with store.transaction() as conn:
        conn.execute("DELETE FROM files WHERE CAST(path AS TEXT) LIKE ?", (FAKE + "%",))
    started = time.perf_counter()
    services.close()
    row = {kind: statistics.median(values) for kind, values in ms.items()}
    row.update(close_s=time.perf_counter() - started, load=load, load_after=os.getloadavg()[0])
    print(json.dumps(row), flush=True)


def run(checkout: Path, home: Path, rounds: int) -> dict[str, float]:
    """One process of ``checkout`` (this script's child, the checkout on PYTHONPATH); its figures."""
    env = {**os.environ, "PYTHONPATH": str(checkout), "MOTIS_HOME": str(home)}
    args = [sys.executable, str(Path(__file__).resolve()), "--child", str(home), "--rounds", str(rounds)]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=1800, cwd=checkout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode or not lines:
        raise RuntimeError(proc.stderr[-2000:])
    figures: dict[str, float] = json.loads(lines[-1])
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="bench_new_query.py's --home folder (100k photos)")
    parser.add_argument("--scratch", type=Path, help="where the copy written to lives (default: HOME-busy)")
    parser.add_argument("--rounds", type=int, default=8, help="writes of each kind per process")
    parser.add_argument("--processes", type=int, default=2, help="processes per checkout, alternating")
    parser.add_argument("--compare", type=Path, help="another checkout (e.g. of main) to run side by side")
    parser.add_argument("--compare-scratch", type=Path, help="the compare checkout's copy (an older schema)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds)
        return 0
    if not args.home:
        parser.error("--home is required")
    sys.path.insert(0, str(HERE.parent))
    checkouts = [HERE.parent] + ([args.compare.resolve()] if args.compare else [])
    scratch = args.scratch or args.home.with_name(args.home.name + "-busy")
    scratches = [scratch] + ([args.compare_scratch or scratch] if args.compare else [])
    rounds = args.rounds * args.processes * (2 if len(set(scratches)) < len(scratches) else 1)
    homes = {str(c): scratch_copy(args.home / "home", s, rounds) for c, s in zip(checkouts, scratches, strict=True)}
    for process in range(args.processes):
        for checkout in checkouts if process % 2 == 0 else checkouts[::-1]:
            row = run(checkout, homes[str(checkout)], args.rounds)
            each = ", ".join(f"{kind} {row[kind]:.0f} ms" for kind in KINDS)
            print(
                f"process {process} {checkout}: query after a write, p50 of {args.rounds}: {each}; "
                f"close {row['close_s']:.2f} s (load {row['load']:.2f} -> {row['load_after']:.2f})",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
