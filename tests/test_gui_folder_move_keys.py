"""Settings ▸ Locate…'s move in the window, the rest of the lead's note (``gui/folder_move_run.py``,
``gui/escape_key.py``): Esc over the gallery stops a move's check as the status bar's Cancel does (not indexing),
that Cancel says what it stops, and a move that meets another process's run (``motis index`` in a terminal) waits
for it on the status line, cancellable, instead of a message box. Real keys and clicks (pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.window import in_settings, ready_window
from PySide6.QtCore import Qt
from test_gui_folder_move_run import STATUS, _click, _held_indexing, _library, _moved_away, _row, _slow_check

from motis_desktop.core.library.locking import IndexLock
from motis_desktop.core.services import Services
from motis_desktop.gui.folder_move_run import CHECK_STOPS, WAIT_STOPS
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.status_bar import STOP_INDEXING


def _refusals(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The message boxes a refused move shows, recorded instead (a box waits for a click)."""
    refused: list[str] = []
    monkeypatch.setattr(
        "motis_desktop.gui.folders_panel.FoldersPanel.show_refused", lambda _p, _f, text: refused.append(text)
    )
    return refused


def _back_in_the_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Settings closed: the window is active again, the grid has the focus (the offscreen platform leaves it to us)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.view.setFocus()


def test_esc_over_the_gallery_stops_a_move_s_check_as_its_cancel_does(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lead's note: Esc did nothing to a running move's check, and the status bar's Cancel said "Stop indexing".
    Esc in the search box still clears the box (a text field wants it); Esc over the gallery stops the check."""
    photos, moved, hashing, proceed = _slow_check(colour_library, tmp_path, monkeypatch)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:

        def locate(dialog: SettingsDialog) -> None:
            panel, item = _row(qtbot, dialog)
            _click(qtbot, panel, item, "Locate…")
            qtbot.waitUntil(lambda: item.text(STATUS) == "checking 0 of 12 photos…", timeout=30_000)
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Settings closes; the move goes on

        in_settings(qtbot, window, locate, ok=False)
        _back_in_the_window(qtbot, window)
        assert hashing.is_set() and window.status.cancel_button.isVisible()
        assert (
            window.status.cancel_button.toolTip()
            == CHECK_STOPS
            == "Stop checking the moved folder (nothing is changed)"
        )
        qtbot.keyClick(window.view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # Edit ▸ Find: into the box
        assert window.search.hasFocus()
        qtbot.keyClicks(window.search, "red")
        qtbot.keyClick(window.search, Qt.Key.Key_Escape)  # the box's Esc: its text goes, the move goes on
        assert window.search.text() == "" and window.preferences.moves.running
        assert not window.indexer.cancelled and window.view.hasFocus()
        qtbot.keyClick(window.view, Qt.Key.Key_Escape)  # over the gallery: as the status bar's Cancel
        assert window.indexer.cancelled and window.status.progress_label.text() == "Cancelling…"
        proceed.set()
        said = "locating photos cancelled: nothing was changed"
        qtbot.waitUntil(lambda: window.indexer is None and said in window.status_label.text(), timeout=30_000)
        assert window.folders == [str(photos)] and window.watching.label.text() == "⚠ 1 folder offline"
        with qtbot.waitSignal(window.indexing.started, timeout=10_000):
            qtbot.keyClick(window.view, Qt.Key.Key_F5)  # the window's own run: Cancel stops indexing again
        assert window.status.cancel_button.toolTip() == STOP_INDEXING
    finally:
        proceed.set()
        next(windows, None)
    assert _library(colour_home) == ([str(photos)], 12)


def test_esc_does_not_stop_the_window_s_indexing(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A guard for the decision (``gui/escape_key.py``): Esc leaves results or clears the box without a thought, and
    a run may be hours of first indexing, a switch or a take-over: only Cancel stops it."""
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    entered, release = _held_indexing(monkeypatch)
    try:
        qtbot.keyClick(window.view, Qt.Key.Key_F5)
        qtbot.waitUntil(entered.is_set, timeout=30_000)
        qtbot.keyClick(window.view, Qt.Key.Key_Escape)
        assert window.indexer is not None and not window.indexer.cancelled
        with qtbot.waitSignal(window.indexing.finished, timeout=60_000) as finished:
            release.set()
        assert not finished.args[0].cancelled
    finally:
        release.set()
        next(windows, None)


def test_a_move_while_another_process_indexes_waits_for_that_run_on_the_status_line_then_moves(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lead's note: Locate… while `motis index` ran in a terminal showed a message box ("… is updating this library;
    nothing was changed"). It waits for that run as `motis index --wait` does, says so, and moves when it ends."""
    photos, moved = _moved_away(colour_library, tmp_path, monkeypatch)
    refused = _refusals(monkeypatch)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    lock = IndexLock(colour_home / "index.lock")  # what the other process's run holds
    lock.__enter__()
    try:

        def locate(dialog: SettingsDialog) -> None:
            panel, item = _row(qtbot, dialog)
            _click(qtbot, panel, item, "Locate…")
            waiting = "waiting for another process…"
            qtbot.waitUntil(lambda: item.text(STATUS) == waiting or bool(refused), timeout=30_000)
            assert not refused and item.text(STATUS) == waiting
            line = window.status_label.text()
            assert f"is updating this library; photos moves to {moved} as soon as it has finished" in line, line
            bar = window.status
            assert bar.cancel_button.isVisible() and bar.cancel_button.toolTip() == WAIT_STOPS
            assert bar.progress_label.text() == "Waiting for it to finish…"
            assert _library(colour_home) == ([str(photos)], 12)  # not yet
            with qtbot.waitSignal(window.preferences.located, timeout=60_000) as located:
                lock.__exit__(None, None, None)  # the other process's run ends
            assert located.args == [f"moved all 12 photos to {moved}"]
            qtbot.waitUntil(lambda: panel.paths() == [str(moved)], timeout=10_000)

        in_settings(qtbot, window, locate)
        qtbot.waitUntil(lambda: window.folders == [str(moved)] and window.indexer is None, timeout=60_000)
        assert not refused
    finally:
        lock.__exit__(None, None, None)
        next(windows, None)
    assert _library(colour_home) == ([str(moved)], 12)


def test_esc_stops_a_move_waiting_for_another_process_s_run(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait is cancellable once Settings is closed: Esc over the gallery (or the status bar's Cancel) gives the
    move up; when the other run ends, nothing moves."""
    photos, moved = _moved_away(colour_library, tmp_path, monkeypatch)
    refused = _refusals(monkeypatch)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    lock = IndexLock(colour_home / "index.lock")
    lock.__enter__()
    try:

        def locate(dialog: SettingsDialog) -> None:
            panel, item = _row(qtbot, dialog)
            _click(qtbot, panel, item, "Locate…")
            qtbot.waitUntil(
                lambda: item.text(STATUS) == "waiting for another process…" or bool(refused), timeout=30_000
            )
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Settings closes; the move still waits

        in_settings(qtbot, window, locate, ok=False)
        _back_in_the_window(qtbot, window)
        assert not refused and window.status.cancel_button.isVisible()
        qtbot.keyClick(window.view, Qt.Key.Key_Escape)
        said = "locating photos cancelled: nothing was changed"
        assert said in window.status_label.text() and not window.status.cancel_button.isVisible()
        lock.__exit__(None, None, None)
        qtbot.waitUntil(lambda: window.indexing.waiting is None, timeout=10_000)  # its wait stopped too
        assert window.indexer is None and window.folders == [str(photos)]
    finally:
        lock.__exit__(None, None, None)
        next(windows, None)
    assert _library(colour_home) == ([str(photos)], 12)
