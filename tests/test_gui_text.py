"""Words in photos in the window: the viewer outlines the matched words and names them; Copy text copies a
photo's text (pytest-qt, offscreen, the real OCR models)."""

from __future__ import annotations

from pathlib import Path

from helpers.text_photos import plain_photo, save, text_photo
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QDockWidget

from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.text_overlay import EDGE


def _edge_pixels(viewer) -> int:
    image = viewer.grab().toImage()
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = image.pixelColor(x, y)
            if abs(c.red() - EDGE.red()) < 30 and abs(c.green() - EDGE.green()) < 40 and c.blue() < 80:
                count += 1
    return count


def test_viewer_outlines_matched_words_and_copy_text(qtbot, window: MainWindow, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("MOTIS_READ_TEXT", "1")
    folder = tmp_path / "p"
    save(text_photo(["RECHNUNG", "MÜLLER GmbH"], background=(30, 40, 220), ink=(250, 250, 250)), folder / "r.jpg")
    for i in range(3):
        save(plain_photo((30, 40, 220), seed=i), folder / f"b{i}.jpg")
    window.add_folders([str(folder)])
    qtbot.waitUntil(lambda: "up to date" in window.status_label.text(), timeout=120_000)

    window.search.setFocus()
    window.search.setText("müller")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.model.rowCount() >= 1 and window.model.rows()[0].path.endswith("r.jpg"), timeout=30_000
    )
    view, viewer = window.view, window.grid_viewer.viewer
    view.setCurrentIndex(window.model.index(0))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: viewer.shown_path.endswith("r.jpg"), timeout=10_000)
    assert "MULLER" in viewer.info_text().upper()
    qtbot.waitUntil(lambda: _edge_pixels(viewer) > 20, timeout=5_000)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)

    panel = window.findChild(QDockWidget, "detailsPanel")  # the details panel lists the matched words too
    with qtbot.waitSignal(panel.shown, timeout=30_000):
        qtbot.keyClick(view, Qt.Key.Key_I)
    assert "MULLER" in panel.text().upper()
    qtbot.keyClick(view, Qt.Key.Key_I)

    QGuiApplication.clipboard().clear()
    window.results.copy_text(str(folder / "r.jpg"))
    qtbot.waitUntil(lambda: "MULLER" in QGuiApplication.clipboard().text().upper(), timeout=30_000)
    assert "RECHNUNG" in QGuiApplication.clipboard().text().upper()
    assert "Copied the text of r.jpg" in window.status_label.text()


def _press_read_text_and_ok(qtbot, window: MainWindow, seen: list[bool]) -> None:
    dialog = next((w for w in window.findChildren(SettingsDialog) if w.isVisible()), None)
    if dialog is None:  # the key press has not opened it yet
        QTimer.singleShot(10, lambda: _press_read_text_and_ok(qtbot, window, seen))
        return
    box = dialog.findChild(QCheckBox, "readText")
    seen.append(box.isChecked())
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)


def test_settings_checkbox_turns_reading_text_off_and_on(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.delenv("MOTIS_READ_TEXT", raising=False)  # the setting decides, as for a user
    assert window.services.text_reading()  # on by default
    seen: list[bool] = []
    for expected in (False, True):
        window.activateWindow()  # the offscreen platform does not give it back when the dialog closes
        qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
        QTimer.singleShot(0, lambda: _press_read_text_and_ok(qtbot, window, seen))
        with qtbot.waitSignal(window.preferences.applied, timeout=10_000):
            qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File ▸ Settings…
        assert window.services.text_reading() is expected
    assert seen == [True, False]  # the dialog showed the setting as it was each time


def test_settings_checkbox_is_greyed_out_when_the_environment_decides(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setenv("MOTIS_READ_TEXT", "0")  # as tests/conftest.py sets it: the environment decides
    seen: list[tuple[bool, bool, str]] = []

    def press_and_ok() -> None:
        dialog = next((w for w in window.findChildren(SettingsDialog) if w.isVisible()), None)
        if dialog is None:  # the key press has not opened it yet
            QTimer.singleShot(10, press_and_ok)
            return
        box = dialog.findChild(QCheckBox, "readText")
        seen.append((box.isEnabled(), box.isChecked(), box.toolTip()))
        qtbot.keyClick(box, Qt.Key.Key_Space)  # a disabled box does not take it
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTimer.singleShot(0, press_and_ok)
    with qtbot.waitSignal(window.preferences.applied, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File ▸ Settings…
    [(enabled, checked, tip)] = seen
    assert not enabled and not checked and "MOTIS_READ_TEXT" in tip
    monkeypatch.delenv("MOTIS_READ_TEXT")
    assert window.services.text_reading()  # the setting itself is untouched (on by default)
