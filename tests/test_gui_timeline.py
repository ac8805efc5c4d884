"""The window's timeline (issue 21 items 2 and 3): justified rows under month or day headers, zoom, the date
scrubber, keys, results in rank order. Real keys and clicks; waits on the view's public signals."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.keys import OFFSCREEN_MENU, enter_query, search_by_keys
from helpers.photos import make_colour_folder
from helpers.window import ready_window, shown_timeline
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDesktopServices, QWheelEvent
from PySide6.QtWidgets import QApplication

from motis_desktop.gui.library_model import Roles
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.timeline_groups import HeaderKind

MONTHS = ["2021-01", "2021-03", "2021-06", "2021-09", "2021-11", "2022-02"]


@pytest.fixture
def dated(home: Path, indexed_libraries) -> dict[str, str]:
    """An indexed library of 30 photos without EXIF dates: their file times spread over six months (a copy of
    one made once)."""
    return indexed_libraries.copy_into(home, "gui-timeline", _dated_photos)


def _dated_photos(folder: Path) -> dict[str, str]:
    colours = make_colour_folder(folder, per_colour=5)
    for i, path in enumerate(sorted(colours)):
        month = MONTHS[i % len(MONTHS)]
        when = time.mktime(time.strptime(f"{month}-{10 + i // 6:02d} 12:00", "%Y-%m-%d %H:%M"))
        os.utime(path, (when, when))
    return colours


@pytest.fixture
def win(qtbot, home: Path, dated: dict[str, str]) -> Iterator[MainWindow]:
    yield from ready_window(qtbot, home, rows=30, size=(1000, 700))


def _months_on_rows(win: MainWindow) -> list[str]:
    return [win.view.day_of(r)[:7] for r in range(win.model.rowCount())]


def test_the_gallery_is_newest_first_under_month_headers(win: MainWindow) -> None:
    assert win.view.header_kind is HeaderKind.MONTH
    months = _months_on_rows(win)
    assert months == sorted(months, reverse=True) and set(months) == set(MONTHS)
    assert win.view.scrubber.isVisible() and win.view.scrubber.months == sorted(MONTHS, reverse=True)
    first, second = win.view.visualRect(win.model.index(0)), win.view.visualRect(win.model.index(1))
    assert first.top() == second.top() and first.right() < second.left()  # side by side in one row


def test_ctrl_plus_zooms_in_to_day_headers_and_ctrl_minus_back_to_months(qtbot, win: MainWindow) -> None:
    win.view.setFocus()
    height = win.view.visualRect(win.model.index(0)).height()
    with qtbot.waitSignal(win.view.zoomed, timeout=5_000):
        qtbot.keyClick(win.view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert win.view.header_kind is HeaderKind.DAY
    assert win.view.visualRect(win.model.index(0)).height() > height
    with qtbot.waitSignal(win.view.zoomed, timeout=5_000):
        qtbot.keyClick(win.view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert win.view.header_kind is HeaderKind.MONTH


def test_ctrl_wheel_zooms(qtbot, win: MainWindow) -> None:
    view = win.view
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(
        centre,
        view.viewport().mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    with qtbot.waitSignal(view.zoomed, timeout=5_000) as zoomed:
        QApplication.sendEvent(view.viewport(), wheel)
    assert zoomed.args[0] > 180 and view.header_kind is HeaderKind.DAY


def test_a_click_on_the_scrubber_jumps_to_that_month(qtbot, win: MainWindow) -> None:
    scrubber = win.view.scrubber
    month = scrubber.months[3]  # an older month, well below the first screen
    with qtbot.waitSignal(win.view.jumped, timeout=5_000) as jumped:
        qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(scrubber.width() // 2, scrubber.y_for(month)))
    assert jumped.args == [month]
    assert win.view.verticalScrollBar().value() > 0
    assert win.view.day_of(win.view.first_visible_row())[:7] == month


def test_keys_move_the_current_photo_and_enter_opens_it(
    qtbot, win: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    view = win.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.currentIndex().row() == 1
    qtbot.keyClick(view, Qt.Key.Key_Down)  # the photo below, in the next row
    below = view.visualRect(view.currentIndex())
    assert below.top() > view.visualRect(win.model.index(1)).top()
    qtbot.keyClick(view, Qt.Key.Key_PageDown)  # a screen further down
    assert view.visualRect(view.currentIndex()).top() > below.top()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().row() == 29
    assert view.viewport().rect().intersects(view.visualRect(view.currentIndex()))  # scrolled to it
    with qtbot.waitSignal(view.activated, timeout=5_000):
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened == [win.model.index(29).data(Roles.PATH)]


def test_results_keep_rank_order_in_the_same_layout_and_esc_returns_to_the_timeline(qtbot, win: MainWindow) -> None:
    scrubber = win.view.scrubber
    with qtbot.waitSignal(win.view.jumped, timeout=5_000):  # somewhere down the timeline first
        qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(20, scrubber.y_for(scrubber.months[2])))
    top = win.model.index(win.view.first_visible_row()).data(Roles.PATH)
    win.search.setFocus()
    qtbot.keyClicks(win.search, "red")
    with qtbot.waitSignal(win.results.results_shown, timeout=30_000):
        qtbot.keyClick(win.search, Qt.Key.Key_Return)
    view = win.view
    assert view.header_kind is HeaderKind.NONE and not view.scrubber.isVisible()
    scores = [win.model.index(r).data(Roles.SCORE) for r in range(win.model.rowCount())]
    assert scores and scores == sorted(scores, reverse=True)
    rects = [view.visualRect(win.model.index(r)) for r in range(win.model.rowCount())]
    assert all((a.top(), a.left()) < (b.top(), b.left()) for a, b in zip(rects, rects[1:], strict=False))
    with qtbot.waitSignal(win.results.gallery_shown, timeout=5_000):
        qtbot.keyClick(win.search, Qt.Key.Key_Escape)
    assert view.header_kind is HeaderKind.MONTH and win.model.rowCount() == 30
    assert win.model.index(view.first_visible_row()).data(Roles.PATH) == top  # back where the timeline was


def _sort_by_folder_in_the_menu(qtbot, win: MainWindow) -> None:
    """View ▸ Sort by folder, clicked in the menu bar; returns once the grid is laid out again."""
    bar = win.menuBar()
    view_menu = next(a for a in bar.actions() if a.text() == "&View")
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(view_menu).center())
    menu = view_menu.menu()
    qtbot.waitUntil(menu.isVisible, timeout=5_000)
    by_folder = next(a for a in menu.actions() if a.text() == "Sort by &folder")
    with qtbot.waitSignal(win.view.laid_out, timeout=5_000):
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(by_folder).center())


@OFFSCREEN_MENU
def test_sort_by_folder_puts_folder_headers(qtbot, win: MainWindow) -> None:
    _sort_by_folder_in_the_menu(qtbot, win)
    assert win.view.header_kind is HeaderKind.FOLDER and not win.view.scrubber.isVisible()
    folders = [os.path.dirname(win.model.index(r).data(Roles.PATH)) for r in range(30)]
    assert folders == sorted(folders, key=str.lower) and len(set(folders)) == 2


def test_a_query_of_filters_only_is_a_slice_of_the_timeline(qtbot, win: MainWindow) -> None:
    win.search.setFocus()
    qtbot.keyClicks(win.search, "after:2021-03 before:2021-10")
    with qtbot.waitSignal(win.results.results_shown, timeout=30_000):
        qtbot.keyClick(win.search, Qt.Key.Key_Return)
    assert win.model.rowCount() == 15  # March, June and September
    assert win.view.header_kind is HeaderKind.MONTH  # date headers, as the gallery
    months = _months_on_rows(win)
    assert months == sorted(months, reverse=True) and set(months) == {"2021-03", "2021-06", "2021-09"}


def test_results_sorted_by_date_show_as_the_timeline(qtbot, win: MainWindow) -> None:
    """`red sort:date` showed its results newest first in the rank layout: no month headers, no date strip."""
    search_by_keys(qtbot, win, "red sort:date")
    months = _months_on_rows(win)
    assert len(months) >= 3 and months == sorted(months, reverse=True)
    assert win.view.header_kind is HeaderKind.MONTH and win.view.scrubber.isVisible()
    assert win.view.scrubber.months == sorted(set(months), reverse=True)
    search_by_keys(qtbot, win, "red")  # by relevance: rank order, no headers
    assert win.view.header_kind is HeaderKind.NONE and not win.view.scrubber.isVisible()


def test_photos_keep_their_shape_once_their_sizes_are_read(qtbot, win: MainWindow, dated: dict[str, str]) -> None:
    qtbot.waitUntil(lambda: win.sizes.idle, timeout=30_000)  # read in the background on the first start
    shapes = {}
    for path in dated:
        with Image.open(path) as image:
            shapes[path] = image.width / image.height

    def assert_shapes() -> None:
        for row in range(win.model.rowCount()):
            rect = win.view.visualRect(win.model.index(row))
            expected = min(3.0, max(0.4, shapes[win.model.index(row).data(Roles.PATH)]))
            assert abs(rect.width() / rect.height() - expected) < 0.05

    assert_shapes()
    win.search.setFocus()  # results take each photo's shape from the gallery
    qtbot.keyClicks(win.search, "red")
    with qtbot.waitSignal(win.results.results_shown, timeout=30_000):
        qtbot.keyClick(win.search, Qt.Key.Key_Return)
    assert win.model.rowCount() > 0
    assert_shapes()


def test_only_tiles_on_screen_ask_for_thumbnails_even_after_a_jump(qtbot, tmp_path: Path) -> None:
    from motis_desktop.gui.library_model import Row

    manager, model, view = shown_timeline(qtbot, tmp_path / "thumbs")
    day = 86_400.0
    rows = [Row(i, str(tmp_path / f"missing_{i:05d}.jpg"), taken_at=1.7e9 - i * day / 3) for i in range(20_000)]
    with qtbot.waitSignal(view.laid_out, timeout=30_000):
        model.set_rows(rows)
    assert len(view.scrubber.months) > 100  # about 18 years of photos
    qtbot.waitUntil(lambda: manager.requested > 0, timeout=10_000)  # requests are made while painting
    view.viewport().repaint()  # one more full paint: it must not ask for tiles off screen
    first = manager.requested
    on_screen = len(view.tiles.visible(view.verticalOffset(), view.verticalOffset() + view.viewport().height()))
    assert 0 < first <= on_screen <= 40
    month = view.scrubber.months[60]
    with qtbot.waitSignal(view.jumped, timeout=5_000):
        qtbot.mouseClick(view.scrubber, Qt.MouseButton.LeftButton, pos=QPoint(20, view.scrubber.y_for(month)))
    qtbot.waitUntil(lambda: manager.requested > first, timeout=10_000)
    view.viewport().repaint()
    assert view.day_of(view.first_visible_row())[:7] == month
    assert manager.requested - first <= on_screen + 10  # the new screen only, nothing in between
    manager.shutdown()


def test_folder_headers_show_a_folder_named_in_latin1(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Sorted by folder, the header of a folder named in Latin-1 (``caf\\xe9``) lost the byte (a Qt string drops
    it: "caf"); it shows "caf�", as the rest of the window does."""
    from helpers.watching import write_photos

    folder = Path(os.path.join(str(tmp_path), os.fsdecode(b"caf\xe9")))
    write_photos(folder, "red", 3)
    window.add_folders([str(folder)])
    qtbot.waitUntil(lambda: window.model.rowCount() == 3 and window.indexer is None, timeout=60_000)
    with qtbot.waitSignal(window.view.laid_out, timeout=5_000):
        window.actions_by_name["by_folder"].trigger()  # View ▸ Sort by folder
    assert window.view.header_kind is HeaderKind.FOLDER
    assert [section.label for section in window.view.tiles.sections] == [str(tmp_path) + os.sep + "caf\ufffd"]


def test_esc_after_a_search_that_found_nothing_keeps_a_large_gallery_s_place(
    qtbot, win: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 100k photos, Esc after a query with no result (or one refused) sent the gallery to the top: the grid was
    hidden behind the "nothing shown" page, a large gallery is laid out only once shown, and its place was lost.
    A gallery counts as large here from 10 photos, so this one of 30 takes that path."""
    monkeypatch.setattr("motis_desktop.gui.timeline.DEFER_RESIZE_FROM", 10)
    view, scrubber = win.view, win.view.scrubber
    with qtbot.waitSignal(view.jumped, timeout=5_000):  # somewhere down the timeline first
        qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(20, scrubber.y_for(scrubber.months[3])))
    top = win.model.index(view.first_visible_row()).data(Roles.PATH)
    # Nothing passes the filter; a query the core refuses (after results: over the gallery only the status says it).
    for *first, query in (["after:2030"], ["red", "after:garbage"]):
        for shown in first:
            search_by_keys(qtbot, win, shown)
        enter_query(qtbot, win, query)
        qtbot.waitUntil(lambda: win.stack.currentWidget() is win.empty_results, timeout=30_000)
        # a large gallery is laid out on its own lane: its place is kept once its lay-out is in
        with qtbot.waitSignals([win.results.gallery_shown, view.laid_out], timeout=5_000):
            qtbot.keyClick(win.search, Qt.Key.Key_Escape)
        assert win.model.rowCount() == 30 and win.stack.currentWidget() is view
        assert view.verticalScrollBar().value() > 0
        assert win.model.index(view.first_visible_row()).data(Roles.PATH) == top  # back where the timeline was


def _on_screen(win: MainWindow, row: int) -> bool:
    return win.view.viewport().rect().intersects(win.view.visualRect(win.model.index(row)))


def test_esc_from_results_makes_the_photo_current_before_the_search_current_again(qtbot, win: MainWindow) -> None:
    """After Esc from results the current photo was the library's first: the view showed the place it had before,
    but the next arrow key jumped to the top and Space or Enter acted on a photo off screen."""
    view, scrubber = win.view, win.view.scrubber
    with qtbot.waitSignal(view.jumped, timeout=5_000):
        qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(20, scrubber.y_for(scrubber.months[3])))
    clicked = view.first_visible_row() + 1
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(win.model.index(clicked)).center())
    path, scroll = win.model.index(clicked).data(Roles.PATH), view.verticalScrollBar().value()
    assert view.currentIndex().row() == clicked and scroll > 0
    search_by_keys(qtbot, win, "red")
    with qtbot.waitSignal(win.results.gallery_shown, timeout=5_000):
        qtbot.keyClick(win.search, Qt.Key.Key_Escape)
    assert view.currentIndex().data(Roles.PATH) == path and view.verticalScrollBar().value() == scroll
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the keys go on from there
    assert view.currentIndex().row() == clicked + 1 and _on_screen(win, clicked + 1)
    assert view.verticalScrollBar().value() == scroll


def test_after_a_scrubber_jump_the_keys_go_on_from_the_month_shown(qtbot, win: MainWindow) -> None:
    """After a jump with the scrubber the current photo stayed where it was (the top of the library): the next
    arrow key sent the view back there."""
    view, scrubber = win.view, win.view.scrubber
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)
    month = scrubber.months[3]
    with qtbot.waitSignal(view.jumped, timeout=5_000):
        qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(20, scrubber.y_for(month)))
    scroll = view.verticalScrollBar().value()
    first = view.first_visible_row()
    assert scroll > 0 and view.day_of(first)[:7] == month
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.currentIndex().row() == first + 1 and _on_screen(win, first + 1)  # the month's second photo
    assert view.verticalScrollBar().value() == scroll


@pytest.mark.parametrize("key", [Qt.Key.Key_Tab, Qt.Key.Key_Down])
def test_the_first_key_into_a_scrolled_grid_starts_on_screen(qtbot, win: MainWindow, key: Qt.Key) -> None:
    """With nothing current yet (the grid scrolled with the wheel), Tab from the search box or an arrow key made
    the library's first photo current and sent the view back to the top."""
    view = win.view
    assert not view.currentIndex().isValid()
    down = QPointF(view.viewport().rect().center())
    for _ in range(4):
        wheel = QWheelEvent(
            down,
            view.viewport().mapToGlobal(down),
            QPoint(0, 0),
            QPoint(0, -120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(view.viewport(), wheel)
    scroll = view.verticalScrollBar().value()
    assert scroll > 0 and not view.currentIndex().isValid()
    if key == Qt.Key.Key_Tab:
        win.search.setFocus()
        qtbot.keyClick(win.search, key)
        assert view.hasFocus()
    else:
        view.setFocus()
        qtbot.keyClick(view, key)
    assert view.currentIndex().isValid() and _on_screen(win, view.currentIndex().row())
    assert view.verticalScrollBar().value() == scroll  # the view stays where it was
    first = view.currentIndex().row()
    qtbot.keyClick(view, Qt.Key.Key_Right)  # and the keys go on from there
    assert view.currentIndex().row() == first + 1 and view.verticalScrollBar().value() > 0


@OFFSCREEN_MENU
def test_sorting_by_folder_keeps_the_photo_looked_at_in_its_place(qtbot, win: MainWindow) -> None:
    """View ▸ Sort by folder kept the scroll offset (QA): the screen showed other photos, mid-list. The current
    photo stays current and where it was on screen."""
    view, scrubber = win.view, win.view.scrubber
    with qtbot.waitSignal(view.jumped, timeout=5_000):  # somewhere down the timeline first
        qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(20, scrubber.y_for(scrubber.months[3])))
    clicked = view.first_visible_row() + 1
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(win.model.index(clicked)).center())
    path, y = win.model.index(clicked).data(Roles.PATH), view.visualRect(win.model.index(clicked)).top()
    _sort_by_folder_in_the_menu(qtbot, win)
    row = view.currentIndex().row()
    assert view.currentIndex().data(Roles.PATH) == path and row != clicked  # current, in a new place in the order
    bar = view.verticalScrollBar()
    assert _on_screen(win, row)
    # where it was on screen, unless the view cannot scroll that far (the photo is near the end now)
    assert view.visualRect(win.model.index(row)).top() == y or bar.value() == bar.maximum() > 0
