"""Photos of an offline library folder (a card unplugged) are dimmed in the grid until the folder is back (QA walk
5 finding 15: they looked like any other photo, yet a search leaves them out). Waits on the status line, which the
same watcher event writes."""

from __future__ import annotations

from pathlib import Path

from helpers.watching import write_photos
from PySide6.QtGui import QColor

from motis_desktop.gui.main_window import MainWindow


def _tile(window: MainWindow, path: Path) -> QColor:
    """The colour the grid paints a little above the middle of ``path``'s tile (clear of the badge)."""
    view = window.view
    index = window.model.index(window.model.row_of(str(path)))
    return view.viewport().grab().toImage().pixelColor(view.visualRect(index).center())


def _vivid_red(pixel: QColor) -> bool:
    return pixel.red() > 150 and pixel.red() > pixel.green() + 100 and pixel.red() > pixel.blue() + 100


def test_photos_of_an_unplugged_card_are_dimmed_until_it_is_back(qtbot, window: MainWindow, tmp_path: Path) -> None:
    home_photo = write_photos(tmp_path / "photos", "red", 1)[0]
    card_photo = write_photos(tmp_path / "card", "red", 1, start=10)[0]
    window.add_folders([str(tmp_path / "photos"), str(tmp_path / "card")])
    qtbot.waitUntil(lambda: window.model.rowCount() == 2 and window.indexer is None, timeout=60_000)
    qtbot.waitUntil(lambda: _vivid_red(_tile(window, card_photo)), timeout=30_000)  # the thumbnails shown

    (tmp_path / "card").rename(tmp_path / "card-away")  # the memory card is pulled out
    qtbot.waitUntil(lambda: "offline" in window.status_label.text(), timeout=30_000)
    window.grab().save("/tmp/qa5more/offline_tiles.png")
    assert not _vivid_red(_tile(window, card_photo))  # dimmed
    assert _vivid_red(_tile(window, home_photo))  # the other folder's photo as it was

    (tmp_path / "card-away").rename(tmp_path / "card")  # plugged in again
    qtbot.waitUntil(lambda: "offline" not in window.status_label.text(), timeout=30_000)
    qtbot.waitUntil(lambda: _vivid_red(_tile(window, card_photo)), timeout=10_000)
