"""The GUI thread's longest stall when the timeline lays out 1M photos: arrival, a size hand-over, a resize, a zoom.

Usage: python benchmarks/bench_timeline_stall.py [--n 1000000] [--json]

Builds N synthetic rows (no files: thumbnails fail quietly; one photo every ~5 minutes back from now, about ten
years; a mix of aspect ratios, a tenth of them not known yet and guessed 3:2) and shows them in the window's
timeline (LibraryModel + TimelineView, offscreen Qt, 1200×780, 180 px rows). A 10 ms timer on the GUI thread
measures the longest gap between its ticks (the stall a user feels) from each action until the view's
``laid_out`` and 0.3 s more:

- arrival: the model takes N new rows (``set_rows``; the gallery's arrival);
- sizes: the tenth not known yet gets its sizes (``ResultsController.set_aspects``, the hand-over of
  ``gui/sizes.py``: the gallery's rows and the view's);
- resize: the window 200 px narrower (the rows laid out again once the resize pauses);
- zoom: one zoom level smaller (Ctrl+-).

Also prints whether the photo at the top stayed in place across each action. Prints the load average before and
after: the machine is shared. Measures another version of the app with ``MOTIS_SRC=<its tree>``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path[:0] = [os.environ.get("MOTIS_SRC", str(HERE.parent))]  # another tree's app: MOTIS_SRC=/its/root

ASPECTS = (1.5, 1.5, 0.667, 1.333, 0.75, 1.778, 1.0)
STEP_S = 300.0  # one photo every 5 minutes
SETTLE_S = 0.3  # measured on after laid_out: what the GUI thread does right after


def build_rows(n: int) -> tuple[list, dict[str, float]]:
    """The rows (newest first) and the aspects of the tenth without one yet."""
    from motis_desktop.gui.library_model import Row

    now, rows, late = time.time(), [], {}
    for i in range(n):
        path = f"/nowhere/{i // 1000:04d}/p{i:07d}.jpg"
        aspect = ASPECTS[(i * 7 + i // 5) % 7]
        if i % 10 == 3:
            late[path] = aspect
            aspect = None
        rows.append(Row(i, path, None, None, "exif", now - i * STEP_S, aspect=aspect))
    return rows, late


class Stalls:
    """The GUI thread's ticks: the longest gap while an action runs."""

    def __init__(self, app: object, view: object) -> None:
        from PySide6.QtCore import QTimer

        self.app, self.view = app, view
        self.count = 0
        view.laid_out.connect(self._laid_out)  # type: ignore[attr-defined]
        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.timeout.connect(self._tick)
        self.timer.start(10)

    def _laid_out(self, _n: int) -> None:
        self.count += 1

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now

    def measure(self, action: object, profile: bool = False) -> dict[str, float]:
        import cProfile
        import pstats

        from PySide6.QtCore import QTimer

        profiler = cProfile.Profile()
        if profile:
            profiler.enable()  # this thread only: the GUI thread's own time
        before, started = self.count, time.perf_counter()
        if os.environ.get("BENCH_TRACE"):
            print("action at", round(started, 2), file=sys.stderr)
        self.gaps.clear()
        QTimer.singleShot(0, action)  # type: ignore[arg-type]
        done = None
        while done is None or time.perf_counter() < done + SETTLE_S:
            self.app.processEvents()  # type: ignore[attr-defined]
            time.sleep(0.001)
            if done is None and self.count > before:
                done = time.perf_counter()
            if time.perf_counter() - started > 120:
                raise TimeoutError("the rows were never laid out")
        if profile:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
        return {"longest_stall_s": round(max(self.gaps), 3), "until_laid_out_s": round(done - started, 3)}


def top_of(view: object, model: object, row: int) -> int:
    """A photo's distance from the top of the view."""
    return int(view.visualRect(model.index(row)).top())  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print where the GUI thread spent each action")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    load_before = os.getloadavg()
    from PySide6.QtWidgets import QApplication

    from motis_desktop.gui.library_model import LibraryModel, SortOrder, sorted_gallery
    from motis_desktop.gui.search_actions import ResultsController
    from motis_desktop.gui.thumbnails import ThumbnailManager
    from motis_desktop.gui.timeline import TimelineView

    app = QApplication.instance() or QApplication([sys.argv[0]])
    from motis_desktop.core.gc_pause import gc_paused

    with gc_paused(keep=True):  # as the app builds the gallery's rows: frozen, no collection walks them
        rows, late = build_rows(args.n)
        gallery = sorted_gallery(rows, SortOrder.DATE)
    thumbs = ThumbnailManager(Path("/nonexistent-thumbs"))
    model = LibraryModel(thumbs, 160)
    view = TimelineView(thumbs)
    view.setModel(model)
    view.resize(1200, 780)
    view.show()
    app.processEvents()
    stalls = Stalls(app, view)
    result: dict[str, object] = {"photos": args.n}
    result["arrival"] = stalls.measure(lambda: model.set_rows(gallery.rows, 160, gallery.index), args.profile)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 3)  # somewhere in the middle
    app.processEvents()
    controller = SimpleNamespace(gallery=gallery.rows, _gallery_index=gallery.index, view=view, _since=None)
    try:  # the hand-over writes the gallery's rows a slice at a time (from the fourteenth session)
        from motis_desktop.gui.sizes import RowSizes

        controller._sizes = RowSizes(lambda: (controller.gallery, controller._gallery_index))
    except ImportError:
        pass
    for name, action in (
        ("sizes", lambda: ResultsController.set_aspects(controller, late)),  # type: ignore[arg-type]
        ("resize", lambda: view.resize(1000, 780)),
        ("zoom", lambda: view.zoom(-1)),
    ):
        row = view.first_visible_row()
        before = top_of(view, model, row)
        result[name] = {**stalls.measure(action, args.profile), "top_photo_kept": top_of(view, model, row) == before}
    result["load_average"] = {"before": load_before[0], "after": os.getloadavg()[0], "cores": os.cpu_count()}
    print(json.dumps(result) if args.json else json.dumps(result, indent=2), flush=True)
    os._exit(0)  # PySide6 may crash tearing down 1M rows' objects; the figures are out


if __name__ == "__main__":
    main()
