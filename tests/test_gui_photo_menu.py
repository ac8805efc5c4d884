"""QA walk 5: the Photo menu (Find similar, Open, Reveal, Copy path, Copy text on the menu bar with shortcuts, the
same actions as the context menu, which Shift+F10 and the Menu key open at the current photo), and a file that
cannot be read, as the viewer and Details show it. Real keys on the window; waits on public signals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.keys import OFFSCREEN_MENU, search_by_keys
from helpers.models import index_with_colour
from helpers.photos import make_colour_folder
from helpers.window import ready_window
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMenu

from motis_desktop.gui.library_model import Roles
from motis_desktop.gui.main_window import MainWindow


@pytest.fixture
def win(qtbot, home: Path, tmp_path: Path, colour_pair) -> Iterator[MainWindow]:
    """A window over 2 photos of each colour and a zero-byte JPEG (a file that cannot be read)."""
    photos = tmp_path / "photos"
    made = make_colour_folder(photos, per_colour=2)
    (photos / "empty.jpg").write_bytes(b"")
    index_with_colour(home, colour_pair, photos)
    yield from ready_window(qtbot, home, rows=len(made) + 1)


def _photo_menu(win: MainWindow) -> QMenu:
    menus = {a.text().replace("&", ""): a.menu() for a in win.menuBar().actions()}
    assert list(menus) == ["File", "Edit", "Photo", "View", "Help"]
    return menus["Photo"]


def _on(qtbot, win: MainWindow, path: str) -> None:
    """Make ``path`` the grid's current photo with the keyboard (Home, then Right) and give the grid the focus."""
    win.view.setFocus()
    row = win.model.row_of(path)
    assert row is not None
    qtbot.keyClick(win.view, Qt.Key.Key_Home)
    while win.view.currentIndex().row() != row:
        qtbot.keyClick(win.view, Qt.Key.Key_Right)


def _readable_photo(win: MainWindow) -> str:
    return next(r.path for r in win.model.rows() if not r.error and not r.path.endswith("empty.jpg"))


def test_the_photo_menu_acts_on_the_current_photo_by_its_shortcuts(qtbot, win: MainWindow) -> None:
    menu = _photo_menu(win)
    names = [a.text().split("\t")[0].replace("&", "") for a in menu.actions()]
    assert names == ["View", "Open in default app", "Reveal in folder", "Copy path", "Copy text", "Find similar"]
    photo = _readable_photo(win)
    _on(qtbot, win, photo)
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(win.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == photo
    with qtbot.waitSignal(win.results.results_shown, timeout=30_000):
        qtbot.keyClick(win.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.search.reference == photo


def test_the_photo_menu_is_off_without_a_current_photo(qtbot, win: MainWindow) -> None:
    menu = _photo_menu(win)
    _on(qtbot, win, _readable_photo(win))
    assert all(a.isEnabled() for a in menu.actions())
    search_by_keys(qtbot, win, "red folder:nowhere")  # nothing passes: the page says why, no photo is current
    assert win.model.rowCount() == 0
    assert not any(a.isEnabled() for a in menu.actions())
    QGuiApplication.clipboard().setText("before")
    qtbot.keyClick(win.search, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == "before"


def _menu_by_key(qtbot, key: str, then: Qt.Key | None = None) -> list[QAction]:
    """Press ``key`` (Shift+F10 or the Menu key) on the focused widget; the actions of the context menu it opened,
    and ``then`` pressed in that menu (a mnemonic chooses its entry), or the menu closed."""
    seen: list[list[QAction]] = []

    def look() -> None:
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            seen.append(list(popup.actions()))
            if then is None:
                popup.close()
            else:
                QTest.keyClick(popup, then)

    QTimer.singleShot(0, look)
    focused = QApplication.focusWidget()
    if key == "Menu":
        QTest.keyClick(focused, Qt.Key.Key_Menu)
    else:
        QTest.keyClick(focused, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    return seen[0]


@OFFSCREEN_MENU
@pytest.mark.parametrize("key", ["Shift+F10", "Menu"])
def test_shift_f10_and_the_menu_key_open_the_photo_menu_at_the_current_photo(qtbot, win: MainWindow, key) -> None:
    photo = _readable_photo(win)
    _on(qtbot, win, photo)
    assert QApplication.focusWidget() is win.view
    seen = _menu_by_key(qtbot, key)
    assert seen == _photo_menu(win).actions()  # one owner: the very same actions as the menu bar's


@OFFSCREEN_MENU
@pytest.mark.parametrize("key", ["Shift+F10", "Menu"])
def test_shift_f10_and_the_menu_key_open_the_photo_menu_in_the_viewer(qtbot, win: MainWindow, key) -> None:
    """QA walk 5: in the viewer Shift+F10 did nothing. It opens the Photo menu for the photo shown (not the grid's
    current one, left behind when Right stepped on)."""
    photo = _readable_photo(win)
    _on(qtbot, win, photo)
    viewer = win.grid_viewer.viewer
    qtbot.keyClick(win.view, Qt.Key.Key_Space)
    assert win.grid_viewer.is_open and QApplication.focusWidget() is viewer
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    shown = viewer.current
    assert shown is not None and shown.path != photo
    QGuiApplication.clipboard().clear()
    seen = _menu_by_key(qtbot, key, then=Qt.Key.Key_P)  # "Copy &path"
    assert seen == _photo_menu(win).actions()
    assert QGuiApplication.clipboard().text() == shown.path
    assert win.grid_viewer.is_open and win.focusWidget() is viewer  # still viewing; its keys still the viewer's


@OFFSCREEN_MENU
def test_a_right_click_on_the_viewed_photo_opens_its_menu(qtbot, win: MainWindow) -> None:
    _on(qtbot, win, _readable_photo(win))
    viewer = win.grid_viewer.viewer
    qtbot.keyClick(win.view, Qt.Key.Key_Space)
    qtbot.keyClick(viewer, Qt.Key.Key_End)
    shown = viewer.current
    assert shown is not None
    seen: list[list[QAction]] = []

    def choose() -> None:
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            seen.append(list(popup.actions()))
            QTest.keyClick(popup, Qt.Key.Key_P)  # "Copy &path"

    QTimer.singleShot(0, choose)
    QGuiApplication.clipboard().clear()
    pos = viewer.rect().center()  # what the platform sends for a right-click
    QApplication.sendEvent(viewer, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewer.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert seen[0] == _photo_menu(win).actions()
    assert QGuiApplication.clipboard().text() == shown.path


def test_f1_lists_the_photo_menu_and_its_keys(qtbot, win: MainWindow) -> None:
    qtbot.keyClick(win.view, Qt.Key.Key_F1)
    box = win.findChild(QDialog, "shortcutsDialog")
    assert box is not None and box.isVisible()
    needed_keys = ("Ctrl+Shift+F", "Find similar", "Ctrl+Shift+C", "Copy path", "Ctrl+Shift+R", "Shift+F10", "Menu")
    for needed in (*needed_keys, "in the grid and the viewer", "Enter in Skipped…"):
        assert needed in box.text()
    box.close()


def test_the_viewer_says_why_a_file_cannot_be_shown_in_the_middle_of_the_page(qtbot, win: MainWindow) -> None:
    empty = next(r.path for r in win.model.rows() if r.path.endswith("empty.jpg"))
    _on(qtbot, win, empty)
    viewer = win.grid_viewer.viewer
    with qtbot.waitSignal(viewer.shown, timeout=30_000, check_params_cb=lambda path: path == empty):
        qtbot.keyClick(win.view, Qt.Key.Key_Space)
    page = viewer.grab().toImage()
    pixels = np.array(
        [
            [page.pixelColor(x, y).lightness() for x in range(0, page.width(), 2)]
            for y in range(page.height() // 3, page.height() * 2 // 3)
        ]
    )
    assert (pixels > 180).sum() > 200  # words in the page's middle, not a black page
    assert "empty file" in viewer.problem


def test_details_give_no_date_taken_for_a_file_that_cannot_be_read(qtbot, win: MainWindow) -> None:
    empty = next(r.path for r in win.model.rows() if r.path.endswith("empty.jpg"))
    assert win.model.index(win.model.row_of(empty)).data(Roles.ERROR)
    _on(qtbot, win, empty)
    with qtbot.waitSignal(win.details.shown, timeout=30_000, check_params_cb=lambda path: path == empty):
        qtbot.keyClick(win.view, Qt.Key.Key_I)
    text = win.details.text()
    assert "Cannot be shown" in text
    assert "Taken" not in text
    assert "File changed" in text


def _places(qtbot, win: MainWindow) -> list[str]:
    """The viewer's place ("photo 3 of 12") on each of its rows, stepped through with Home and Right."""
    viewer = win.grid_viewer.viewer
    qtbot.keyClick(viewer, Qt.Key.Key_Home)
    places = [viewer.info_text().rsplit("  ·  ", 1)[-1]]
    for _ in range(win.model.rowCount() - 1):
        qtbot.keyClick(viewer, Qt.Key.Key_Right)
        places.append(viewer.info_text().rsplit("  ·  ", 1)[-1])
    return places


def test_the_viewer_counts_photos_as_the_status_bar_does_and_unreadable_files_apart(qtbot, win: MainWindow) -> None:
    """QA walk 5: the footer said "empty.jpg · empty file (0 bytes) · 6/337" while the status bar said "333 photos":
    its place counted the unreadable files among the photos. Photos are counted as the status bar counts them, an
    unreadable file among the unreadable ones."""
    rows = win.model.rows()
    photos = len(rows) - 1
    assert win.status_label.text().startswith(f"{photos} photos, 1 unreadable file")
    empty = next(i for i, r in enumerate(rows) if r.error)
    _on(qtbot, win, rows[empty].path)
    viewer = win.grid_viewer.viewer
    with qtbot.waitSignal(viewer.shown, timeout=30_000, check_params_cb=lambda path: path == rows[empty].path):
        qtbot.keyClick(win.view, Qt.Key.Key_Space)
    assert viewer.footer.endswith("empty file (0 bytes)  ·  unreadable file 1 of 1"), viewer.footer
    places = _places(qtbot, win)
    assert places.pop(empty) == "unreadable file 1 of 1"
    assert places == [f"photo {n} of {photos}" for n in range(1, photos + 1)]

    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    search_by_keys(qtbot, win, "red")  # over results: counted as the status line counts them
    results = win.model.rowCount()
    assert win.status_label.text().startswith(f"{results} results")
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Space)
    assert _places(qtbot, win) == [f"result {n} of {results}" for n in range(1, results + 1)]
