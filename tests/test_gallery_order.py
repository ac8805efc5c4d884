"""The gallery's orders made a step at a time (gui/gallery_order.py: a 1M sort on a worker without holding the
window) are exactly those of one stable ``sorted``: by folder then name, case-insensitive; newest first, then by
path. Runs small enough to make the step-wise merge do the work."""

from __future__ import annotations

import os
import random
from operator import attrgetter

import pytest

from motis_desktop.gui import gallery_order
from motis_desktop.gui.gallery_order import Steps, Stopped
from motis_desktop.gui.library_model import SORT_STEPS, Row, SortOrder, sort_rows, sorted_gallery


def _one_sort(rows: list[Row], order: SortOrder) -> list[Row]:
    """The rule: what the GUI thread did before (one ``sorted`` over every row)."""
    if order == SortOrder.FOLDER:
        return sorted(rows, key=lambda r: (os.path.dirname(r.path).lower(), os.path.basename(r.path).lower()))
    ordered = sorted(rows, key=attrgetter("path"))
    ordered.sort(key=lambda r: r.taken_at or 0.0, reverse=True)
    return ordered


@pytest.mark.parametrize("order", list(SortOrder))
def test_files_that_never_decoded_come_last_in_every_order(order: SortOrder, monkeypatch: pytest.MonkeyPatch) -> None:
    """QA walk 7: dated by their file time, they sorted as the newest photos; they are last, each part in its order,
    for a gallery's columns as for rows."""
    from motis_desktop.gui.gallery_rows import GalleryRows

    monkeypatch.setattr(gallery_order, "RUN", 7)
    rng = random.Random(11)
    for _ in range(40):
        rows = [
            Row(i, f"/{rng.choice('ab')}/{rng.randint(0, 9)}-{i}.jpg", rng.choice([None, "empty file"]), taken_at=t)
            for i, t in enumerate(rng.choice([None, 5.0, 1.7e9 + i]) for i in range(rng.randint(0, 40)))
        ]
        rule = _one_sort(rows, order)
        rule = [r for r in rule if not r.error] + [r for r in rule if r.error]
        assert sort_rows(rows, order) == rule
        assert [r.path for r in sort_rows(GalleryRows.from_rows(rows), order)] == [r.path for r in rule]


@pytest.mark.parametrize("order", list(SortOrder))
def test_step_wise_orders_are_those_of_one_sort(order: SortOrder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gallery_order, "RUN", 7)  # every group over 7 rows merged from runs
    rng = random.Random(7)
    for _ in range(150):
        rows = [
            Row(
                i,
                f"/{rng.choice('aAbB')}{rng.choice(['x', 'X', 'y', 'x y'])}/{rng.choice('pPq')}{rng.randint(0, 5)}.jpg",
                taken_at=rng.choice([None, 0.0, 5.0, 7.0, -3.0, 1.7e9]),
            )
            for i in range(rng.randint(0, 80))
        ]
        assert sort_rows(rows, order) == _one_sort(rows, order)


@pytest.mark.parametrize("order", list(SortOrder))
def test_a_sort_no_longer_wanted_stops(order: SortOrder, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gallery_order, "RUN", 4)
    rows = [Row(i, f"/f/{i % 3}.jpg", taken_at=None) for i in range(40)]  # one folder, one date: large groups
    with pytest.raises(Stopped):
        sort_rows(rows, order, stop=lambda: True)


def test_let_go_empties_what_it_is_handed() -> None:
    index, rows = {f"/p/{i}.jpg": i for i in range(50)}, list(range(50_000))
    gallery_order.let_go(index, rows)
    assert index == {} and rows == []


@pytest.mark.parametrize("order", list(SortOrder))
def test_a_sorted_gallery_counts_its_steps_to_100_percent(order: SortOrder, monkeypatch: pytest.MonkeyPatch) -> None:
    """The status line's "Sorting N photos… 40 %" comes from these counts: they rise and end at 100 % exactly when
    the sort is done (the estimate ``SORT_STEPS`` per row is the count itself)."""
    monkeypatch.setattr(gallery_order, "RUN", 7)
    rng = random.Random(3)
    rows = [
        Row(i, f"/{rng.choice('abc')}/{rng.randint(0, 9)}.jpg", taken_at=rng.choice([None, 1.0, 2.0]))
        for i in range(60)
    ]
    seen: list[int] = []
    steps = Steps(SORT_STEPS * len(rows), report=seen.append)
    gallery = sorted_gallery(rows, order, steps)
    assert gallery.rows == _one_sort(rows, order)
    assert steps.done == steps.total and seen[-1] == 100 and seen == sorted(seen) and len(seen) > 3
