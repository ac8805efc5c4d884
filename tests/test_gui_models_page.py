"""File ▸ Install model… with a model in use (QA walk 6, finding 9): the dialog names the model in use first (the
demo says it knows colour words only), lists the installed models with that one marked, and closes with Close;
the first-run offer keeps its text and its Later."""

from __future__ import annotations

from pathlib import Path

from helpers.window import ready_window, window_offering_a_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from motis_desktop.core.services import Services


def _seen(dialog: QWidget) -> tuple[list[str], list[str]]:
    """The texts of the dialog's visible labels and buttons, as a user reads them."""
    labels = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible() and w.text()]
    buttons = [b.text() for b in dialog.findChildren(QPushButton) if b.isVisible()]
    return labels, buttons


def test_install_model_with_the_demo_in_use_names_it_and_closes_with_close(qtbot, home: Path) -> None:
    services = Services.open(home)
    services.install_demo_model()
    services.close()
    windows = ready_window(qtbot, home, rows=0)
    win = next(windows)
    try:
        with qtbot.waitSignal(win.models.offer_shown, timeout=10_000):
            win.actions_by_name["install_model"].trigger()  # File ▸ Install model…
        dialog = win.models.dialog
        labels, buttons = _seen(dialog)
        assert labels[0].startswith("In use: <b>colour-demo</b> — the demo model, colour words only"), labels
        assert "colour-demo (in use, demo: colour words only" in labels[0]
        assert not any("needs a <b>model</b>" in text for text in labels)  # not the first-run offer's words
        assert "Close" in buttons and "Later" not in buttons, buttons
        close = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Close")
        with qtbot.waitSignal(win.models.offer_shown, timeout=10_000, check_params_cb=lambda shown: not shown):
            qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
    finally:
        next(windows, None)


def test_install_model_lists_the_installed_models_with_the_active_one_marked(qtbot, home: Path, colour_pair) -> None:  # type: ignore[no-untyped-def]
    from helpers.models import install_colour

    services = Services.open(home)
    install_colour(services, colour_pair, name="colour-pair")  # active
    install_colour(services, colour_pair, name="tiny-clip")  # installed too
    services.close()
    windows = ready_window(qtbot, home, rows=0)
    win = next(windows)
    try:
        with qtbot.waitSignal(win.models.offer_shown, timeout=10_000):
            win.actions_by_name["install_model"].trigger()
        labels, buttons = _seen(win.models.dialog)
        first = labels[0]
        assert first.startswith("In use: <b>colour-pair</b><br>"), first  # no demo note: it is not the demo
        assert "• colour-pair (in use" in first and "• tiny-clip" in first and "tiny-clip (in use" not in first
        assert "Close" in buttons and "Later" not in buttons
    finally:
        next(windows, None)


def test_the_first_run_offer_keeps_its_words_and_later(qtbot, home: Path) -> None:
    """Guard: with no model installed the offer is unchanged: its first-run sentence, no "In use", and Later."""
    window, services = window_offering_a_model(qtbot, home)
    labels, buttons = _seen(window.models.dialog)
    assert labels[0].startswith("To find photos by describing them, MoTIS Desktop needs a <b>model</b>"), labels
    assert not any(text.startswith("In use") for text in labels)
    assert "Later" in buttons and "Close" not in buttons
    window.close()
    services.close()
