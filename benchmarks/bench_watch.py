"""Watched folder picking up a camera import: seconds until the last photo is searchable, indexing runs.

Usage: python benchmarks/bench_watch.py [--photos 500] [--size 1600x1200] [--json]

A temp home with the hand-made colour model (models/colour_model.py; its
encoder is cheap, so the figure is the watcher + scan + decode + commit path,
not a CLIP model's speed) and one library folder with 20 photos, kept current by
``Services.watch_and_index`` with the app's default debounce. The photos are
staged outside the folder, then copied in one after another (like a card
import). Measured from the first copy: when the copy ended, when the last copied
photo was returned by a search, and how many indexing runs the copy caused.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "models"), str(REPO / "tests")]
from colour_model import build_colour_pair  # noqa: E402
from helpers.watching import Recorder, write_photos  # noqa: E402

from motis_desktop.core.services import Services  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--size", default="1600x1200")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        root = tmp_path / "Pictures"
        write_photos(root, "blue", 20, size=(w, h))
        staged = write_photos(tmp_path / "card", "red", args.photos, size=(w, h))
        services = Services.open(tmp_path / "home")
        services.import_pair(*build_colour_pair(tmp_path / "model"), name="colour")
        services.add_folders([str(root)])
        rec, stop = Recorder(), threading.Event()
        keeper = threading.Thread(target=services.watch_and_index, args=(stop, rec.run))
        keeper.start()
        rec.wait(lambda: len(rec.runs) == 1, timeout=300)  # start-up comparison with the disk

        last = root / "import" / staged[-1].name
        found = threading.Event()
        searchable_at: list[float] = []

        searcher = services.spawn()  # its own library connection, opened on the probe's thread

        def probe() -> None:  # polls search the way a user would, from another thread
            while not found.is_set() and not stop.is_set():
                hits = searcher.query("red", args.photos + 50, cutoff=False).hits
                if any(hit.path == str(last) for hit in hits):
                    searchable_at.append(time.perf_counter())
                    found.set()
                else:
                    time.sleep(0.05)

        (root / "import").mkdir()
        start = time.perf_counter()
        for path in staged:
            shutil.copy2(path, root / "import" / path.name)
        copied = time.perf_counter() - start
        prober = threading.Thread(target=probe)
        prober.start()
        found.wait(600)
        rec.wait(lambda: sum(r.encoded for r in rec.runs[1:]) >= args.photos, timeout=600)
        stop.set()
        keeper.join(60)
        prober.join(60)
        runs = rec.runs[1:]
        result = {
            "photos": args.photos,
            "size": args.size,
            "copy_s": round(copied, 2),
            "last_searchable_s": round(searchable_at[0] - start, 2) if searchable_at else None,
            "indexing_runs": len(runs),
            "encoded": sum(r.encoded for r in runs),
            "index_run_s": [round(r.elapsed_s, 2) for r in runs],
        }
        services.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>18}: {value}")


if __name__ == "__main__":
    main()
