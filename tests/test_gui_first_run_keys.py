"""The first-run model offer's keys (QA walk 7 #9): the focus starts on Download, the recommended action, while
Enter and Esc still say Later (pytest-qt, offscreen; real keys)."""

from __future__ import annotations

from pathlib import Path

from helpers.window import window_offering_a_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

SHOTS = Path("/tmp/qa7-gui")


def test_the_first_run_offer_focuses_download_and_enter_and_esc_say_later(qtbot, home: Path) -> None:
    """QA: the offer opened with the focus on its text's scroll area (no button focused: one Tab first; a screen
    reader started on an unlabelled pane). The focus is on Download; Enter (the safe default) and Esc are Later
    and download nothing."""
    window, services = window_offering_a_model(qtbot, home)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Escape):
        dialog = window.models.dialog
        assert dialog is not None
        qtbot.waitUntil(lambda d=dialog: QApplication.focusWidget() is d.download_button, timeout=5_000)
        assert dialog.download_button.text().startswith("Download (")
        if key == Qt.Key.Key_Return:
            SHOTS.mkdir(exist_ok=True)
            dialog.grab().save(str(SHOTS / "first_run_focus.png"))
        downloads: list[bool] = []
        dialog.download_button.clicked.connect(downloads.append)
        with qtbot.waitSignal(window.models.offer_shown, timeout=5_000, check_params_cb=lambda shown: not shown):
            qtbot.keyClick(QApplication.focusWidget(), key)
        assert dialog.result() == QDialog.DialogCode.Rejected and not downloads  # Later: nothing downloaded
        if key == Qt.Key.Key_Return:
            with qtbot.waitSignal(window.models.offer_shown, timeout=5_000):
                window.models.open_dialog()  # File ▸ Install model…: the same offer again, for Esc
    window.close()
    services.close()
