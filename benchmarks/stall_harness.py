"""What the GUI-stall benchmarks share (bench_timeline_stall.py, bench_sort_stall.py): their arguments, the
offscreen app with N synthetic rows in a LibraryModel + TimelineView, the 10 ms ticks that measure the GUI
thread's longest gap (``Stalls``), and the closing print with the load average.

Import it after the app's tree is on ``sys.path`` (``MOTIS_SRC``): it imports the app lazily, inside functions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ASPECTS = (1.5, 1.5, 0.667, 1.333, 0.75, 1.778, 1.0)
STEP_S = 300.0  # one photo every 5 minutes
SETTLE_S = 0.3  # measured on after laid_out: what the GUI thread does right after


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


@dataclass
class Stage:
    """The app a stall benchmark measures: its arguments, N rows in the model and the view, not shown yet."""

    args: argparse.Namespace
    load_before: float
    app: Any
    rows: list
    extra: Any  # what the script's ``build`` returned beside the rows
    gallery: Any
    thumbs: Any
    model: Any
    view: Any

    def show(self, widget: Any = None) -> Stalls:
        """Show ``widget`` (the view by default) at 1200×780 and start the ticks."""
        widget = self.view if widget is None else widget
        widget.resize(1200, 780)
        widget.show()
        self.app.processEvents()
        return Stalls(self.app, self.view)

    def scroll_to_middle(self) -> None:
        self.view.verticalScrollBar().setValue(self.view.verticalScrollBar().maximum() // 3)
        self.app.processEvents()

    def finish(self, result: dict[str, object]) -> None:
        """Print ``result`` with the load average, then exit at once."""
        result["load_average"] = {"before": self.load_before, "after": os.getloadavg()[0], "cores": os.cpu_count()}
        print(json.dumps(result) if self.args.json else json.dumps(result, indent=2), flush=True)
        os._exit(0)  # PySide6 may crash tearing down 1M rows' objects; the figures are out


def start(doc: str, build: Callable[[int], tuple[list, Any]]) -> Stage:
    """Parse the arguments, start offscreen Qt and put ``build(n)``'s rows, sorted by date, in a model and view."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print where the GUI thread spent each action")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    load_before = os.getloadavg()[0]
    from PySide6.QtWidgets import QApplication

    from motis_desktop.core.gc_pause import gc_paused
    from motis_desktop.gui.library_model import LibraryModel, SortOrder, sorted_gallery
    from motis_desktop.gui.thumbnails import ThumbnailManager
    from motis_desktop.gui.timeline import TimelineView

    app = QApplication.instance() or QApplication([sys.argv[0]])
    with gc_paused(keep=True):  # as the app builds the gallery's rows: frozen, no collection walks them
        rows, extra = build(args.n)
        gallery = sorted_gallery(rows, SortOrder.DATE)
    thumbs = ThumbnailManager(Path("/nonexistent-thumbs"))
    model = LibraryModel(thumbs, 160)
    view = TimelineView(thumbs)
    view.setModel(model)
    return Stage(args, load_before, app, rows, extra, gallery, thumbs, model, view)
