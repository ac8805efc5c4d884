"""Settings ▸ Removed photos: how many photos that left the library folders are remembered (30 days, for their
return), and "Forget them now", which forgets them at once (counted and forgotten off the GUI thread)."""

from __future__ import annotations

import threading
from pathlib import Path

from helpers.window import ready_window
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog


def _in_settings(qtbot, window: MainWindow, act) -> None:
    """Open Settings with Ctrl+, and run ``act(dialog)`` in it, then close it with Cancel (whatever ``act`` did)."""

    def when_open() -> None:
        dialog = next((w for w in window.findChildren(SettingsDialog) if w.isVisible()), None)
        if dialog is None:  # the key press has not opened it yet
            QTimer.singleShot(10, when_open)
            return
        try:
            act(dialog)
        finally:
            cancel = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
            qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)

    window.activateWindow()  # the offscreen platform does not give it back when a dialog closes
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTimer.singleShot(0, when_open)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File ▸ Settings…


def test_forget_them_now_forgets_the_photos_removed_from_the_folders(
    qtbot, sql_threads: list[str], colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    _, photos = colour_library
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        (photos / "sub").rename(tmp_path / "away")  # 6 photos leave the library folders
        qtbot.waitUntil(lambda: window.model.rowCount() == 6 and window.indexer is None, timeout=60_000)
        seen: list[tuple[str, str, bool]] = []

        def forget(dialog: SettingsDialog) -> None:
            line, button = dialog.gone.label, dialog.gone.button
            qtbot.waitUntil(lambda: "6 remembered now" in line.text(), timeout=10_000)
            seen.append((line.text(), button.text(), button.isEnabled()))
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            qtbot.waitUntil(lambda: "0 remembered now" in line.text(), timeout=10_000)
            seen.append((line.text(), button.text(), button.isEnabled()))

        sql_threads.clear()  # the fixtures' own statements ran on this thread
        _in_settings(qtbot, window, forget)
        assert sql_threads and threading.main_thread().name not in sql_threads  # counted and forgotten off it
        assert len(seen) == 2
        (before, button_before, enabled_before), (after, button_after, enabled_after) = seen
        assert "remembered for 30 days, so they are not read again if they come back" in before
        assert (button_before, enabled_before) == ("Forget them now", True)
        assert (button_after, enabled_after) == ("None remembered", False)
        qtbot.waitUntil(
            lambda: "forgot 6 photos removed from your folders" in window.status_label.text(), timeout=5_000
        )

        shown: list[tuple[str, bool]] = []  # opened again: nothing left to forget
        _in_settings(
            qtbot,
            window,
            lambda dialog: (
                qtbot.waitUntil(lambda: "0 remembered now" in dialog.gone.label.text(), timeout=10_000),
                shown.append((dialog.gone.button.text(), dialog.gone.button.isEnabled())),
            ),
        )
        assert shown == [("None remembered", False)]

        (tmp_path / "away").rename(photos / "sub")  # back: indexed again, as new photos
        qtbot.waitUntil(lambda: window.model.rowCount() == 12 and window.indexer is None, timeout=60_000)
        qtbot.waitUntil(lambda: "6 photos indexed" in window.status_label.text(), timeout=10_000)
        assert "already indexed before" not in window.status_label.text()
    finally:
        next(windows, None)
