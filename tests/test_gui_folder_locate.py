"""Settings ▸ Locate… on an offline folder's row (QA walk 6, finding 2's leftover), and the window's words for an
offline folder's photos after a model switch (finding 3's)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import run_cli_process
from helpers.models import drive_and_local_with_other_model
from helpers.photos import make_colour_folder
from helpers.window import in_settings, ready_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from motis_desktop.core.services import Services
from motis_desktop.gui.folders_panel import LOCATE
from motis_desktop.gui.local_files import file_url
from motis_desktop.gui.settings_dialog import SettingsDialog

SHOT = Path("/tmp/folder-locate/after.png")


def test_locate_moves_an_offline_folder_where_the_user_shows_it(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: a renamed library folder stayed "⚠ 1 folder offline" for good, its photos grey, and Settings had no way
    to say where it went. Locate… on its row, a folder chosen, and the photos found there move over at once: the
    status line says how many, the offline warning goes, the gallery lists them at their new paths."""
    services, photos = colour_library
    services.close()
    moved = tmp_path / "Photos"
    photos.rename(moved)
    sorted(moved.rglob("*.png"))[0].unlink()  # lost on the way
    asked: list[str] = []

    def choose(_parent, title, start):  # the folder chooser, answered as a user would
        asked.append(f"{title} {start.toLocalFile()}")
        return file_url(str(moved))

    monkeypatch.setattr(QFileDialog, "getExistingDirectoryUrl", choose)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        qtbot.waitUntil(lambda: window.watching.label.text() == "⚠ 1 folder offline", timeout=30_000)
        said: list[str] = []

        def locate(dialog: SettingsDialog) -> None:
            panel = dialog.folders
            item = panel.tree.topLevelItem(0)
            qtbot.waitUntil(lambda: panel.tree.itemWidget(item, LOCATE) is not None, timeout=30_000)
            button = panel.tree.itemWidget(item, LOCATE)
            assert isinstance(button, QPushButton) and button.text() == "Locate…"
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            dialog.grab().save(str(SHOT))
            with qtbot.waitSignal(window.preferences.located, timeout=60_000) as located:
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            said.append(located.args[0])
            qtbot.waitUntil(lambda: panel.paths() == [str(moved)], timeout=10_000)
            qtbot.waitUntil(lambda: panel.tree.itemWidget(item, LOCATE) is None, timeout=10_000)

        in_settings(qtbot, window, locate)
        assert asked == [f"Where is photos now? {tmp_path}"]
        words = f"moved 11 of 12 photos to {moved}; 1 was not there"
        assert said == [words]
        assert window.status.currentMessage() == words
        qtbot.waitUntil(lambda: window.folders == [str(moved)], timeout=30_000)
        qtbot.waitUntil(lambda: not window.watching.label.isVisible(), timeout=30_000)
        qtbot.waitUntil(lambda: window.model.rowCount() == 11 and window.indexer is None, timeout=60_000)
        assert all(window.model.row_of(str(p)) is not None for p in moved.rglob("*.*"))
        line = window.status_label.text()  # the move said, not blamed on another process (QA walk 8 #9)
        assert line == f"11 photos · {words}" and "offline folder" not in line, line
    finally:
        next(windows, None)
    again = Services.open(colour_home)
    try:
        assert [f.path for f in again.folders()] == [str(moved)]
        assert again.counts(again.active_model().model_id)["indexed"] == 11  # nothing lost, nothing to encode
    finally:
        again.close()


def test_a_refused_locate_says_why_and_changes_nothing(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder that holds none of the photos: a message box says so; the library and the row are as they were."""
    services, photos = colour_library
    services.close()
    photos.rename(tmp_path / "away")
    wrong = tmp_path / "Other"
    make_colour_folder(wrong, per_colour=1, seed=70)
    monkeypatch.setattr(QFileDialog, "getExistingDirectoryUrl", lambda *_a: file_url(str(wrong)))
    warned: list[str] = []
    monkeypatch.setattr(  # the core's words (the box's own: test_gui_qa_eight_settings.py)
        "motis_desktop.gui.folders_panel.FoldersPanel.show_refused", lambda _p, _f, text: warned.append(text)
    )
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:

        def locate(dialog: SettingsDialog) -> None:
            panel = dialog.folders
            item = panel.tree.topLevelItem(0)
            qtbot.waitUntil(lambda: panel.tree.itemWidget(item, LOCATE) is not None, timeout=30_000)
            qtbot.mouseClick(panel.tree.itemWidget(item, LOCATE), Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: bool(warned), timeout=60_000)
            assert panel.paths() == [str(photos)]

        in_settings(qtbot, window, locate)
        assert f"none of the 12 photos of {photos} is in {wrong}" in warned[0]
        said = window.status_label.text()  # QA walk 9 #3: "moving photos to …" stayed after the refusal
        assert "moving" not in said and "photos was not moved: nothing was changed" in said, said
        assert window.watching.label.text() == "⚠ 1 folder offline"
        assert window.folders == [str(photos)]
    finally:
        next(windows, None)


def test_a_switch_while_a_drive_is_unplugged_says_its_photos_wait_for_the_model(
    qtbot, colour_home: Path, colour_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    """QA: "23 photos on an unplugged drive will be indexed with real1 when it is back" was said nowhere. The
    window's switch (Settings ▸ Model) says it in the status line, in the core's words."""
    drive = drive_and_local_with_other_model(colour_home, colour_pair, tmp_path)
    drive.rename(tmp_path / "G6-away")
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        with qtbot.waitSignal(window.indexing.switched, timeout=120_000):
            in_settings(qtbot, window, lambda dialog: dialog.model.setCurrentText("other"))
        words = "6 photos on an unplugged drive will be indexed with other when it is back"
        qtbot.waitUntil(lambda: words in window.status_label.text(), timeout=10_000)
        assert "now using other" in window.status_label.text()
    finally:
        next(windows, None)


def test_a_folder_moved_in_a_terminal_is_no_longer_offline_in_the_open_window(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA walk 8 #6: the folder renamed while the window is open (offline there), then `motis folders move OLD NEW`
    in a terminal: the window kept "12 in an offline folder, not searched · ⚠ 1 folder offline" until F5, while its
    searches already found the photos at NEW. It looks at the library's folders while one is offline, and drops the
    offline mark by itself."""
    services, photos = colour_library
    services.close()
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        moved = tmp_path / "Italy 2023"
        photos.rename(moved)  # in a file manager
        qtbot.waitUntil(lambda: "12 in an offline folder" in window.status_label.text(), timeout=30_000)
        done = run_cli_process("folders", "move", str(photos), str(moved), home=colour_home)  # the real command
        assert done.returncode == 0 and "moved all 12 photos" in done.stdout, done.stderr
        qtbot.waitUntil(lambda: "offline" not in window.status_label.text(), timeout=30_000)
        assert not window.watching.label.isVisible()  # no "⚠ 1 folder offline" either
        assert window.folders == [str(moved)]
        assert all(row.path.startswith(str(moved)) for row in window.model.rows())
    finally:
        next(windows, None)
