"""A large gallery's timeline is laid out off the GUI thread (at 1M photos it froze the window 1.4-2.2 s on arrival,
on every hand-over of photo sizes, resize and zoom): the same rows as when it was laid out in place, a lay-out made
stale meanwhile (sizes, a zoom) never shown, the photo at the top kept in place. Real views, public signals."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QScrollBar

from motis_desktop.gui.library_model import LibraryModel, Row
from motis_desktop.gui.sizes import RowSizes
from motis_desktop.gui.tasks import Lane, Task
from motis_desktop.gui.thumbnails import ThumbnailManager
from motis_desktop.gui.timeline import DEFER_RESIZE_FROM, TimelineView
from motis_desktop.gui.timeline_layout import LaidOut, LayoutJob, lay_out

N = DEFER_RESIZE_FROM + 5_000  # a large gallery: laid out on the LAYOUT lane
SHAPES = (1.5, 0.667, 1.333, 0.75, 1.0, 1.78)
DAY = 86_400.0


def _rows(n: int = N, first: int = 0) -> list[Row]:
    """Newest first, three photos a day; a seventh of them with no size read yet (guessed 3:2)."""
    return [
        Row(i, f"/nowhere/p{i:06d}.jpg", taken_at=1.7e9 - i * DAY / 3, aspect=None if i % 7 == 3 else SHAPES[i % 6])
        for i in range(first, first + n)
    ]


class Timeline:
    """A timeline view on its own model, shown at 900×600."""

    def __init__(self, qtbot, tmp_path: Path, name: str) -> None:
        self.qtbot = qtbot
        self.thumbnails = ThumbnailManager(tmp_path / name)
        self.model = LibraryModel(self.thumbnails)
        self.view = TimelineView(self.thumbnails)
        qtbot.addWidget(self.view)
        self.view.setModel(self.model)
        self.view.resize(900, 600)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.laid_out: list[int] = []
        self.view.laid_out.connect(self.laid_out.append)

    def rects(self, rows: range) -> list[tuple[int, int, int, int]]:
        return [self.view.visualRect(self.model.index(r)).getRect() for r in rows]

    def top_photo(self) -> tuple[str, int]:
        """The first photo on screen and its distance from the top."""
        row = self.view.first_visible_row()
        return self.model.path_at(row), self.view.visualRect(self.model.index(row)).top()

    def place_of(self, path: str) -> int:
        row = self.model.row_of(path)
        assert row is not None
        return self.view.visualRect(self.model.index(row)).top()

    def close(self) -> None:
        self.thumbnails.runner.wait(Lane.LAYOUT, 30_000)
        self.thumbnails.shutdown()


@pytest.fixture
def timelines(qtbot, tmp_path: Path) -> Iterator[list[Timeline]]:
    made: list[Timeline] = []
    yield made
    for timeline in made:
        timeline.close()


def _in_place(timelines: list[Timeline], qtbot, tmp_path: Path, rows: list[Row], monkeypatch, **then) -> Timeline:
    """The same rows laid out on the GUI thread, as every gallery was before (a large one counts as small)."""
    monkeypatch.setattr("motis_desktop.gui.timeline.DEFER_RESIZE_FROM", 10**9)
    timeline = Timeline(qtbot, tmp_path, "in-place")
    timelines.append(timeline)
    timeline.model.set_rows(rows)
    if "aspects" in then:
        timeline.view.set_aspects(then["aspects"])
    if "zoom" in then:
        timeline.view.zoom(then["zoom"])
    monkeypatch.undo()
    return timeline


def test_a_large_gallery_comes_in_the_same_rows_without_holding_the_window(
    qtbot, tmp_path: Path, timelines: list[Timeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows()
    expected = _in_place(timelines, qtbot, tmp_path, rows, monkeypatch)
    timeline = Timeline(qtbot, tmp_path, "worker")
    timelines.append(timeline)
    with qtbot.waitSignal(timeline.view.laid_out, timeout=30_000):
        timeline.model.set_rows(rows)
        assert timeline.laid_out == []  # the model's reset returned before the rows were laid out
    sample = range(0, N, 997)
    assert timeline.rects(sample) == expected.rects(sample)
    assert timeline.view.scrubber.months == expected.view.scrubber.months
    last = range(N - 300, N)  # the end of the gallery: every row above it in the same place
    assert timeline.rects(last) == expected.rects(last)


def test_sizes_read_while_the_rows_are_laid_out_are_in_the_first_lay_out_shown(
    qtbot, tmp_path: Path, timelines: list[Timeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows()
    read = {r.path: 0.5 for r in rows if r.aspect is None}  # tall photos: guessed 3:2 until then
    expected = _in_place(timelines, qtbot, tmp_path, rows, monkeypatch, aspects=read)
    timeline = Timeline(qtbot, tmp_path, "worker")
    timelines.append(timeline)
    shown: list[list[tuple[int, int, int, int]]] = []
    sample = range(0, N, 997)
    timeline.view.laid_out.connect(lambda _n: shown.append(timeline.rects(sample)))
    with qtbot.waitSignal(timeline.view.laid_out, timeout=30_000):
        timeline.model.set_rows(rows)
        timeline.view.set_aspects(read)  # the lay-out of the rows as they came is on its way: never shown
    assert shown == [expected.rects(sample)]
    tall = next(r for r in sample if rows[r].path in read)
    x, y, w, h = shown[0][sample.index(tall)]
    assert abs(w / h - 0.5) < 0.05


def test_sizes_and_a_zoom_during_a_lay_out_keep_the_photo_at_the_top_in_place(
    qtbot, tmp_path: Path, timelines: list[Timeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _rows()
    read = {r.path: 0.5 for r in rows if r.aspect is None}
    expected = _in_place(timelines, qtbot, tmp_path, rows, monkeypatch, aspects=read, zoom=-1)
    timeline = Timeline(qtbot, tmp_path, "worker")
    timelines.append(timeline)
    with qtbot.waitSignal(timeline.view.laid_out, timeout=30_000):
        timeline.model.set_rows(rows)
    bar = timeline.view.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    path, y = timeline.top_photo()
    heights: list[int] = []
    timeline.view.laid_out.connect(
        lambda _n: heights.append(timeline.view.visualRect(timeline.model.index(0)).height())
    )
    started, go = threading.Event(), threading.Event()

    def held(job: LayoutJob, stop: Callable[[], bool] = lambda: False) -> LaidOut:  # waits for the zoom below
        started.set()
        go.wait(30)
        return lay_out(job, stop)

    monkeypatch.setattr("motis_desktop.gui.timeline.lay_out", held)
    with qtbot.waitSignal(timeline.view.laid_out, timeout=30_000):
        timeline.view.set_aspects(read)
        assert started.wait(30)  # its lay-out is being made: the zoom makes it stale, it is never shown
        timeline.view.zoom(-1)
        go.set()
        assert bar.value() > 0 and timeline.place_of(path) == y  # the rows on screen stay until then
    assert heights == [expected.view.visualRect(expected.model.index(0)).height()]
    assert timeline.place_of(path) == y


def _scrolled_worker_timeline(
    qtbot, tmp_path: Path, timelines: list[Timeline], part: int
) -> tuple[Timeline, QScrollBar, tuple[str, int]]:
    """A timeline laid out on its worker, scrolled to 1/``part`` of its range, and the photo at its top."""
    timeline = Timeline(qtbot, tmp_path, "worker")
    timelines.append(timeline)
    with qtbot.waitSignal(timeline.view.laid_out, timeout=30_000):
        timeline.model.set_rows(_rows())
    bar = timeline.view.verticalScrollBar()
    bar.setValue(bar.maximum() // part)
    return timeline, bar, timeline.top_photo()


def test_a_resize_lays_the_rows_out_again_keeping_the_photo_at_the_top(
    qtbot, tmp_path: Path, timelines: list[Timeline]
) -> None:
    timeline, bar, (path, y) = _scrolled_worker_timeline(qtbot, tmp_path, timelines, 3)
    before = bar.maximum()
    with qtbot.waitSignal(timeline.view.laid_out, timeout=30_000):
        timeline.view.resize(600, 600)
    assert bar.maximum() > before  # narrower: more rows
    assert timeline.place_of(path) == y
    row = timeline.model.row_of(path)
    right = max(r[0] + r[2] for r in timeline.rects(range(max(0, row - 50), row + 50)))
    assert right <= timeline.view.viewport().width()


def test_a_new_gallery_keeps_the_photo_at_the_top_and_the_old_one_stays_until_then(
    qtbot, tmp_path: Path, timelines: list[Timeline]
) -> None:
    """An indexing run that added photos reads the gallery again: the place looked at stays."""
    timeline, bar, (path, y) = _scrolled_worker_timeline(qtbot, tmp_path, timelines, 2)
    scrolled = bar.value()
    newer = [Row(N + i, f"/nowhere/new{i:03d}.jpg", taken_at=1.8e9 + i, aspect=1.5) for i in range(40)]
    with qtbot.waitSignal(timeline.view.laid_out, timeout=30_000):
        timeline.model.set_rows(newer + _rows())
        assert bar.value() == scrolled  # the previous rows stay on screen meanwhile
    assert timeline.model.rowCount() == N + 40
    assert timeline.place_of(path) == y


def test_the_gallery_s_rows_take_the_sizes_handed_on_a_slice_at_a_time(qtbot) -> None:
    """At 1M photos a hand-over is 100k sizes: written into the gallery's rows at once it held the GUI thread
    ~0.2 s. They are written between events, and all at once where the rows are about to be used (``flush``)."""
    rows = _rows(12_000)
    index = {r.path: i for i, r in enumerate(rows)}
    sizes = RowSizes(lambda: (rows, index))
    sizes.add({r.path: 0.5 for r in rows})
    assert not any(r.aspect == 0.5 for r in rows)  # not in the hand-over's own turn
    qtbot.waitUntil(lambda: all(r.aspect == 0.5 for r in rows), timeout=10_000)
    assert all(isinstance(r, Row) and r.path == f"/nowhere/p{i:06d}.jpg" for i, r in enumerate(rows))
    sizes.add({r.path: 2.0 for r in rows[:7_000]})
    sizes.flush()  # e.g. Esc back to the gallery in the same turn: its rows as read
    assert [r.aspect for r in rows[6_999:7_001]] == [2.0, 0.5]


def _blank(image: QImage) -> bool:
    """Every pixel of ``image`` one colour: nothing painted on it."""
    first = image.pixel(0, 0)
    return all(image.pixel(x, y) == first for y in range(0, image.height(), 3) for x in range(0, image.width(), 3))


def test_a_large_gallery_waiting_for_its_first_lay_out_says_so_instead_of_a_blank_grid(
    qtbot, tmp_path: Path, timelines: list[Timeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a first start the grid was an empty white page until 1M photos were laid out (0.35-2.5 s)."""
    timeline = Timeline(qtbot, tmp_path, "worker")
    timelines.append(timeline)
    go = threading.Event()
    monkeypatch.setattr(
        "motis_desktop.gui.timeline.lay_out", lambda job, stop=lambda: False: go.wait(30) and lay_out(job, stop)
    )
    timeline.model.set_rows(_rows())
    assert timeline.laid_out == []  # its lay-out is being made
    assert not _blank(timeline.view.viewport().grab().toImage())
    assert timeline.view.waiting_text() == f"Arranging {N} photos…"
    with qtbot.waitSignal(timeline.view.laid_out, timeout=30_000):
        go.set()
    assert timeline.view.waiting_text() == ""


def test_quitting_during_a_lay_out_stops_it_and_drops_the_queued_one(
    qtbot, tmp_path: Path, timelines: list[Timeline], monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 1M photos a lay-out is 1.4-2.2 s: closing the window waited for all of it (and for one queued behind it).
    The quit cancels it; it stops at its next step, the queued one never starts."""
    from motis_desktop.gui import timeline_layout

    started, quitting = threading.Event(), threading.Event()
    days_read: list[int] = []
    justified: list[int] = []
    real_day_keys, real_justify = timeline_layout.day_keys, timeline_layout.justify

    def day_keys(taken):  # type: ignore[no-untyped-def]
        days_read.append(len(taken))
        started.set()
        quitting.wait(30)  # the quit begins while the rows' days are being read
        return real_day_keys(taken)

    def justify(*args, **kwargs):  # type: ignore[no-untyped-def]
        justified.append(1)
        return real_justify(*args, **kwargs)

    real_detach = Task.detach

    def detach(task: Task) -> None:
        real_detach(task)
        quitting.set()

    timeline = Timeline(qtbot, tmp_path, "worker")
    timelines.append(timeline)
    monkeypatch.setattr(timeline_layout, "day_keys", day_keys)
    monkeypatch.setattr(timeline_layout, "justify", justify)
    monkeypatch.setattr(Task, "detach", detach)
    timeline.model.set_rows(_rows())
    assert started.wait(30)
    timeline.view.zoom(-1)  # another lay-out, queued behind it
    timeline.thumbnails.runner.shutdown()  # what closing the window does last
    assert timeline.thumbnails.runner.wait(Lane.LAYOUT, 30_000)
    assert days_read == [N] and justified == []  # stopped after the step it was in; the queued one never ran
