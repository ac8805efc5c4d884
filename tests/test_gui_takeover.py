"""A real model installed from a terminal while the window searches with the demo model (QA walk 6 #4): the demo
answers while the library is encoded with the new model, which then takes over; the status line says the model was
installed, not "chosen by another MoTIS window or command"."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import run_cli
from helpers.keys import search_by_keys
from helpers.models import install_colour
from helpers.photos import make_colour_folder
from helpers.window import index_folders, leave_for_a_terminal, ready_window

from motis_desktop.core.services import Services


def test_a_model_imported_in_a_terminal_takes_over_from_the_demo_when_the_window_is_active_again(
    qtbot, home: Path, tmp_path: Path, colour_pair
) -> None:
    colours = make_colour_folder(tmp_path / "photos", per_colour=2)
    assert run_cli("models", "demo", home=home).returncode == 0
    index_folders(home, tmp_path / "photos")
    windows = ready_window(qtbot, home, rows=len(colours))
    window = next(windows)
    try:
        leave_for_a_terminal(qtbot, window)
        other = Services.open(home)  # `motis models import … --name colour`, another process's
        install_colour(other, colour_pair, name="colour")
        assert other.active_model().name == "colour-demo" and other.takeover_model() == "colour"
        other.close()
        window.activateWindow()  # back in the app
        said = f"{len(colours)} photos · now using colour, installed by another MoTIS window or command, in place of"
        said += " the demo"
        qtbot.waitUntil(
            lambda: window.status.model_label.text() == "Model: colour" and window.status_label.text() == said,
            timeout=60_000,
        )
        search_by_keys(qtbot, window, "red")
        assert [colours[r.path] for r in window.model.rows()] == ["red"] * 2
    finally:
        next(windows, None)
