"""The first-run model offer's keys (QA walk 7 #9): the focus starts on Download, the recommended action, which Enter
presses (test_gui_models_page.py), and Esc says Later (pytest-qt, offscreen; real keys)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.window import window_offering_a_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

SHOTS = Path("/tmp/qa7-gui")
REPO = Path(__file__).resolve().parent.parent


def test_the_first_run_offer_focuses_download_and_esc_says_later(qtbot, home: Path) -> None:
    """QA: the offer opened with the focus on its text's scroll area (no button focused: one Tab first; a screen
    reader started on an unlabelled pane). The focus is on Download; Esc is Later and downloads nothing."""
    window, services = window_offering_a_model(qtbot, home)
    dialog = window.models.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.download_button, timeout=5_000)
    assert dialog.download_button.text().startswith("Download (") and dialog.download_button.isDefault()
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "first_run_focus.png"))
    downloads: list[bool] = []
    dialog.download_button.clicked.connect(downloads.append)
    with qtbot.waitSignal(window.models.offer_shown, timeout=5_000, check_params_cb=lambda shown: not shown):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and not downloads  # Later: nothing downloaded
    window.close()
    services.close()


def test_with_nothing_to_download_the_offer_focuses_the_demo(qtbot, home: Path, tmp_path: Path, monkeypatch) -> None:
    """The recommended model can only be imported (its Download is off): the focus is on "Try a demo model"; Esc is
    Later and builds nothing."""
    resources = tmp_path / "resources"
    resources.mkdir()
    catalogue = json.loads((REPO / "resources" / "models.json").read_text())["models"]
    entry = next(m for m in catalogue if m.get("import_only"))
    entry["recommended"] = True
    (resources / "models.json").write_text(json.dumps({"format_version": 1, "models": [entry]}))
    monkeypatch.setenv("MOTIS_RESOURCES", str(resources))
    window, services = window_offering_a_model(qtbot, home)
    dialog = window.models.dialog
    assert dialog is not None and not dialog.download_button.isEnabled()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.demo_button, timeout=5_000)
    with qtbot.waitSignal(window.models.offer_shown, timeout=5_000, check_params_cb=lambda shown: not shown):
        qtbot.keyClick(dialog.demo_button, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected and dialog.runner is None  # no demo built
    window.close()
    services.close()
