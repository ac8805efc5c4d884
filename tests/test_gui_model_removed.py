"""The window's model removed by another process (`motis models remove NAME` in a terminal; QA walk 5 finding 2)."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import run_cli
from helpers.window import leave_for_a_terminal, ready_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from motis_desktop.core.services import Services

REMOVED = "the model colour was removed by another MoTIS window or command"


def _no_modal_error() -> bool:
    return not any(isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets())


def _as_without_a_model(qtbot, window, rows: int = 12) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.status.model_label.text() == "Model: none installed", timeout=10_000)
    qtbot.waitUntil(lambda: window.models.offering, timeout=10_000)  # the first-run offer
    assert window.model_state == "missing"
    assert REMOVED in window.status_label.text()
    assert "Update index tries again" not in window.status_label.text()
    reason = window.models.dialog.why  # the offer says why it opened again
    assert reason.isVisible() and reason.text() == REMOVED[0].upper() + REMOVED[1:] + "."
    qtbot.waitUntil(lambda: window.model.rowCount() == rows, timeout=10_000)  # the photos stay on show
    assert _no_modal_error()


def test_update_index_after_the_model_was_removed_from_the_command_line(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """QA: F5 then showed a modal "no model named 'colour' (installed: none)", the status line advised "indexing
    stopped — File ▸ Update index tries again" and the window still said "Model: colour"."""
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        assert run_cli("models", "remove", "colour", "--yes", home=colour_home).returncode == 0
        window.view.setFocus()
        qtbot.keyClick(window.view, Qt.Key.Key_F5)
        _as_without_a_model(qtbot, window)
        qtbot.waitUntil(lambda: window.indexer is None, timeout=10_000)
        assert _no_modal_error()
    finally:
        next(windows, None)


def test_the_window_notices_its_model_removed_when_active_again(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        leave_for_a_terminal(qtbot, window)
        assert run_cli("models", "remove", "colour", "--yes", home=colour_home).returncode == 0
        window.activateWindow()  # back in the app
        _as_without_a_model(qtbot, window)
        window.grab().save("/tmp/qa5more/model_removed.png")
    finally:
        next(windows, None)


def test_a_run_whose_model_is_removed_meanwhile_stops_and_says_why(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """QA: the model removed while the window's own run encoded for it, F5 pressed during that run: the run went on
    with the removed model, the queued run then ended in a modal "no model named 'colour'" and the window still said
    "Model: colour". Now the run stops, the window is as without a model and its offer says why it opened again."""
    from helpers.watching import write_photos

    from motis_desktop.core.services import ProgressPhase

    modal: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a: modal.append(text))
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        write_photos(tmp_path / "more", "red", 60)
        removed: list[bool] = []

        def remove_while_encoding(p) -> None:  # type: ignore[no-untyped-def]
            if p.phase is ProgressPhase.ENCODE and not removed:
                removed.append(True)
                qtbot.keyClick(window.view, Qt.Key.Key_F5)  # one more run, asked while the model is still there
                assert run_cli("models", "remove", "colour", "--yes", home=colour_home).returncode == 0

        window.indexing.progress.connect(remove_while_encoding)
        window.add_folders([str(tmp_path / "more")])
        qtbot.waitUntil(lambda: bool(removed) and window.indexer is None, timeout=60_000)
        _as_without_a_model(qtbot, window, rows=72)  # the new folder's photos listed
        assert modal == []
        qtbot.waitUntil(lambda: window.indexer is None, timeout=10_000)  # and no run after it
    finally:
        next(windows, None)
