"""The window keeps the size it was given and fits the screen (QA walk 14): text that comes from the user — a
long query, a path — wraps or is elided instead of widening the window; the first window and the dialogs open
within the screen; faint hint colours are readable; a photo whose drive is offline is said in words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.keys import search_by_keys
from helpers.photos import make_colour_folder
from helpers.window import ready_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from motis_desktop.gui.main_window import MainWindow

LONG_QUERY = (
    "a photo of three fluffy cats sitting together on an old leather sofa in a quiet living room next to a big"
    " open window with plants and books on the shelf"
)


@pytest.fixture
def photos(home: Path, indexed_libraries) -> dict[str, str]:
    return indexed_libraries.copy_into(home, "gui-window", lambda folder: make_colour_folder(folder, per_colour=5))


@pytest.fixture
def win(qtbot, home: Path, photos: dict[str, str]) -> Iterator[MainWindow]:
    yield from ready_window(qtbot, home, rows=30, size=(800, 600))


@pytest.mark.parametrize("query", [LONG_QUERY, "x" * 300])
def test_a_long_query_that_finds_nothing_leaves_the_window_as_wide_as_it_was(
    qtbot, win: MainWindow, query: str
) -> None:
    search_by_keys(qtbot, win, query)
    assert win.stack.currentWidget() is win.empty_results  # "Nothing shown for …"
    _settle()
    assert win.width() == 800
    assert win.minimumSizeHint().width() <= 800  # nothing asks the window to grow
    qtbot.keyClick(win.search, Qt.Key.Key_Escape)
    _settle()
    assert win.width() == 800


def test_details_after_a_long_query_leave_the_window_as_wide_as_it_was(qtbot, win: MainWindow) -> None:
    search_by_keys(qtbot, win, LONG_QUERY)
    qtbot.keyClick(win.search, Qt.Key.Key_Escape)  # back to the gallery
    win.view.setFocus()
    for _ in range(2):
        with qtbot.waitSignal(win.details.shown, timeout=30_000):
            qtbot.keyClick(win.view, Qt.Key.Key_I)
        _settle()
        assert win.width() == 800 and win.minimumSizeHint().width() <= 800
        qtbot.keyClick(win.view, Qt.Key.Key_I)
        _settle()
        assert win.width() == 800


def _settle() -> None:
    """Let the layout requests posted so far run, as the event loop does between a person's key presses."""
    QApplication.processEvents()
