"""QA walk 7 #4: files that never decoded (a text file named .jpg, an empty file, a truncated JPEG) took their file
time as a date and sat at the top of the timeline as the newest "photos". They are one small group at the end of
the gallery in every order, "3 files can't be shown", outside the dates and the scrubber; its header's link and
Enter or a double-click on one of its broken tiles open Skipped… (a click selects); a file fixed and indexed again
moves to its date as a photo. Real clicks and keys (pytest-qt, offscreen)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.models import index_with_colour
from helpers.photos import COLOURS, colour_image, make_colour_folder, write_image
from helpers.window import ready_window
from PySide6.QtCore import Qt

from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.timeline_groups import UNREADABLE_KEY, HeaderKind

SHOTS = Path("/tmp/skipped2")
BROKEN = ["beach.jpg", "empty.jpg", "notes.jpg"]
OLD = time.mktime((2021, 6, 15, 12, 0, 0, 0, 0, -1))  # the photos' file time: June 2021 and the months before


def _jpeg(width: int = 300, height: int = 200) -> Path:
    return write_image(Path("/tmp") / f"skipped2-{os.getpid()}.jpg", colour_image(COLOURS["red"], width, height, 7))


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    return tmp_path / "photos"


@pytest.fixture
def win(qtbot, home: Path, photos: Path, colour_pair) -> Iterator[MainWindow]:
    """A window (760x520) over 12 photos of 2021 (file dates a month apart) and three files that cannot be read,
    dated today."""
    made = make_colour_folder(photos, per_colour=2)
    for k, path in enumerate(sorted(made)):
        os.utime(path, (OLD - k * 31 * 86400, OLD - k * 31 * 86400))
    good = _jpeg()
    good_bytes = good.read_bytes()
    good.unlink()
    (photos / "beach.jpg").write_bytes(good_bytes[: len(good_bytes) // 3])
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "notes.jpg").write_text("this is not a photo\n")
    index_with_colour(home, colour_pair, photos)
    yield from ready_window(qtbot, home, rows=len(made) + 3, size=(760, 520))


def _names(window: MainWindow) -> list[str]:
    return [os.path.basename(window.model.path_at(i)) for i in range(window.model.rowCount())]


def _headers(window: MainWindow) -> list[str]:
    return [s.label for s in window.view.tiles.sections if s.label]


def test_files_that_cannot_be_read_are_one_group_at_the_end_in_every_order(
    qtbot, win: MainWindow, photos: Path
) -> None:
    """QA: by date they were the first row of this month's photos, above every photo."""
    view = win.view
    assert sorted(_names(win)[-3:]) == BROKEN and not set(_names(win)[:-3]) & set(BROKEN)
    headers = _headers(win)
    assert headers[-1] == "3 files can't be shown"
    assert headers[:2] == ["June 2021", "May 2021"] and len(headers) == 13  # the 12 photos' months, then the files
    assert view.tiles.sections[-1].key == UNREADABLE_KEY and view.tiles.sections[-1].first == 12
    # the date scrubber goes from June 2021 to July 2020: this month, the files' time, is not among its months
    qtbot.waitUntil(lambda: view.scrubber.isVisible(), timeout=5_000)
    months = view.scrubber.months
    assert months[0] == "2021-06" and months[-1] == "2020-07" and len(months) == 12, months
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    SHOTS.mkdir(exist_ok=True)
    win.grab().save(str(SHOTS / "after.png"))

    with qtbot.waitSignal(view.laid_out, timeout=5_000):
        win.actions_by_name["by_folder"].trigger()  # View ▸ Sort by folder: the files are in the photos' folder
    assert view.header_kind is HeaderKind.FOLDER
    assert sorted(_names(win)[-3:]) == BROKEN
    folders, last = _headers(win)[:-1], _headers(win)[-1]
    assert folders == [str(photos), str(photos / "sub")] and last == "3 files can't be shown"  # after the folders
    with qtbot.waitSignal(view.laid_out, timeout=5_000):
        win.actions_by_name["by_date"].trigger()
    assert sorted(_names(win)[-3:]) == BROKEN and _headers(win)[-1] == "3 files can't be shown"


def _skipped_on(qtbot, win: MainWindow, path: Path, before: object = None) -> None:  # type: ignore[no-untyped-def]
    """Skipped… opens (a new one, not ``before``) with ``path``'s line selected; closed after."""
    qtbot.waitUntil(
        lambda: (d := win.status.skipped_dialog) is not None and d is not before and d.isVisible(), timeout=5_000
    )
    dialog = win.status.skipped_dialog
    assert dialog is not None and dialog.selected() == str(path), dialog.selected()  # its line, ready for Reveal
    dialog.reject()


def test_a_click_selects_a_broken_tile_and_enter_or_a_double_click_opens_skipped_on_it(
    qtbot, win: MainWindow, photos: Path
) -> None:
    """Lead's note: a single click on a broken tile opened Skipped… at once, so a double-click's second click went
    into the dialog. A click selects it like any tile; Enter and a double-click open Skipped… on that file, once."""
    view = win.view
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    row = _names(win).index("notes.jpg")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(win.model.index(row)).center())
    assert view.currentIndex().row() == row and view.selectionModel().isRowSelected(row)
    assert win.status.skipped_dialog is None  # (it opened within the click: ``clicked`` is a direct signal)
    qtbot.keyClick(view, Qt.Key.Key_Return)  # as Enter opens a photo in its app
    _skipped_on(qtbot, win, photos / "notes.jpg")
    first = win.status.skipped_dialog
    row = _names(win).index("beach.jpg")
    tile = view.visualRect(win.model.index(row)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=tile)  # a double-click: press, release,
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=tile)  # then its second press
    _skipped_on(qtbot, win, photos / "beach.jpg", before=first)
    assert win.stack.currentWidget() is view  # not the viewer, which cannot show it
    view.verticalScrollBar().setValue(0)
    photo = view.visualRect(win.model.index(0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=photo.center())  # a photo: selected, no dialog
    assert view.currentIndex().row() == 0 and not win.status.skipped_dialog.isVisible()


def test_the_see_why_link_points_and_is_reachable_by_keyboard(qtbot, win: MainWindow, photos: Path) -> None:
    """The header's link shows a pointing hand, opens Skipped… on a click, and is the Tab stop after the grid while
    it is on screen (Enter or Space opens it)."""
    view = win.view
    link = view.unreadable.link
    assert not link.isVisible()  # its header is off screen: not a Tab stop
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_End)  # the last tile, a broken one: the group's header comes on screen
    qtbot.waitUntil(link.isVisible, timeout=5_000)
    assert view.viewport().rect().contains(link.geometry()) and link.geometry() == view.unreadable.link_rect()
    at = link.rect().center()
    qtbot.mouseMove(link, at)
    qtbot.waitUntil(lambda: link.cursor().shape() == Qt.CursorShape.PointingHandCursor, timeout=5_000)
    qtbot.mouseClick(link, Qt.MouseButton.LeftButton, pos=at)
    qtbot.waitUntil(lambda: win.status.skipped_dialog is not None and win.status.skipped_dialog.isVisible())
    dialog = win.status.skipped_dialog
    assert all(f"{photos / name}:" in dialog.text() for name in BROKEN), dialog.text()
    dialog.reject()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Tab)
    assert link.hasFocus()
    qtbot.keyClick(link, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.status.skipped_dialog is not dialog and win.status.skipped_dialog.isVisible())
    win.status.skipped_dialog.reject()


def test_a_file_fixed_and_indexed_again_moves_to_its_date_as_a_photo(qtbot, win: MainWindow, photos: Path) -> None:
    fixed = photos / "notes.jpg"
    fixed.write_bytes(_jpeg(320, 240).read_bytes())
    os.utime(fixed, (OLD + 3600, OLD + 3600))  # June 2021, the newest photo
    qtbot.keyClick(win.view, Qt.Key.Key_F5)  # File ▸ Update index
    qtbot.waitUntil(lambda: _headers(win)[-1] == "2 files can't be shown", timeout=60_000)
    assert _names(win)[0] == "notes.jpg" and sorted(_names(win)[-2:]) == ["beach.jpg", "empty.jpg"]
    assert _headers(win)[0] == "June 2021"
