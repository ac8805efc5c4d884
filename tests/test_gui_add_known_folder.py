"""QA walk 5, finding 5: dropping a folder the library already has (itself or inside one of its folders) did
nothing visible; one that holds a library folder took it in without a word. Drops go through the window's own
handlers (Qt routes synthetic drag events only during a real platform drag); waits on the window's state."""

from __future__ import annotations

from pathlib import Path

from helpers.watching import write_photos
from helpers.window import drop_folder

from motis_desktop.gui.main_window import MainWindow


def _indexed(qtbot, win: MainWindow, rows: int) -> None:
    qtbot.waitUntil(
        lambda: win.model.rowCount() == rows and win.indexer is None and "up to date" in win.status_label.text(),
        timeout=60_000,
    )


def test_dropping_a_folder_already_in_the_library_says_so(qtbot, window: MainWindow, tmp_path: Path) -> None:
    pictures = tmp_path / "Pictures"
    write_photos(pictures / "Garden", "green", 2)
    write_photos(pictures, "red", 1)
    drop_folder(window, pictures)
    _indexed(qtbot, window, 3)
    drop_folder(window, pictures / "Garden")
    assert window.status_label.text() == "3 photos · Garden is already in your library (inside Pictures)"
    assert window.indexer is None  # nothing to do: no run started
    drop_folder(window, pictures)
    assert window.status_label.text() == "3 photos · Pictures is already in your library"
    assert window.folders == [str(pictures)]


def test_dropping_a_folder_that_holds_a_library_folder_says_it_took_it_in(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    photos = tmp_path / "Photos"
    write_photos(photos / "Pictures", "red", 2)
    write_photos(photos / "Trip", "blue", 1)
    drop_folder(window, photos / "Pictures")
    _indexed(qtbot, window, 2)
    drop_folder(window, photos)
    assert window.status.currentMessage() == "Added Photos: Pictures is now part of it"
    _indexed(qtbot, window, 3)
    assert window.folders == [str(photos)]
