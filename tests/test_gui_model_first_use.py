"""A model's first use on this machine measures its inference modes (seconds to a minute for a large model): the
window's library work (photo shapes, details, settings) must not wait behind it. Real window, real model; the
measurement is held open by an event so that "meanwhile" is certain on a fast machine too."""

from __future__ import annotations

import threading
from pathlib import Path

from helpers.keys import search_by_keys
from helpers.photos import make_colour_folder
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from motis_desktop.core.models import precision
from motis_desktop.core.services import Services
from motis_desktop.gui.library_model import Roles
from motis_desktop.gui.main_window import MainWindow


def test_photo_shapes_arrive_while_the_model_is_measured_on_first_use(
    qtbot, home: Path, indexed_libraries, monkeypatch
) -> None:
    photos = indexed_libraries.copy_into(home, "gui-first-use", lambda folder: make_colour_folder(folder, 2))
    monkeypatch.delenv("MOTIS_INFERENCE_MODE")  # the app's own choice: measured on first use, as on a new computer
    assert not (home / "cache" / "modes").exists()
    measuring, release = threading.Event(), threading.Event()
    measure = precision.measure_and_choose

    def measured_slowly(*args, **kwargs):  # type: ignore[no-untyped-def]
        measuring.set()
        release.wait(60)
        return measure(*args, **kwargs)

    monkeypatch.setattr(precision, "measure_and_choose", measured_slowly)
    window = MainWindow(Services.open(home))
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitUntil(lambda: measuring.is_set() and window.model.rowCount() == len(photos), timeout=30_000)
        qtbot.waitUntil(lambda: window.sizes.idle, timeout=20_000)  # before: only after the measurement
        assert window.model_state == "loading"
        assert window.status.model_label.text().startswith("Model: preparing colour")
        for row in range(window.model.rowCount()):  # each photo in its own shape
            with Image.open(window.model.index(row).data(Roles.PATH)) as image:
                shape = min(3.0, max(0.4, image.width / image.height))
            rect = window.view.visualRect(window.model.index(row))
            assert abs(rect.width() / rect.height() - shape) < 0.05
        panel = window.findChild(QDockWidget, "detailsPanel")
        window.view.setFocus()
        with qtbot.waitSignal(panel.shown, timeout=20_000):  # a photo's facts, read from the library meanwhile
            qtbot.keyClick(window.view, Qt.Key.Key_I)
        assert "Taken" in panel.text()
        assert measuring.is_set() and not release.is_set() and window.model_state == "loading"
        release.set()
        qtbot.waitUntil(lambda: window.model_state == "ready", timeout=60_000)
        assert window.status.model_label.text().startswith("Model: colour")
        search_by_keys(qtbot, window, "red")
        assert window.model.rowCount() > 0
    finally:
        release.set()
        services = window.services
        window.close()
        services.close()
