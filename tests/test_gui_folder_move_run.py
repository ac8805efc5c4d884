"""Settings ▸ Locate… as a run of the indexing lane (``gui/folder_move_run.py``, lead's note after QA walk 6): during
the window's own indexing it waits for the run and says so, then moves; a big move's check shows its progress in the
folder's row and the status bar, and the status bar's Cancel stops it with the library as it was."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers.window import in_settings, ready_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton, QTreeWidgetItem

from motis_desktop.core.library import folder_locate
from motis_desktop.core.library.indexer import Indexer
from motis_desktop.core.services import Services
from motis_desktop.gui.folders_panel import LOCATE, FoldersPanel
from motis_desktop.gui.local_files import file_url
from motis_desktop.gui.settings_dialog import SettingsDialog

STATUS = 4  # the folders panel's Status column


def _row(qtbot, dialog: SettingsDialog) -> tuple[FoldersPanel, QTreeWidgetItem]:  # type: ignore[no-untyped-def]
    """The Settings panel and its one folder's row, once the row has its Locate… button (the folder is offline)."""
    panel = dialog.folders
    item = panel.tree.topLevelItem(0)
    assert item is not None
    qtbot.waitUntil(lambda: panel.tree.itemWidget(item, LOCATE) is not None, timeout=30_000)
    return panel, item


def _click(qtbot, panel: FoldersPanel, item: QTreeWidgetItem, text: str) -> None:  # type: ignore[no-untyped-def]
    button = panel.tree.itemWidget(item, LOCATE)
    assert isinstance(button, QPushButton) and button.text() == text
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _library(home: Path) -> tuple[list[str], int]:
    services = Services.open(home)
    try:
        return [f.path for f in services.folders()], len(services.files())
    finally:
        services.close()


def _moved_away(
    colour_library: tuple[Services, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path]:
    """The library's folder renamed on disk (offline to the library) to the folder Locate…'s dialog will choose:
    (the library's path, the new one)."""
    services, photos = colour_library
    services.close()
    moved = tmp_path / "Photos"
    photos.rename(moved)
    monkeypatch.setattr(QFileDialog, "getExistingDirectoryUrl", lambda *_a: file_url(str(moved)))
    return photos, moved


def _slow_check(
    colour_library: tuple[Services, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, Path, threading.Event, threading.Event]:
    """As ``_moved_away``, every photo's time changed on the way (each is checked), and the check's first photo
    takes until the test lets it go (a big folder's check): (the library's path, the new one, hashing, proceed)."""
    photos, moved = _moved_away(colour_library, tmp_path, monkeypatch)
    for path in moved.rglob("*.*"):  # copied without its times
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 3600 * 10**9))
    hashing, proceed = threading.Event(), threading.Event()
    digest = folder_locate._digest

    def slow(path: str) -> str | None:
        hashing.set()
        proceed.wait(60)
        return digest(path)

    monkeypatch.setattr(folder_locate, "_digest", slow)
    return photos, moved, hashing, proceed


def _held_indexing(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """From now on the window's next indexing run holds the indexer's lock until released: (entered, release)."""
    entered, release = threading.Event(), threading.Event()
    run = Indexer._run

    def held(self: Indexer, *args: Any, **kwargs: Any) -> Any:
        entered.set()
        release.wait(60)
        return run(self, *args, **kwargs)

    monkeypatch.setattr(Indexer, "_run", held)
    return entered, release


def test_locate_during_indexing_waits_for_the_run_says_so_and_then_moves(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: Locate… while the window indexed was refused (the indexer's lock). Now the row says "waiting for
    indexing…", the status line says the folder moves as soon as indexing has finished, and when the run ends the
    move happens by itself."""
    photos, moved = _moved_away(colour_library, tmp_path, monkeypatch)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    entered, release = _held_indexing(monkeypatch)
    try:
        qtbot.keyClick(window.view, Qt.Key.Key_F5)  # File ▸ Update index: a run of the window's own
        qtbot.waitUntil(entered.is_set, timeout=30_000)

        def locate(dialog: SettingsDialog) -> None:
            panel, item = _row(qtbot, dialog)
            _click(qtbot, panel, item, "Locate…")
            qtbot.waitUntil(lambda: item.text(STATUS) == "waiting for indexing…", timeout=10_000)
            said = f"photos moves to {moved} as soon as indexing has finished (Cancel stops indexing now)"
            assert said in window.status_label.text()
            assert _library(colour_home) == ([str(photos)], 12)  # not yet
            with qtbot.waitSignal(window.preferences.located, timeout=60_000) as located:
                release.set()  # the run ends: the move follows it
            assert located.args == [f"moved all 12 photos to {moved}"]
            qtbot.waitUntil(lambda: panel.paths() == [str(moved)], timeout=10_000)

        in_settings(qtbot, window, locate)
        qtbot.waitUntil(lambda: window.folders == [str(moved)] and window.indexer is None, timeout=60_000)
        assert not window.watching.label.isVisible()
    finally:
        release.set()
        next(windows, None)
    assert _library(colour_home) == ([str(moved)], 12)


def test_a_big_move_shows_its_check_and_the_status_bar_cancel_leaves_the_library_as_it_was(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder copied without its times: every photo is checked. The row and the status bar say "checking 0 of 12
    photos…"; Esc closes Settings (the move goes on), the status bar's Cancel stops it: the folder is still offline
    with its 12 photos, the status line says nothing was changed."""
    photos, moved, hashing, proceed = _slow_check(colour_library, tmp_path, monkeypatch)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:

        def locate(dialog: SettingsDialog) -> None:
            panel, item = _row(qtbot, dialog)
            _click(qtbot, panel, item, "Locate…")
            qtbot.waitUntil(lambda: item.text(STATUS) == "checking 0 of 12 photos…", timeout=30_000)
            assert window.status.progress_label.text() == "Checking 0 of 12 photos…"  # no rate before the first
            assert isinstance(panel.tree.itemWidget(item, LOCATE), QPushButton)
            assert panel.tree.itemWidget(item, LOCATE).text() == "Cancel"
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Settings closes; the move goes on

        in_settings(qtbot, window, locate, ok=False)
        assert hashing.is_set() and window.status.cancel_button.isVisible()
        qtbot.mouseClick(window.status.cancel_button, Qt.MouseButton.LeftButton)
        proceed.set()
        said = "locating photos cancelled: nothing was changed"
        qtbot.waitUntil(lambda: window.indexer is None and said in window.status_label.text(), timeout=30_000)
        assert window.folders == [str(photos)] and window.watching.label.text() == "⚠ 1 folder offline"
    finally:
        proceed.set()
        next(windows, None)
    assert _library(colour_home) == ([str(photos)], 12)


def test_a_move_waiting_for_indexing_can_be_cancelled_in_its_row(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row's Cancel while the move waits for the window's run: it never runs, the row offers Locate… again,
    and when the run ends the folder is still offline with its photos."""
    photos, moved = _moved_away(colour_library, tmp_path, monkeypatch)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    entered, release = _held_indexing(monkeypatch)
    try:
        qtbot.keyClick(window.view, Qt.Key.Key_F5)
        qtbot.waitUntil(entered.is_set, timeout=30_000)

        def locate(dialog: SettingsDialog) -> None:
            panel, item = _row(qtbot, dialog)
            _click(qtbot, panel, item, "Locate…")
            qtbot.waitUntil(lambda: item.text(STATUS) == "waiting for indexing…", timeout=10_000)
            _click(qtbot, panel, item, "Cancel")
            assert item.text(STATUS) == "offline" and panel.tree.itemWidget(item, LOCATE).text() == "Locate…"
            assert "locating photos cancelled: nothing was changed" in window.status_label.text()

        in_settings(qtbot, window, locate)
        release.set()
        qtbot.waitUntil(lambda: window.indexer is None, timeout=60_000)
        assert window.folders == [str(photos)] and window.watching.label.text() == "⚠ 1 folder offline"
    finally:
        release.set()
        next(windows, None)
    assert _library(colour_home) == ([str(photos)], 12)
