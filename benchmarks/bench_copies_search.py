"""Searches during indexing in a library whose photos are all copies: what each search pays for the copies table
(``core/search/contents.py``) after each small committed batch, this checkout against another.

Usage: python benchmarks/bench_copies_search.py [--root DIR] [--n 100000] [--commits 20] [--batch 16]
       [--query TEXT] [--compare CHECKOUT [--compare-first]]

``--root`` (default /tmp/bench-copies-search) holds a template home built once: a tiny random-weights CLIP and
``--n`` photos (hard links to a few sample JPEGs, synthetic vectors stored through the library's own
``apply_scan``/``commit_batch``), every one in a copy group of 2 or 3 files (the same content hash and vector:
a library backed up into itself). Each checkout runs in a process of its own (``PYTHONPATH``) on a fresh copy of the
template: it opens the home through ``Services`` (the core's door), warms up and searches once, then ``--commits``
times commits a batch of ``--batch`` new photos (new contents, each in a pair of copies) through a second library
connection, as the window's indexing lane does, and times one ``Services.query`` (the relevance cut-off on) after
each. Prints each search's milliseconds with the load average, then the median per checkout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def digest(content: int) -> str:
    return f"{'c0c1' * 6}{content:08x}"


def group_sizes(n: int) -> list[int]:
    """Copy groups of 2 and 3 files in turn, ``n`` files in all (the last group 2 or 3)."""
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(2 if len(sizes) % 2 == 0 else 3)
    sizes[-1] -= sum(sizes) - n
    if sizes[-1] < 2:
        sizes[-2] += sizes.pop()
    return sizes


def build_template(root: Path, n: int) -> Path:
    """``root/template``: a home with a tiny random CLIP and ``n`` photos, all copies; made once."""
    import numpy as np
    from bench_index import make_dataset
    from synthetic_library import install_random_clip, source_photos

    from motis_desktop.core.library.store import EncodedFile, LibraryStore, NewFile
    from motis_desktop.core.paths import AppPaths
    from motis_desktop.core.services import Services

    home = root / "template"
    built = root / "built"
    if built.exists() and built.read_text() == str(n):
        return home
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    services = Services.open(home)
    model_id = install_random_clip(services, "bench", "tiny", root)
    sources = source_photos(root / "sources")
    photos = root / "photos"
    paths = [photos / f"d{i // 1000:04d}" / f"p{i:07d}.jpg" for i in range(n)]
    for i, path in enumerate(paths):
        path.parent.mkdir(parents=True, exist_ok=True)
        os.link(sources[i % len(sources)], path)
    (folder,) = services.add_folders([str(photos)])
    services.close()
    content = np.repeat(np.arange(len(sizes := group_sizes(n))), sizes)
    vectors, _, _ = make_dataset(len(sizes), n_queries=2)
    store = LibraryStore(AppPaths(home).library_db)
    try:
        facts = [(p.stat().st_size, p.stat().st_mtime_ns) for p in sources]
        store.apply_scan(
            [NewFile(folder.id, str(p), *facts[i % len(sources)]) for i, p in enumerate(paths)], [], [], []
        )
        ids = {r.path: r.id for r in store.files(folder.id)}
        for start in range(0, n, 5000):
            batch = [
                EncodedFile(ids[str(paths[i])], *facts[i % len(sources)], digest(int(content[i])), vectors[content[i]])
                for i in range(start, min(start + 5000, n))
            ]
            store.commit_batch(model_id, batch, [], [])
    finally:
        store.close()
    (root / "built").write_text(str(n))
    return home


def child(home: Path, commits: int, batch: int, query: str) -> None:
    """Search after each of ``commits`` batches committed beside the searching ``Services``; one JSON line."""
    import numpy as np

    from motis_desktop.core.library.store import EncodedFile, LibraryStore, NewFile
    from motis_desktop.core.paths import AppPaths
    from motis_desktop.core.services import Services

    assert Path(sys.modules["motis_desktop"].__file__ or "").is_relative_to(os.environ["PYTHONPATH"])
    services = Services.open(home)
    services.set_index_strategy("exact")  # the same structure all along (auto changes at 100k)
    encoder = services.warm_up()
    services.query(query)
    while any(t.name == "motis-coarse" for t in threading.enumerate()):  # the index's coarse copy, being made
        time.sleep(0.05)
    writer = LibraryStore(AppPaths(home).library_db)
    (folder,) = services.folders()
    source = next((home.parent / "sources").iterdir())
    size, mtime_ns = source.stat().st_size, source.stat().st_mtime_ns
    rng = np.random.default_rng(1)
    ms, loads = [], []
    for c in range(commits):
        new = [home.parent / "photos" / "new" / f"c{c:03d}_{i:03d}.jpg" for i in range(batch)]
        for path in new:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, path)
        writer.apply_scan([NewFile(folder.id, str(p), size, mtime_ns) for p in new], [], [], [])
        ids = {r.path: r.id for r in writer.files(folder.id) if r.path in {str(p) for p in new}}
        vectors = rng.normal(size=(batch // 2 + 1, 512)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        encoded = [
            EncodedFile(ids[str(p)], size, mtime_ns, digest(10_000_000 + c * batch + i // 2), vectors[i // 2])
            for i, p in enumerate(new)
        ]
        writer.commit_batch(encoder.model_id, encoded, [], [])
        start = time.perf_counter()
        services.query(query)
        ms.append(1e3 * (time.perf_counter() - start))
        loads.append(os.getloadavg()[0])
        print(f"search after commit {c + 1}: {ms[-1]:.1f} ms (load {loads[-1]:.2f})", file=sys.stderr, flush=True)
    writer.close()
    services.close()
    print(json.dumps({"ms": ms, "loads": loads}), flush=True)


def run(checkout: Path, template: Path, args: argparse.Namespace) -> dict[str, list[float]]:
    """``checkout``'s child on a fresh copy of the template home (its photos shared)."""
    home = args.root / f"home-{checkout.name}"
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(args.root / "photos" / "new", ignore_errors=True)
    shutil.copytree(template, home, symlinks=True)
    env = {**os.environ, "PYTHONPATH": str(checkout), "MOTIS_INFERENCE_MODE": "fp32", "MOTIS_READ_TEXT": "0"}
    cmd = [sys.executable, __file__, "--child", str(home), "--commits", str(args.commits), "--batch", str(args.batch)]
    proc = subprocess.run([*cmd, "--query", args.query], env=env, capture_output=True, text=True, cwd=checkout)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    print(proc.stderr.strip(), flush=True)
    figures: dict[str, list[float]] = json.loads(proc.stdout.strip().splitlines()[-1])
    shutil.rmtree(home, ignore_errors=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/bench-copies-search"))
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--commits", type=int, default=20)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--query", default="sunset over the sea")
    parser.add_argument("--compare", type=Path, help="another checkout (e.g. of main) to run after this one")
    parser.add_argument("--compare-first", action="store_true", help="run --compare's checkout before this one")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # the checkout on PYTHONPATH, not this one
        child(args.child, args.commits, args.batch, args.query)
        return
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    started = time.perf_counter()
    template = build_template(args.root, args.n)
    print(f"template home: {args.n} photos, all copies ({time.perf_counter() - started:.0f} s)", flush=True)
    checkouts = [HERE.parent, *([args.compare] if args.compare else [])]
    for checkout in reversed(checkouts) if args.compare_first else checkouts:
        load = os.getloadavg()[0]
        figures = run(checkout.resolve(), template, args)
        print(
            f"{checkout}: median {statistics.median(figures['ms']):.1f} ms per search after a commit of "
            f"{args.batch} photos, max {max(figures['ms']):.1f} ms (load {load:.2f} -> {os.getloadavg()[0]:.2f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
