"""The GUI thread's longest stall when a 1M-photo gallery changes order: View ▸ Sort by folder, then by date.

Usage: python benchmarks/bench_sort_stall.py [--n 1000000] [--json]

Builds N synthetic rows as bench_timeline_stall.py does (one photo every ~5 minutes back from now), but spread over
1000 folders whose order has nothing to do with the date (folder ``i * 7919 % 1000``), so that sorting by folder
does real work; shows them in the window's timeline through a real ``ResultsController`` (the one View ▸ Sort by
calls; offscreen Qt, 1200×780), and measures with stall_harness.py's 10 ms ticks the longest gap from each
``set_order`` until the view's ``laid_out`` and 0.3 s more:

- folder: View ▸ Sort by folder (the sort, then the lay-out with folder headers);
- date: View ▸ Sort by date again.

Also prints whether the current photo stayed current. Prints the load average before and after: the machine is
shared. Measures another version of the app with ``MOTIS_SRC=<its tree>`` (e.g. a copy of main: the sort on the
GUI thread).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [os.environ.get("MOTIS_SRC", str(HERE.parent)), str(HERE)]

from stall_harness import ASPECTS, STEP_S, start  # noqa: E402  (after the app's tree is chosen)


def build_rows(n: int) -> list:
    """Newest first; folders interleaved through time (a folder sort reorders every row)."""
    from motis_desktop.gui.library_model import Row

    now = time.time()
    return [
        Row(i, f"/nowhere/{(i * 7919) % 1000:04d}/p{i:07d}.jpg", None, None, "exif", now - i * STEP_S,
            aspect=ASPECTS[(i * 7 + i // 5) % 7])
        for i in range(n)
    ]  # fmt: skip


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
    stage = start(__doc__, lambda n: (build_rows(n), None))
    from motis_desktop.gui.library_model import SortOrder

    view, model, rows, gallery = stage.view, stage.model, stage.rows, stage.gallery
    results, stack = controller(view, model, stage.thumbs.runner)
    stalls = stage.show(stack)
    result: dict[str, object] = {"photos": stage.args.n}
    result["arrival"] = stalls.measure(lambda: results.set_gallery(rows, gallery))  # type: ignore[attr-defined]
    stage.scroll_to_middle()
    view.make_current(view.first_visible_row() + 1)
    for name, order in (("folder", SortOrder.FOLDER), ("date", SortOrder.DATE)):
        current = model.path_at(view.currentIndex().row())
        measured = stalls.measure(lambda order=order: results.set_order(order), stage.args.profile)  # type: ignore[attr-defined]
        kept = view.currentIndex().isValid() and model.path_at(view.currentIndex().row()) == current
        result[name] = {**measured, "current_photo_kept": kept, "first_row": model.path_at(0)}
    stage.finish(result)


if __name__ == "__main__":
    main()
