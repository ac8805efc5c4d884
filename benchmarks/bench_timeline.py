"""Timeline at 100k photos: laying out, a screen of thumbnails after a jump, scrolling frames.

Usage: python benchmarks/bench_timeline.py [--n 100000] [--jumps 6] [--scroll-frames 200] [--json]

Builds N photos as hard links to real 1080p sample JPEGs (benchmarks/synthetic_library.py: distinct paths,
so every one is its own thumbnail), dated one every ~50 minutes back from now (about 10 years, ~120 months)
with a mix of aspect ratios (3:2, 2:3, 4:3, 3:4, 16:9, 1:1), and shows them in the window's timeline
(LibraryModel + TimelineView + the ThumbnailManager on a TaskRunner; offscreen Qt, 1200×780, default zoom:
180 px rows, month headers, 384 px thumbnails). It measures:

- layout: the pure justified layout of N photos (``justify``), and the view taking N new rows (model reset:
  date keys, groups, layout) and a zoom step (layout again), until laid out (from 20k photos on the view's LAYOUT
  lane: the GUI thread's own stall is benchmarks/bench_timeline_stall.py's);
- jumps: the scrubber's jump to random months; per jump the time to the first paint and until every tile on
  screen shows its thumbnail, cold (decoded from the JPEG) and warm (memory cache cleared, from the disk cache);
- scrolling: frames of 120 px wheel-sized steps through the timeline, each a synchronous repaint of the viewport
  (the paint cost; thumbnails not yet made are placeholders), median and 95th percentile ms, frames over 16.7 ms.

Prints the load average before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

ASPECTS = (1.5, 1.5, 0.667, 1.333, 0.75, 1.778, 1.0)
STEP_S = 3000.0  # one photo every 50 minutes


def build_rows(root: Path, n: int) -> list:
    from synthetic_library import source_photos

    from motis_desktop.gui.library_model import Row

    sources = source_photos(root / "sources")
    photos = root / "photos"
    rows = []
    now = time.time()
    for i in range(n):
        folder = photos / f"{i // 1000:03d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"p{i:06d}.jpg"
        os.link(sources[i % len(sources)], path)
        rows.append(Row(i, str(path), None, None, None, now - i * STEP_S, aspect=ASPECTS[(i * 7 + i // 5) % 7]))
    return rows


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class Bench:
    """The timeline and its thumbnails in an offscreen window; measurements as methods."""

    def __init__(self, root: Path) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QApplication

        from motis_desktop.gui.library_model import LibraryModel
        from motis_desktop.gui.tasks import TaskRunner
        from motis_desktop.gui.thumbnails import ThumbnailManager, refresh_view_on_thumbnails
        from motis_desktop.gui.timeline import TimelineView

        self.app = QApplication.instance() or QApplication([sys.argv[0]])
        self.runner = TaskRunner()
        self.thumbs = ThumbnailManager(root / "thumbs", runner=self.runner)
        self.model = LibraryModel(self.thumbs, 160)
        self.view = TimelineView(self.thumbs)
        self.view.setModel(self.model)
        refresh_view_on_thumbnails(self.view, self.thumbs)
        self.view.resize(1200, 780)
        self.view.show()
        self.painted: list[float] = []
        painted = self.painted

        class Paints(QObject):
            def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
                if event.type() == QEvent.Type.Paint:
                    painted.append(time.perf_counter())
                return False

        self._spy = Paints()
        self.view.viewport().installEventFilter(self._spy)

    def laid_out(self, action: Callable[[], object]) -> float:
        """Seconds from ``action`` until the view has laid its rows out (at once, or on its LAYOUT lane)."""
        done: list[int] = []
        self.view.laid_out.connect(done.append)
        t = time.perf_counter()
        action()
        while not done:
            self.app.processEvents()
            time.sleep(0.001)
        self.view.laid_out.disconnect(done.append)
        return time.perf_counter() - t

    def on_screen(self) -> list[str]:
        from motis_desktop.gui.library_model import Roles

        view, top = self.view, self.view.verticalOffset()
        rows = view.tiles.visible(top, top + view.viewport().height())
        return [self.model.index(r).data(Roles.PATH) for r in rows]

    def all_shown(self) -> bool:
        paths = self.on_screen()
        edge = self.view.delegate.edge
        return bool(paths) and all(self.thumbs.pixmap(p, edge) is not None for p in paths)

    def jump(self, month: str) -> dict[str, object]:
        self.painted.clear()
        t0 = time.perf_counter()
        self.view.jump_to_month(month)
        deadline = t0 + 120
        while not (self.painted and self.all_shown()):
            self.app.processEvents()
            if time.perf_counter() > deadline:
                raise TimeoutError("thumbnails did not arrive")
            time.sleep(0.002)
        return {
            "month": month,
            "tiles": len(self.on_screen()),
            "first_paint_ms": round(1000 * (self.painted[0] - t0), 1),
            "all_thumbnails_ms": round(1000 * (time.perf_counter() - t0), 1),
        }

    def scroll(self, frames: int, step: int = 120) -> dict[str, float]:
        bar, times = self.view.verticalScrollBar(), []
        start = bar.value()
        for k in range(frames):
            t0 = time.perf_counter()
            bar.setValue(start + (k + 1) * step)
            self.view.viewport().repaint()
            times.append(1000 * (time.perf_counter() - t0))
            self.app.processEvents()  # thumbnails that arrived meanwhile
        return {
            "frames": frames,
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 0.95), 2),
            "max_ms": round(max(times), 1),
            "over_16ms": sum(t > 1000 / 60 for t in times),
        }

    def close(self) -> None:
        self.thumbs.shutdown()
        self.runner.shutdown()
        self.view.close()


def layout_figures(bench: Bench, rows: list) -> dict[str, float]:
    from motis_desktop.gui.justified import justify
    from motis_desktop.gui.timeline_groups import HeaderKind, day_keys, group_keys

    days = day_keys([r.taken_at for r in rows])
    keys, labels = group_keys(HeaderKind.MONTH, days, [r.path for r in rows])
    t = time.perf_counter()
    justify([r.aspect for r in rows], keys, labels, 1176, 180)
    justify_s = time.perf_counter() - t
    set_rows_s = bench.laid_out(lambda: bench.model.set_rows(rows, 160))  # laid out on the model's reset
    zoom_s = bench.laid_out(lambda: bench.view.zoom(-1))
    bench.laid_out(lambda: bench.view.zoom(1))
    return {
        "justify_s": round(justify_s, 3),
        "set_rows_s": round(set_rows_s, 3),
        "zoom_relayout_s": round(zoom_s, 3),
        "sections": len(bench.view.tiles.sections),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--jumps", type=int, default=6)
    parser.add_argument("--scroll-frames", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        rows = build_rows(root, args.n)
        build_s = time.perf_counter() - t
        bench = Bench(root)
        layout = layout_figures(bench, rows)
        months = bench.view.scrubber.months
        targets = random.Random(0).sample(months[: max(1, len(months) - 3)], min(args.jumps, len(months)))
        cold = [bench.jump(m) for m in targets]
        bench.thumbs.clear_memory()  # the disk cache stays: what a later session sees
        warm = [bench.jump(m) for m in targets]
        bench.view.jump_to_month(months[len(months) // 2])
        scrolling = bench.scroll(args.scroll_frames)
        bench.close()

    result = {
        "photos": args.n,
        "build_links_s": round(build_s, 1),
        "layout": layout,
        "thumbnail_edge_px": bench.view.delegate.edge,
        "cold": cold,
        "warm": warm,
        "median_cold_all_ms": statistics.median(j["all_thumbnails_ms"] for j in cold),
        "median_warm_all_ms": statistics.median(j["all_thumbnails_ms"] for j in warm),
        "median_first_paint_ms": statistics.median(j["first_paint_ms"] for j in cold + warm),
        "scroll": scrolling,
        "load_average": {"before": load_before[0], "after": os.getloadavg()[0], "cores": os.cpu_count()},
    }
    print(json.dumps(result) if args.json else json.dumps(result, indent=2), flush=True)
    # PySide6 sometimes crashes while the interpreter tears down Qt objects after this many rows
    # ("none_dealloc" during the final garbage collection); the figures are out, so leave without it.
    os._exit(0)


if __name__ == "__main__":
    main()
