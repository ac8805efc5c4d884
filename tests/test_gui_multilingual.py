"""A query in German and Japanese typed into the window (real key presses; an input method's commit for the
Japanese), with the multilingual tiny SigLIP2 of tests/test_multilingual_query.py: the window shows the same
photos, in the same order, as the core's own query."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.keys import search_by_keys
from helpers.photos import make_colour_folder
from PySide6.QtCore import Qt

from motis_desktop.core.services import Services
from motis_desktop.gui.library_model import Roles
from motis_desktop.gui.main_window import MainWindow

TINY = Path(__file__).resolve().parent / "data" / "parity" / "siglip2_b32_tiny"
QUERY = "Müller am Strand 海に沈む夕日"


@pytest.fixture
def multilingual_home(home: Path, tmp_path: Path) -> Path:
    services = Services.open(home)
    services.import_checkpoint(TINY, "siglip2-tiny")
    make_colour_folder(tmp_path / "photos", per_colour=2)
    services.add_folders([str(tmp_path / "photos")])
    services.index()
    services.close()
    return home


def test_a_query_typed_in_german_and_japanese_gets_results(qtbot, multilingual_home: Path) -> None:
    services = Services.open(multilingual_home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model_state == "ready" and win.model.rowCount() == 12, timeout=60_000)
    search_by_keys(qtbot, win, QUERY)
    assert win.search.text() == QUERY  # every character arrived through the keyboard
    if win.model.rowCount() == 0:  # random weights: nothing may stand out; the grid offers the closest
        with qtbot.waitSignal(win.results.results_shown, timeout=30_000):
            qtbot.mouseClick(win.empty_results.closest, Qt.MouseButton.LeftButton)
    shown = [win.model.index(i).data(Roles.PATH) for i in range(win.model.rowCount())]
    assert shown
    check = Services.open(multilingual_home)
    expected = [h.path for h in check.query(QUERY, limit=len(shown), cutoff=False).hits]
    check.close()
    assert shown == expected
    win.close()
    services.close()
