"""QA walk 5, finding 14: F1's list mixed "Add folder" with "search (in the search box)" and had an empty band
above its table; Settings' Tab order was read as putting the folder list last. Real keys on the window."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel

from motis_desktop.gui.main_window import MainWindow


def _f1(qtbot, window: MainWindow) -> QDialog:
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.findChild(QDialog, "shortcutsDialog")
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    return dialog


def test_f1_says_every_key_in_sentence_case(qtbot, window: MainWindow) -> None:
    dialog = _f1(qtbot, window)
    what = re.findall(r"</b></td><td>(.*?)</td>", dialog.text())
    assert len(what) > 15
    assert [w for w in what if not w[:1].isupper()] == []
    dialog.close()


def test_f1_has_no_empty_band_above_its_table(qtbot, window: MainWindow) -> None:
    dialog = _f1(qtbot, window)
    label = next(label for label in dialog.findChildren(QLabel) if "Ctrl+O" in label.text())
    page = label.grab().toImage()
    first = next(
        y
        for y in range(page.height())
        if any(page.pixelColor(x, y).lightness() < 110 for x in range(0, page.width(), 2))
    )
    assert first <= 14, f"the first line of text starts {first} px below the top"  # the label's margin, the row's
    dialog.close()


def test_settings_tab_goes_from_the_folder_list_to_its_buttons_to_the_settings_to_ok(qtbot, window: MainWindow) -> None:
    """A guard: the order was right (the walk's list began after the folder list, which has the first focus)."""
    seen: list[str] = []
    done: list[bool] = []

    def walk() -> None:
        dialog = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        if not isinstance(dialog, QDialog) or focus is None or focus.window() is not dialog:
            QTimer.singleShot(20, walk)  # not shown and focused yet
            return
        for _ in range(14):  # until Cancel
            focus = QApplication.focusWidget()
            text = focus.text() if hasattr(focus, "text") and callable(focus.text) else ""
            seen.append(f"{type(focus).__name__}:{text}")
            if text == "Cancel":
                break
            qtbot.keyClick(focus, Qt.Key.Key_Tab)
        done.append(True)
        dialog.reject()

    QTimer.singleShot(0, walk)
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File ▸ Settings
    qtbot.waitUntil(lambda: bool(done), timeout=10_000)
    assert seen[:3] == ["QTreeWidget:", "QPushButton:Add folder…", "QPushButton:Remove from library"]
    assert seen[-2:] == ["QPushButton:OK", "QPushButton:Cancel"]
    fields = {s.split(":")[0] for s in seen[3:-2]}  # model, strategy, text, "Show more", thumbnail size
    assert len(seen[3:-2]) >= 4 and fields <= {"QComboBox", "QCheckBox", "QSpinBox"}, seen
