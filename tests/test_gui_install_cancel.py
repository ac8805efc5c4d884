"""Cancel in the model dialog's progress (the lead's notes on QA walk 6, finding 9): it did nothing for an import and
for a download's conversion — the progress went away and the model was installed all the same. Now a conversion
stops between its steps (an ONNX export runs to its end), the button says so meanwhile, and nothing is left
half-installed; a download cancelled while converting keeps its files, so the next try converts at once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers.window import window_offering_a_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from motis_desktop.gui.install_progress import CANCELLING_AFTER_STEP, CONVERTING


@pytest.fixture
def held_export(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event]:
    """The ONNX export (the conversion's longest step) waits until released: (it began, release it)."""
    from motis_desktop.core.models.encoders import onnx_export

    began, release = threading.Event(), threading.Event()
    real = onnx_export.export_towers

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        began.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(onnx_export, "export_towers", held)
    yield began, release
    release.set()


def _cancel_while_converting(qtbot, dialog, held_export) -> None:  # type: ignore[no-untyped-def]
    """Press Cancel while the export runs: the button says it stops after this step; then let the step end."""
    began, release = held_export
    qtbot.waitUntil(began.is_set, timeout=60_000)
    progress = dialog.progress_dialog
    qtbot.mouseClick(progress.cancel_button, Qt.MouseButton.LeftButton)
    assert progress.isVisible()  # not gone while the work goes on
    assert progress.cancel_button.text() == CANCELLING_AFTER_STEP and not progress.cancel_button.isEnabled()
    with qtbot.waitSignal(dialog.runner.signals.finished, timeout=60_000):
        release.set()
    assert not progress.isVisible()


def test_cancel_stops_an_import_after_its_step(qtbot, home: Path, colour_pair, held_export, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)  # trust the files
    win, services = window_offering_a_model(qtbot, home)
    dialog = win.models.dialog
    dialog.import_files([str(colour_pair[0]), str(colour_pair[1])], "imported")  # as "Import model files…" does
    _cancel_while_converting(qtbot, dialog, held_export)
    assert services.installed_models() == []
    assert [p.name for p in (home / "models").iterdir()] == []  # no working folder left
    assert dialog.isVisible() and not dialog.offline.isVisible()  # no failure said: the person cancelled
    assert dialog.import_button.isEnabled() and win.model_state == "missing"
    # QA walk 8 #8: and it says so
    assert dialog.note.isVisible() and dialog.note.text() == "Import of imported cancelled: nothing was installed."
    win.close()
    services.close()


def test_a_download_cancelled_while_converting_keeps_its_files(qtbot, home: Path, registry, held_export) -> None:  # type: ignore[no-untyped-def]
    win, services = window_offering_a_model(qtbot, home)
    dialog = win.models.dialog
    assert dialog.selected().name == "colour-pair"
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.progress_dialog.label.text() == CONVERTING, timeout=60_000)
    _cancel_while_converting(qtbot, dialog, held_export)
    assert services.installed_models() == []
    assert [p.name for p in (home / "models").iterdir()] == []
    assert dialog.download_button.text().startswith("Resume download"), dialog.download_button.text()
    said = "Download of Colour pair cancelled: nothing was installed; “Resume download” goes on where it stopped."
    assert dialog.note.isVisible() and dialog.note.text() == said
    fetched = len(registry.behaviour.requests)
    with qtbot.waitSignal(dialog.installed, timeout=60_000):  # the next try: the files are here, verified
        qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
        assert not dialog.note.isVisible()  # the cancelled line goes with the next try
    assert len(registry.behaviour.requests) == fetched  # nothing downloaded again
    assert [m.name for m in services.installed_models()] == ["colour-pair"]
    win.close()
    services.close()
