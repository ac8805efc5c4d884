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

import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
sys.path[:0] = [os.environ.get("MOTIS_SRC", str(HERE.parent)), str(HERE)]  # another tree's app: MOTIS_SRC=/its/root

from stall_harness import ASPECTS, STEP_S, start  # noqa: E402  (after the app's tree is chosen)


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


def top_of(view: object, model: object, row: int) -> int:
    """A photo's distance from the top of the view."""
    return int(view.visualRect(model.index(row)).top())  # type: ignore[attr-defined]


def main() -> None:
    stage = start(__doc__, build_rows)
    from motis_desktop.gui.search_actions import ResultsController

    view, model, gallery, late = stage.view, stage.model, stage.gallery, stage.extra
    stalls = stage.show()
    result: dict[str, object] = {"photos": stage.args.n}
    result["arrival"] = stalls.measure(lambda: model.set_rows(gallery.rows, 160, gallery.index), stage.args.profile)
    stage.scroll_to_middle()
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
        measured = stalls.measure(action, stage.args.profile)
        result[name] = {**measured, "top_photo_kept": top_of(view, model, row) == before}
    stage.finish(result)


if __name__ == "__main__":
    main()
