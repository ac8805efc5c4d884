"""QA walk 7 #4: files that never decoded (a text file named .jpg, an empty file, a truncated JPEG) took their file
time as a date and sat at the top of the timeline as the newest "photos". They are one small group at the end of
the gallery in every order, "3 files can't be shown", outside the dates and the scrubber; its header's link and a
click on one of its broken tiles open Skipped…; a file fixed and indexed again moves to its date as a photo.
Real clicks and keys (pytest-qt, offscreen)."""

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


def test_the_group_s_link_and_its_tiles_open_skipped(qtbot, win: MainWindow, photos: Path) -> None:
    view = win.view
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    link = view.unreadable.link_rect()
    assert link is not None and view.viewport().rect().contains(link)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=link.center())
    qtbot.waitUntil(lambda: win.status.skipped_dialog is not None and win.status.skipped_dialog.isVisible())
    dialog = win.status.skipped_dialog
    assert dialog is not None
    assert all(f"{photos / name}:" in dialog.text() for name in BROKEN), dialog.text()
    dialog.reject()

    row = _names(win).index("notes.jpg")
    tile = view.visualRect(win.model.index(row))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=tile.center())
    qtbot.waitUntil(lambda: win.status.skipped_dialog is not dialog and win.status.skipped_dialog.isVisible())
    assert win.status.skipped_dialog.selected() == str(photos / "notes.jpg")  # its line, ready for Reveal
    win.status.skipped_dialog.reject()
    photo = view.visualRect(win.model.index(0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=photo.center())  # a photo: selected, no dialog
    assert view.currentIndex().row() == 0 and not win.status.skipped_dialog.isVisible()


def test_a_file_fixed_and_indexed_again_moves_to_its_date_as_a_photo(qtbot, win: MainWindow, photos: Path) -> None:
    fixed = photos / "notes.jpg"
    fixed.write_bytes(_jpeg(320, 240).read_bytes())
    os.utime(fixed, (OLD + 3600, OLD + 3600))  # June 2021, the newest photo
    qtbot.keyClick(win.view, Qt.Key.Key_F5)  # File ▸ Update index
    qtbot.waitUntil(lambda: _headers(win)[-1] == "2 files can't be shown", timeout=60_000)
    assert _names(win)[0] == "notes.jpg" and sorted(_names(win)[-2:]) == ["beach.jpg", "empty.jpg"]
    assert _headers(win)[0] == "June 2021"
