"""The window's timeline (issue 21 items 2 and 3): justified rows under month or day headers, zoom, the date
scrubber, keys, results in rank order. Real keys and clicks; waits on the view's public signals."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers.photos import make_colour_folder
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDesktopServices

from motis_desktop.core.services import Services
from motis_desktop.gui.library_model import Roles
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.timeline_groups import HeaderKind

MONTHS = ["2021-01", "2021-03", "2021-06", "2021-09", "2021-11", "2022-02"]


@pytest.fixture
def dated(home: Path, colour_pair, tmp_path: Path) -> dict[str, str]:
    """An indexed library of 30 photos without EXIF dates: their file times spread over six months."""
    colours = make_colour_folder(tmp_path / "photos", per_colour=5)
    for i, path in enumerate(sorted(colours)):
        month = MONTHS[i % len(MONTHS)]
        when = time.mktime(time.strptime(f"{month}-{10 + i // 6:02d} 12:00", "%Y-%m-%d %H:%M"))
        os.utime(path, (when, when))
    services = Services.open(home)
    services.import_pair(*colour_pair, name="colour")
    services.add_folders([str(tmp_path / "photos")])
    services.index()
    services.close()
    return colours


@pytest.fixture
def win(qtbot, home: Path, dated: dict[str, str]) -> MainWindow:
    window = MainWindow(Services.open(home))
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.model_state == "ready" and window.model.rowCount() == 30, timeout=60_000)
    yield window
    services = window.services
    window.close()
    services.close()


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
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex().row() == 29
    assert view.viewport().rect().intersects(view.visualRect(view.currentIndex()))  # scrolled to it
    with qtbot.waitSignal(view.activated, timeout=5_000):
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened == [win.model.index(29).data(Roles.PATH)]


def test_results_keep_rank_order_in_the_same_layout_and_esc_returns_to_the_timeline(qtbot, win: MainWindow) -> None:
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


def test_sort_by_folder_puts_folder_headers(qtbot, win: MainWindow) -> None:
    with qtbot.waitSignal(win.view.laid_out, timeout=5_000):
        win.actions_by_name["by_folder"].trigger()
    assert win.view.header_kind is HeaderKind.FOLDER and not win.view.scrubber.isVisible()
    folders = [os.path.dirname(win.model.index(r).data(Roles.PATH)) for r in range(30)]
    assert folders == sorted(folders, key=str.lower) and len(set(folders)) == 2
