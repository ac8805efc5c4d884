"""The GUI indexes and searches without importing torch (run in its own process by tests/test_torch_free.py:
``python -m pytest tests/helpers/gui_torch_free.py`` with ``MOTIS_TORCH_FREE_HOME``)."""

from __future__ import annotations

import os
import sys

from helpers.torch_free import block_torch

block_torch()  # before any app module is imported

from PySide6.QtCore import Qt  # noqa: E402

from motis_desktop.core.services import Services  # noqa: E402
from motis_desktop.gui.main_window import MainWindow  # noqa: E402


def test_gui_indexes_and_searches_without_torch(qtbot) -> None:
    services = Services.open(os.environ["MOTIS_TORCH_FREE_HOME"])  # the colour model installed, a folder added
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.model_state == "ready", timeout=120_000)
        qtbot.keyClick(win, Qt.Key.Key_F5)  # update the index (the window may have started already)
        qtbot.waitUntil(lambda: win.indexer is None and "up to date" in win.status_label.text(), timeout=120_000)
        win.search.setFocus()
        qtbot.keyClicks(win.search, "red")
        qtbot.keyClick(win.search, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: win.results.results_for == "red", timeout=60_000)
        assert [os.path.basename(r.path).split("_")[0] for r in win.model.rows()][:2] == ["red", "red"]
    finally:
        win.close()
        services.close()
    assert "torch" not in sys.modules
