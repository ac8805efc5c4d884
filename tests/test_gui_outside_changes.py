"""Changes another process makes to the library while the window is open (the command line in a terminal)."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import run_cli
from helpers.photos import make_colour_folder
from helpers.window import ready_window
from PySide6.QtWidgets import QWidget

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
