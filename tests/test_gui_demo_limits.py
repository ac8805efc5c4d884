"""QA walk 8 #4: with the demo model (colour words only) active, a described scene ("a dog on the beach", as the
search box invited) got "none stand out" and no word that the demo knows colours only. Now the search box's example
is a colour, and the empty result says so, with an Install model… button, and a result with photos names the words
the demo ignored on its status line (QA walk 9 #5); the words are the core's (``core/models/demo.py``)."""

from __future__ import annotations

from pathlib import Path

from helpers.keys import search_by_keys
from helpers.photos import make_colour_folder
from helpers.window import index_folders, ready_window
from PySide6.QtCore import Qt

from motis_desktop.core.models.demo import DEMO_LIMITS
from motis_desktop.core.services import Services
from motis_desktop.gui.texts import SEARCH_PLACEHOLDER


def test_the_demo_says_it_knows_colours_in_the_box_and_when_nothing_stands_out(
    qtbot, home: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    services = Services.open(home)
    services.install_demo_model()
    services.close()
    colours = make_colour_folder(tmp_path / "photos", per_colour=2)
    index_folders(home, tmp_path / "photos")
    windows = ready_window(qtbot, home, rows=len(colours))
    win = next(windows)
    try:
        qtbot.waitUntil(lambda: win.search.placeholderText() != SEARCH_PLACEHOLDER, timeout=10_000)
        assert "“red”" in win.search.placeholderText() and "demo" in win.search.placeholderText()
        search_by_keys(qtbot, win, "a dog on the beach")
        assert win.stack.currentWidget() is win.empty_results
        assert DEMO_LIMITS in win.empty_results.reason.text()
        install = win.empty_results.install
        assert install.isVisible()
        install.setFocus()
        with qtbot.waitSignal(win.models.offer_shown, timeout=10_000, check_params_cb=bool):
            qtbot.keyClick(install, Qt.Key.Key_Space)  # Install model…: the model dialog
        win.models.dialog.reject()
        search_by_keys(qtbot, win, "red")  # a colour: found, and nothing to say
        assert win.model.rowCount() == 2 and not install.isVisible()
        assert "ignored" not in win.status_label.text()
        # QA walk 9 #5: "red car" showed the red photos and said nothing of "car"; the status line names it
        search_by_keys(qtbot, win, "red car")
        assert win.model.rowCount() == 2
        assert f"for “red car” · “car” ignored: {DEMO_LIMITS} — Esc to go back" in win.status_label.text()
    finally:
        next(windows, None)


def test_a_real_model_keeps_the_usual_example_and_says_nothing_of_colours(
    qtbot, colour_home: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Guard: the sentence and the button are the demo's only (the colour pair imported as a model of one's own
    stands in for a real model)."""
    colours = make_colour_folder(tmp_path / "photos", per_colour=2)
    index_folders(colour_home, tmp_path / "photos")
    windows = ready_window(qtbot, colour_home, rows=len(colours))
    win = next(windows)
    try:
        search_by_keys(qtbot, win, "a dog on the beach")
        assert win.search.placeholderText() == SEARCH_PLACEHOLDER
        assert DEMO_LIMITS not in win.empty_results.reason.text() and not win.empty_results.install.isVisible()
    finally:
        next(windows, None)
