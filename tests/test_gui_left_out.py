"""What a run leaves out on purpose, said by the window in the core's words (``IndexSummary.left_out``), as the
command line says it: the app's own data folder inside a library folder (QA: the command line said it, the window
did not), an account's application data in a home folder added whole (``~/Library``, ``AppData``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.watching import write_photos
from helpers.window import drop_folder
from PySide6.QtCore import Qt

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow


def _run_ends(win: MainWindow) -> list[str]:
    """The status line as each indexing run of ``win`` leaves it, from now on (a run the folder watcher adds may
    follow the one the test starts)."""
    lines: list[str] = []
    win.indexing.stopped.connect(lambda: lines.append(win.status_label.text()))
    return lines


def test_a_dropped_folder_that_holds_the_apps_own_data_folder_is_said_once(
    qtbot, colour_home: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    photos = tmp_path / "Pictures"
    write_photos(photos, "red", 3)
    home = photos / "MoTIS data"
    shutil.copytree(colour_home, home)  # --home under the folder: its thumbnail cache fills as the window runs
    write_photos(home / "cache" / "thumbnails", "blue", 2)
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model_state == "ready", timeout=30_000)
    try:
        lines = _run_ends(win)
        drop_folder(win, photos)
        qtbot.waitUntil(lambda: len(lines) >= 1, timeout=60_000)
        said = f"{photos}: MoTIS's own data folder inside it is left out"
        assert lines[0].endswith(f" · library up to date: 3 photos indexed · {said}")
        win.view.setFocus()
        qtbot.keyClick(win.view, Qt.Key.Key_F5)  # the next run: said once is enough
        qtbot.waitUntil(lambda: len(lines) >= 2 and win.indexer is None, timeout=60_000)
        assert not any("own data folder" in line for line in lines[1:])
        assert win.model.rowCount() == 3  # the photos, not the thumbnails in the app's cache
    finally:
        win.close()
        services.close()


def test_a_dropped_home_folder_says_its_app_data_is_left_out(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "anna"
    write_photos(user / "Pictures", "red", 2)
    write_photos(user / "Library" / "Caches" / "com.apple.Safari", "green", 3)
    monkeypatch.setenv("HOME", str(user))  # Path.home(), as macOS gives it
    lines = _run_ends(window)
    drop_folder(window, user)
    qtbot.waitUntil(lambda: len(lines) >= 1, timeout=60_000)
    assert lines[0].endswith(f" · library up to date: 2 photos indexed · {user}: left out: Library (app data)")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10_000)
