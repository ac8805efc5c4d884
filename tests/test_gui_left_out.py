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


def _run_over(qtbot, win: MainWindow, rows: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: win.model.rowCount() == rows and win.indexer is None, timeout=60_000)
    qtbot.waitUntil(lambda: "up to date" in win.status_label.text(), timeout=10_000)


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
        drop_folder(win, photos)
        _run_over(qtbot, win, rows=3)  # the photos, not the cache's thumbnails
        said = f"{photos}: MoTIS's own data folder inside it is left out"
        assert win.status_label.text() == f"3 photos · library up to date: 3 photos indexed · {said}"
        win.view.setFocus()
        qtbot.keyClick(win.view, Qt.Key.Key_F5)  # the next run: said once is enough
        qtbot.waitUntil(lambda: win.indexer is None and "nothing new" in win.status_label.text(), timeout=60_000)
        assert "own data folder" not in win.status_label.text()
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
    drop_folder(window, user)
    _run_over(qtbot, window, rows=2)
    assert window.status_label.text().endswith(f" · {user}: left out: Library (app data)")
