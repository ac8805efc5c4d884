"""A large gallery changes order off the GUI thread (View ▸ Sort by folder at 1M photos froze the window ~2 s): the
rows on screen stay, the status line says it is sorting, the new order comes laid out with the photo looked at
kept; a sort made stale by another order is never shown; a gallery read while sorted by folder comes sorted.
The window's library is 30 photos with the threshold lowered (a large gallery's path); the sort itself is the
same at any size. Real menu actions; waits on public signals."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.keys import search_by_keys
from helpers.window import ready_window
from PySide6.QtCore import Qt
from test_gui_timeline import _dated_photos

from motis_desktop.gui import gallery_order
from motis_desktop.gui.gallery_rows import GalleryRows
from motis_desktop.gui.library_model import Roles, SortOrder, sorted_gallery
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.tasks import Lane
from motis_desktop.gui.timeline_groups import HeaderKind


@pytest.fixture
def win(qtbot, home: Path, indexed_libraries, monkeypatch: pytest.MonkeyPatch) -> Iterator[MainWindow]:
    """30 photos in two folders, dated over six months; every gallery counts as large (sorted on the worker)."""
    indexed_libraries.copy_into(home, "gui-timeline", _dated_photos)
    monkeypatch.setattr("motis_desktop.gui.search_actions.SORT_OFF_THREAD_FROM", 10, raising=False)
    yield from ready_window(qtbot, home, rows=30, size=(1000, 700))


@pytest.fixture
def sort_threads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each sort by folder from now on: whether it ran on the GUI thread."""
    seen: list[bool] = []
    real = gallery_order.folder_order

    def folder_order(paths, stop=lambda: False):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread() is threading.main_thread())
        return real(paths, stop)

    monkeypatch.setattr(gallery_order, "folder_order", folder_order)
    monkeypatch.setattr("motis_desktop.gui.library_model.folder_order", folder_order)
    return seen


def _paths(win: MainWindow) -> list[str]:
    return [win.model.path_at(r) for r in range(win.model.rowCount())]


def _folders(win: MainWindow) -> list[str]:
    return [p.rsplit("/", 1)[0] for p in _paths(win)]


def test_sort_by_folder_runs_off_the_gui_thread_and_keeps_the_current_photo(
    qtbot, win: MainWindow, sort_threads: list[bool]
) -> None:
    view = win.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the second photo is current
    current = view.currentIndex().data(Roles.PATH)
    by_date = _paths(win)
    assert _folders(win) != sorted(_folders(win))  # the date order mixes the two folders
    with qtbot.waitSignal(view.laid_out, timeout=10_000):
        win.actions_by_name["by_folder"].trigger()  # View ▸ Sort by folder
        assert _paths(win) == by_date  # the menu returned before the sort: the rows on screen stay meanwhile
        assert "Sorting 30 photos by folder" in win.status_label.text()
    assert sort_threads == [False]
    assert view.header_kind is HeaderKind.FOLDER
    assert _folders(win) == sorted(_folders(win), key=str.lower)
    assert view.currentIndex().data(Roles.PATH) == current  # still the photo looked at
    assert "Sorting" not in win.status_label.text() and "30 photos" in win.status_label.text()


@pytest.fixture
def held_sort(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event, list[str]]:
    """Sorts by folder wait for ``go`` once ``started``; each one's outcome: "stopped" (given up) or "done"."""
    started, go, outcomes = threading.Event(), threading.Event(), []
    real = gallery_order.folder_order

    def held(paths, stop=lambda: False):  # type: ignore[no-untyped-def]
        started.set()
        go.wait(10)
        try:
            order = real(paths, stop)
        except gallery_order.Stopped:
            outcomes.append("stopped")
            raise
        outcomes.append("done")
        return order

    monkeypatch.setattr("motis_desktop.gui.library_model.folder_order", held)
    return started, go, outcomes


def _layout_lane_done(qtbot, win: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Wait until what the LAYOUT lane ran so far has come back to the window (a task queued behind it has)."""
    behind: list[object] = []
    win.tasks.call(Lane.LAYOUT, lambda: True, behind.append)
    qtbot.waitUntil(lambda: behind == [True], timeout=10_000)


def test_a_sort_made_stale_by_another_order_is_never_shown(
    qtbot, win: MainWindow, held_sort: tuple[threading.Event, threading.Event, list[str]]
) -> None:
    """Sort by date chosen while the date order is on show and a sort by folder runs: that sort is given up, and
    no sort by date starts (the rows on screen are by date)."""
    started, go, outcomes = held_sort
    lines: list[str] = []
    win.results.status.connect(lines.append)
    win.view.laid_out.connect(lambda _n: lines.append("laid out"))
    by_date = _paths(win)
    win.actions_by_name["by_folder"].trigger()
    assert started.wait(10)  # being sorted by folder on the worker
    win.actions_by_name["by_date"].trigger()  # View ▸ Sort by date before it is done
    assert "Sorting" not in win.status_label.text() and "30 photos" in win.status_label.text()
    go.set()
    qtbot.waitUntil(lambda: outcomes == ["stopped"], timeout=10_000)
    assert [line for line in lines if "Sorting" in line] == ["Sorting 30 photos by folder…"]  # none by date
    _layout_lane_done(qtbot, win)
    assert "laid out" not in lines and win.view.header_kind is HeaderKind.MONTH  # never by folder
    assert _paths(win) == by_date and win.actions_by_name["by_date"].isChecked()


def test_esc_gives_up_a_sort_in_progress(
    qtbot, win: MainWindow, held_sort: tuple[threading.Event, threading.Event, list[str]]
) -> None:
    started, go, outcomes = held_sort
    by_date = _paths(win)
    win.view.setFocus()
    win.actions_by_name["by_folder"].trigger()
    assert started.wait(10)
    assert "Sorting 30 photos by folder" in win.status_label.text()
    qtbot.keyClick(win.view, Qt.Key.Key_Escape)
    assert "Sorting" not in win.status_label.text() and "30 photos" in win.status_label.text()
    assert win.actions_by_name["by_date"].isChecked()  # the menu says the order on show
    go.set()
    qtbot.waitUntil(lambda: outcomes == ["stopped"], timeout=10_000)  # stopped at its next step, not finished
    _layout_lane_done(qtbot, win)
    assert _paths(win) == by_date and win.view.header_kind is HeaderKind.MONTH


def test_a_sort_says_how_far_it_is(qtbot, win: MainWindow) -> None:
    """ "Sorting 1000000 photos by folder… 40 %": the status line moves while a large gallery is sorted."""
    lines: list[str] = []
    win.results.status.connect(lines.append)
    with qtbot.waitSignal(win.view.laid_out, timeout=10_000):
        win.actions_by_name["by_folder"].trigger()
    shares = [int(m.group(1)) for line in lines if (m := re.fullmatch(r"Sorting 30 photos by folder… (\d+) %", line))]
    assert len(shares) > 3 and shares == sorted(shares) and shares[-1] == 100, lines


def test_a_gallery_read_while_sorted_by_folder_comes_sorted_off_the_gui_thread(
    qtbot, win: MainWindow, sort_threads: list[bool]
) -> None:
    with qtbot.waitSignal(win.view.laid_out, timeout=10_000):
        win.actions_by_name["by_folder"].trigger()
    by_folder = _paths(win)
    with qtbot.waitSignal(win.gallery_loaded, timeout=30_000):
        win.reload_gallery()  # new photos from an indexing run, another process: the library read again
    qtbot.waitUntil(lambda: win.model.rowCount() == 30 and "Sorting" not in win.status_label.text(), timeout=10_000)
    assert _paths(win) == by_folder and win.view.header_kind is HeaderKind.FOLDER
    assert sort_threads and not any(sort_threads)  # the read's sort, on the library's thread


def test_sorting_under_results_keeps_their_summary_and_esc_shows_the_gallery_sorted(
    qtbot, win: MainWindow, sort_threads: list[bool]
) -> None:
    search_by_keys(qtbot, win, "red")
    summary = win.status_label.text()
    ranked = _paths(win)
    win.actions_by_name["by_folder"].trigger()  # the gallery behind the results is sorted, unseen
    assert win.status_label.text() == summary and _paths(win) == ranked
    qtbot.waitUntil(lambda: sort_threads == [False], timeout=10_000)
    with qtbot.waitSignal(win.results.gallery_shown, timeout=10_000):
        qtbot.keyClick(win.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.view.header_kind is HeaderKind.FOLDER, timeout=10_000)
    assert _folders(win) == sorted(_folders(win), key=str.lower) and win.model.rowCount() == 30


def test_an_order_chosen_while_a_new_read_is_sorted_shows_that_read(
    qtbot, win: MainWindow, held_sort: tuple[threading.Event, threading.Event, list[str]]
) -> None:
    """A read (photos indexed, removed) arrives while Sort by folder runs, and is itself sorted; Sort by date chosen
    then sorts that read, not the gallery it replaces (whose photos would stay shown until the next read)."""
    started, go, _outcomes = held_sort
    win.actions_by_name["by_folder"].trigger()
    assert started.wait(10)  # the gallery on show, being sorted by folder
    newer = GalleryRows.from_rows(list(win.results.gallery)[:25])  # a read in date order: 5 photos left
    win.results.set_gallery(newer, sorted_gallery(newer, SortOrder.DATE))  # as the window hands a read on
    win.actions_by_name["by_date"].trigger()
    go.set()
    qtbot.waitUntil(lambda: "Sorting" not in win.status_label.text(), timeout=10_000)
    _layout_lane_done(qtbot, win)
    assert win.model.rowCount() == 25 and win.view.header_kind is HeaderKind.MONTH
