"""The GUI thread's longest stall when a 1M-photo gallery changes order: View ▸ Sort by folder, then by date.

Usage: python benchmarks/bench_sort_stall.py [--n 1000000] [--json]

Builds N synthetic rows as bench_timeline_stall.py does (one photo every ~5 minutes back from now), but spread over
1000 folders whose order has nothing to do with the date (folder ``i * 7919 % 1000``), so that sorting by folder
does real work; shows them in the window's timeline through a real ``ResultsController`` (the one View ▸ Sort by
calls; offscreen Qt, 1200×780), and measures with stall_harness's 10 ms ticks the longest gap from each
``set_order`` until the view's ``laid_out`` and 0.3 s more:

- folder: View ▸ Sort by folder (the sort, then the lay-out with folder headers);
- date: View ▸ Sort by date again.

Also prints whether the current photo stayed current, and the process's memory (VmRSS, ru_maxrss) before the
gallery, once it is shown and after the sorts. Prints the load average before and after: the machine is
shared. Measures another version of the app with ``MOTIS_SRC=<its tree>`` (e.g. a copy of main: the sort on the
GUI thread).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [os.environ.get("MOTIS_SRC", str(HERE.parent)), str(HERE)]

from stall_harness import ASPECTS, STEP_S, Stalls  # noqa: E402  (after the app's tree is chosen)


def build_rows(n: int) -> list:
    """Newest first; folders interleaved through time (a folder sort reorders every row). As the code measured
    holds a gallery: columns (gui/gallery_rows.py, from the sixteenth session), else a list of Row tuples."""
    from motis_desktop.gui.library_model import Row

    now = time.time()
    rows = (
        Row(i, f"/nowhere/{(i * 7919) % 1000:04d}/p{i:07d}.jpg", None, None, "exif", now - i * STEP_S,
            aspect=ASPECTS[(i * 7 + i // 5) % 7])
        for i in range(n)
    )  # fmt: skip
    try:
        from motis_desktop.gui.gallery_rows import GalleryRows
    except ImportError:
        return list(rows)
    return GalleryRows.from_rows(rows)  # type: ignore[return-value]


def tile_us(model: object, screens: int = 150, tiles: int = 200) -> dict[str, float]:
    """What the grid asks of the model per tile painted (``TileDelegate.paint``: its error, its path twice) and
    per tooltip, in microseconds, over ``screens`` screens of ``tiles`` tiles at random places."""
    import random

    from PySide6.QtCore import Qt

    from motis_desktop.gui.library_model import Roles, path_of

    rng = random.Random(0)
    firsts = [rng.randrange(model.rowCount() - tiles) for _ in range(screens)]  # type: ignore[attr-defined]
    started = time.perf_counter()
    for first in firsts:
        for row in range(first, first + tiles):
            index = model.index(row)  # type: ignore[attr-defined]
            index.data(Roles.ERROR)
            path_of(index)
            path_of(index)
    paint = (time.perf_counter() - started) / (screens * tiles) * 1e6
    started = time.perf_counter()
    for first in firsts:
        model.index(first).data(Qt.ItemDataRole.ToolTipRole)  # type: ignore[attr-defined]
    tooltip = (time.perf_counter() - started) / screens * 1e6
    return {"paint_per_tile": round(paint, 2), "tooltip": round(tooltip, 2)}


def progress_lines(lines: list[tuple[float, str]]) -> dict[str, object]:
    """How the status line told a sort's progress: its updates with a percentage, the longest wait between two
    (from the first "Sorting…"), and the last one said."""
    times = [t for t, text in lines if text.startswith("Sorting")]
    shares = [text for _t, text in lines if text.endswith("%")]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    return {"updates": len(shares), "longest_wait_s": round(max(gaps, default=0.0), 2), "last": (shares or [""])[-1]}


def memory_mb() -> dict[str, float]:
    """This process's resident memory now (VmRSS) and at its peak (ru_maxrss), in MB."""
    import resource

    with open("/proc/self/status", encoding="ascii") as status:
        now = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return {"vm_rss": round(now / 1024), "peak": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def controller(view: object, model: object, runner: object) -> tuple[object, object]:
    """The window's ResultsController over ``view`` and ``model``, its other parts real but idle; and the page
    stack holding the view (shown instead of it)."""
    from PySide6.QtWidgets import QStackedWidget

    from motis_desktop.gui.grid import EmptyResults
    from motis_desktop.gui.search_actions import ResultsController
    from motis_desktop.gui.search_box import SearchBox, SearchController
    from motis_desktop.gui.viewer import GridViewer

    box = SearchBox()
    searcher = SearchController(lambda *_a, **_k: None, box, lambda: 100)
    stack = QStackedWidget()
    stack.addWidget(view)  # type: ignore[arg-type]
    grid_viewer = GridViewer(view, stack, model, runner)  # type: ignore[arg-type]
    results = ResultsController(searcher, box, view, model, stack, EmptyResults(), grid_viewer, lambda: 160)  # type: ignore[arg-type]
    return results, stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print where the GUI thread spent each action")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    load_before = os.getloadavg()
    from PySide6.QtWidgets import QApplication

    from motis_desktop.core.gc_pause import gc_paused
    from motis_desktop.gui.library_model import LibraryModel, SortOrder, sorted_gallery
    from motis_desktop.gui.thumbnails import ThumbnailManager
    from motis_desktop.gui.timeline import TimelineView

    app = QApplication.instance() or QApplication([sys.argv[0]])
    try:
        from motis_desktop.gui.memory import limit_arenas, trim
    except ImportError:
        limit_arenas = trim = lambda: None  # noqa: E731
    limit_arenas()  # as the window does
    before = memory_mb()
    with gc_paused(keep=True):  # as the app builds the gallery's rows: frozen, no collection walks them
        rows = build_rows(args.n)
        gallery = sorted_gallery(rows, SortOrder.DATE)
    thumbs = ThumbnailManager(Path("/nonexistent-thumbs"))
    model = LibraryModel(thumbs, 160)
    view = TimelineView(thumbs)
    view.setModel(model)
    results, stack = controller(view, model, thumbs.runner)
    stack.resize(1200, 780)  # type: ignore[attr-defined]
    stack.show()  # type: ignore[attr-defined]
    app.processEvents()
    stalls = Stalls(app, view)
    result: dict[str, object] = {"photos": args.n}
    result["arrival"] = stalls.measure(lambda: results.set_gallery(rows, gallery))  # type: ignore[attr-defined]
    trim()  # as the window does after a gallery read
    result["memory_mb"] = {"before_gallery": before, "gallery_shown": memory_mb()}
    result["grid_us"] = tile_us(model)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum() // 3)  # somewhere in the middle
    app.processEvents()
    view.make_current(view.first_visible_row() + 1)
    lines: list[tuple[float, str]] = []  # the status line while sorting: "Sorting 1,000,000 photos… 40 %"
    results.status.connect(lambda text: lines.append((time.perf_counter(), text)))  # type: ignore[attr-defined]
    for name, order in (("folder", SortOrder.FOLDER), ("date", SortOrder.DATE)):
        current = model.path_at(view.currentIndex().row())
        lines.clear()
        measured = stalls.measure(lambda order=order: results.set_order(order), args.profile)  # type: ignore[attr-defined]
        measured["progress"] = progress_lines(lines)
        kept = view.currentIndex().isValid() and model.path_at(view.currentIndex().row()) == current
        result[name] = {**measured, "current_photo_kept": kept, "first_row": model.path_at(0)}
    trim()
    result["memory_mb"]["after_sorts"] = memory_mb()  # type: ignore[index]
    result["load_average"] = {"before": load_before[0], "after": os.getloadavg()[0], "cores": os.cpu_count()}
    print(json.dumps(result) if args.json else json.dumps(result, indent=2), flush=True)
    os._exit(0)  # PySide6 may crash tearing down 1M rows' objects; the figures are out


if __name__ == "__main__":
    main()
