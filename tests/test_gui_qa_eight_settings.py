"""QA walk 8 #7, Settings ▸ folders: an online row kept a stray "…" in the Locate… column, Locate… was the last Tab
stop (after OK and Cancel), and a refused Locate… showed the command line's lower-case sentence in a box without
a heading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from motis_desktop.core.services import FolderReport
from motis_desktop.gui.folders_panel import LOCATE, FoldersPanel
from motis_desktop.gui.settings_dialog import SettingsDialog

ONLINE, OFFLINE = "/photos/Home", "/photos/Card"


def _dialog(qtbot) -> tuple[SettingsDialog, list[Callable[[Any], None]]]:  # type: ignore[no-untyped-def]
    """Settings over two folders whose reports wait for the test (the answers are the returned callbacks)."""
    waiting: list[Callable[[Any], None]] = []
    dialog = SettingsDialog(
        [ONLINE, OFFLINE], ["m"], "m", "auto", 50, 160, submit=lambda _fn, done: waiting.append(done)
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog, waiting


def test_the_locate_column_is_empty_but_for_locate_which_follows_the_list_in_the_tab_order(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog, waiting = _dialog(qtbot)
    panel = dialog.folders
    items = [panel.tree.topLevelItem(i) for i in range(2)]
    assert [item.text(1) for item in items] == ["…", "…"]  # counts on their way
    assert [item.text(LOCATE) for item in items] == ["", ""]
    reports = [FolderReport(ONLINE, 5, 0, 0, True), FolderReport(OFFLINE, 12, 0, 0, False)]
    for done in waiting:
        done(reports)
    assert [item.text(LOCATE) for item in items] == ["", ""]  # the online row: no stray "…" under Locate…
    locate = panel.tree.itemWidget(items[1], LOCATE)
    assert locate is not None and locate.text() == "Locate…"
    panel.tree.setFocus()
    qtbot.waitUntil(panel.tree.hasFocus, timeout=5_000)
    qtbot.keyClick(panel.tree, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is locate  # right after its list, not after OK and Cancel


def test_a_refused_locate_has_a_heading_and_a_sentence(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog, _waiting = _dialog(qtbot)
    shown: list[tuple[str, str, str]] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        shown.append((box.windowTitle(), box.text(), box.informativeText()))
        qtbot.keyClick(box, Qt.Key.Key_Return)

    QTimer.singleShot(0, read_and_close)
    reason = (
        f"none of the 12 photos of {OFFLINE} is in /photos/Empty at the same place below it: nothing was changed "
        "(choose the folder that took its place)"
    )
    FoldersPanel.show_refused(dialog, OFFLINE, reason)
    assert shown == [("Locate folder", "“Card” was not moved", f"N{reason[1:]}.")]
