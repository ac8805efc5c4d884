"""Changes another process makes to the library while the window is open (the command line in a terminal)."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.cli import run_cli
from helpers.photos import COLOURS, make_colour_folder, write_colour_photo
from helpers.window import index_folders, ready_window
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from motis_desktop.core.library.locking import IndexLock
from motis_desktop.core.services import Services


def test_a_folder_added_from_the_command_line_shows_when_the_window_is_active_again(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: `motis index FOLDER` in a terminal while the app was open: the window kept showing the old library
    until it was started again (the folder watcher watches only the folders it knows)."""
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        terminal = QWidget()  # another window takes the focus, as a terminal would
        qtbot.addWidget(terminal)
        terminal.show()
        terminal.activateWindow()
        qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5_000)
        more = tmp_path / "more"
        make_colour_folder(more, per_colour=1)
        assert run_cli("index", str(more), home=colour_home).returncode == 0
        window.activateWindow()  # back in the app
        qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=30_000)
        assert str(more) in window.folders
    finally:
        next(windows, None)


def _tile_colour(window, path: str) -> str:  # type: ignore[no-untyped-def]
    """The colour the grid paints at the middle of ``path``'s tile: "red", "green" or "other"."""
    view = window.view
    index = window.model.index(window.model.row_of(path))
    return _colour(view.viewport().grab().toImage().pixelColor(view.visualRect(index).center()))


def _colour(pixel: QColor) -> str:
    r, g, b = pixel.red(), pixel.green(), pixel.blue()
    return "red" if r > g + 80 and r > b + 80 else "green" if g > r + 80 and g > b + 80 else "other"


def test_a_photo_replaced_under_its_name_shows_its_new_picture(qtbot, colour_home: Path, tmp_path: Path) -> None:
    """QA: a red scarlet.jpg overwritten with a green photo was indexed again (a search ranked it green, its tile
    took the new shape) but the grid and the viewer kept showing the red picture until a restart: the thumbnails
    held in memory were keyed by path alone. They follow the file now."""
    photos = tmp_path / "photos"
    scarlet = str(write_colour_photo(photos / "scarlet.jpg", COLOURS["red"], 800, 600, seed=1))
    write_colour_photo(photos / "sky.jpg", COLOURS["blue"], 640, 480, seed=2)
    assert index_folders(colour_home, photos).encoded == 2
    windows = ready_window(qtbot, colour_home, rows=2)
    window = next(windows)
    try:
        view, viewer = window.view, window.grid_viewer.viewer
        qtbot.waitUntil(lambda: _tile_colour(window, scarlet) == "red", timeout=10_000)
        tile = view.visualRect(window.model.index(window.model.row_of(scarlet))).center()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=tile)
        with qtbot.waitSignal(viewer.shown, timeout=10_000):
            qtbot.keyClick(view, Qt.Key.Key_Space)  # the viewer decodes it once and keeps it
        assert _colour(viewer.grab().toImage().pixelColor(viewer.rect().center())) == "red"
        qtbot.keyClick(viewer, Qt.Key.Key_Escape)

        # the run that reads it again, then the gallery read after it (the grid at rest)
        with qtbot.waitSignals([window.indexing.finished, window.gallery_loaded], order="simple", timeout=60_000):
            write_colour_photo(Path(scarlet), COLOURS["green"], 300, 900, seed=3)  # the folder watcher sees it
        qtbot.waitUntil(lambda: window.indexer is None, timeout=30_000)
        qtbot.waitUntil(lambda: _tile_colour(window, scarlet) == "green", timeout=10_000)

        tile = view.visualRect(window.model.index(window.model.row_of(scarlet))).center()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=tile)
        with qtbot.waitSignal(viewer.shown, timeout=10_000, check_params_cb=lambda path: path == scarlet):
            qtbot.keyClick(view, Qt.Key.Key_Space)
        assert _colour(viewer.grab().toImage().pixelColor(viewer.rect().center())) == "green"
    finally:
        next(windows, None)


def test_a_run_held_back_by_another_process_starts_as_soon_as_that_process_is_done(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: after `motis index FOLDER` in a terminal the window said "another MoTIS process (pid N) is updating this
    library — will retry in a minute" and took the new photos a minute later, long after that process had
    finished. It starts as soon as the other process lets go of the library."""
    _services, photos = colour_library
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        make_colour_folder(tmp_path / "more", per_colour=1, seed=50)
        lock = IndexLock(colour_home / "index.lock")  # what another process's run holds
        with lock:
            with qtbot.waitSignal(window.indexing.busy, timeout=30_000):
                os.rename(tmp_path / "more", photos / "more")  # one change: the folder watcher starts one run
            assert "another MoTIS process" in window.status_label.text()
            assert "minute" not in window.status_label.text()
        with qtbot.waitSignal(window.indexing.finished, timeout=20_000):  # far from a minute
            pass
        qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=20_000)
    finally:
        next(windows, None)
