"""Gallery at 100k photos: time to paint a screen of thumbnails after a jump.

Usage: python benchmarks/bench_timeline.py [--n 100000] [--jumps 6] [--json]

Builds N photos as hard links to real 1080p sample JPEGs (benchmarks/synthetic_library.py: distinct paths,
so every one is its own thumbnail), puts them in the window's grid (LibraryModel + the grid view + the
ThumbnailManager on a TaskRunner, offscreen Qt, 1200×780 window, 160 px thumbnails, gallery order), then jumps
to random rows. For each jump it records the time until the first paint of the new rows (placeholders) and
until every visible cell shows its thumbnail: cold (decoded from the JPEG) and warm (from the disk cache after
the memory cache was cleared). Prints the load average before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]


def build_rows(root: Path, n: int) -> list:
    from synthetic_library import source_photos

    from motis_desktop.gui.library_model import Row

    sources = source_photos(root / "sources")
    photos = root / "photos"
    rows = []
    for i in range(n):
        folder = photos / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"p{i:06d}.jpg"
        os.link(sources[i % len(sources)], path)
        rows.append(Row(i, str(path), None, None, None, float(n - i)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--jumps", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, QPoint
    from PySide6.QtWidgets import QAbstractItemView, QApplication

    from motis_desktop.gui.grid import make_grid
    from motis_desktop.gui.library_model import LibraryModel, Roles
    from motis_desktop.gui.tasks import TaskRunner
    from motis_desktop.gui.thumbnails import ThumbnailManager

    load_before = os.getloadavg()
    app = QApplication.instance() or QApplication([sys.argv[0]])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        rows = build_rows(root, args.n)
        build_s = time.perf_counter() - t
        runner = TaskRunner()
        thumbs = ThumbnailManager(root / "thumbs", runner=runner)
        model = LibraryModel(thumbs, 160)
        view, _delegate = make_grid(model, thumbs, 180)
        view.resize(1200, 780)
        view.show()
        t = time.perf_counter()
        model.set_rows(rows, 160)
        while view.model().rowCount() and not view.indexAt(view.viewport().rect().center()).isValid():
            app.processEvents()
        set_rows_s = time.perf_counter() - t

        painted: list[float] = []

        class Paints(QObject):
            def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
                if event.type() == QEvent.Type.Paint:
                    painted.append(time.perf_counter())
                return False

        spy = Paints()
        view.viewport().installEventFilter(spy)

        def visible_rows() -> list[int]:
            rect = view.viewport().rect()
            top = view.indexAt(rect.topLeft() + QPoint(8, 8))
            found = []
            row = top.row() if top.isValid() else 0
            while row < model.rowCount() and view.visualRect(model.index(row)).top() < rect.bottom():
                if view.visualRect(model.index(row)).intersects(rect):
                    found.append(row)
                row += 1
            return found

        def jump(row: int) -> dict[str, float]:
            painted.clear()
            t0 = time.perf_counter()
            view.scrollTo(model.index(row), QAbstractItemView.ScrollHint.PositionAtTop)
            deadline = t0 + 120
            while True:
                app.processEvents()
                cells = visible_rows()
                if cells and painted and all(model.index(r).data(Roles.THUMBNAIL) is not None for r in cells):
                    break
                if time.perf_counter() > deadline:
                    raise TimeoutError("thumbnails did not arrive")
                time.sleep(0.002)
            return {
                "row": row,
                "cells": len(cells),
                "first_paint_ms": round(1000 * (painted[0] - t0), 1),
                "all_thumbnails_ms": round(1000 * (time.perf_counter() - t0), 1),
            }

        rng = random.Random(0)
        targets = [rng.randrange(args.n) for _ in range(args.jumps)]
        cold = [jump(r) for r in targets]
        thumbs.clear_memory()  # the disk cache stays: what a later session sees
        warm = [jump(r) for r in targets]
        view.viewport().removeEventFilter(spy)
        thumbs.shutdown()
        runner.shutdown()
        view.close()
        view.deleteLater()
        app.processEvents()

    def median(values: list[float]) -> float:
        values = sorted(values)
        return values[len(values) // 2]

    result = {
        "photos": args.n,
        "build_links_s": round(build_s, 1),
        "set_rows_s": round(set_rows_s, 2),
        "cold": cold,
        "warm": warm,
        "median_cold_all_ms": median([j["all_thumbnails_ms"] for j in cold]),
        "median_warm_all_ms": median([j["all_thumbnails_ms"] for j in warm]),
        "median_first_paint_ms": median([j["first_paint_ms"] for j in cold + warm]),
        "load_average": {"before": load_before[0], "after": os.getloadavg()[0], "cores": os.cpu_count()},
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2), flush=True)
    # PySide6 sometimes crashes while the interpreter tears down Qt objects after this many rows
    # ("none_dealloc" during the final garbage collection); the figures are out, so leave without it.
    os._exit(0)


if __name__ == "__main__":
    main()
