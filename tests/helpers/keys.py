"""Typing into the window as a person does: real key events (and an input method's commit for scripts a
keyboard does not type directly), then Enter; waits on the window's public signals."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent, QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

# A context menu on the offscreen platform: its plugin warns that it cannot raise or grab the keyboard.
OFFSCREEN_MENU = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)", extend=True)


def type_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Type ``text`` into ``widget``: ASCII through ``qtbot.keyClicks``; a Latin letter such as ``ü`` as the key
    press a German or French keyboard sends; other scripts (CJK) as an input method's committed text."""
    run = ""
    for ch in text:
        if ch.isascii():
            run += ch
            continue
        if run:
            qtbot.keyClicks(widget, run)
            run = ""
        if ord(ch) < 0x100:  # on a Latin keyboard layout: one key with its text
            key = Qt.Key(ord(ch.upper())) if ch.upper() != ch.lower() else Qt.Key.Key_unknown
            QTest.sendKeyEvent(QTest.KeyAction.Click, widget, key, ch, Qt.KeyboardModifier.NoModifier)
        else:  # an input method composes it and commits the text
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)
    if run:
        qtbot.keyClicks(widget, run)


def enter_query(qtbot: Any, win: Any, text: str) -> None:
    """Focus the search box, replace its text by typing ``text``, press Enter."""
    win.search.setFocus()
    win.search.selectAll()
    if not text:
        qtbot.keyClick(win.search, Qt.Key.Key_Backspace)
    type_text(qtbot, win.search, text)
    qtbot.keyClick(win.search, Qt.Key.Key_Return)


def search_by_keys(qtbot: Any, win: Any, text: str, timeout: int = 30_000) -> None:
    """Type ``text`` and press Enter; return once its results are shown (``ResultsController.results_shown``)."""
    with qtbot.waitSignal(win.results.results_shown, timeout=timeout, check_params_cb=lambda label, _n: label == text):
        enter_query(qtbot, win, text)


def choose_from_context_menu(qtbot: Any, win: Any, path: str, entry: str) -> None:
    """Right-click the tile of ``path`` in the grid and choose ``entry`` from its menu, as a person does
    (mark the test with :data:`OFFSCREEN_MENU`)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMenu

    from motis_desktop.gui.library_model import Roles

    row = next(i for i in range(win.model.rowCount()) if win.model.index(i).data(Roles.PATH) == path)
    index = win.model.index(row)
    win.view.scrollTo(index)
    chosen: list[str] = []

    def choose() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu), "no context menu opened"
        action = next(a for a in menu.actions() if a.text().split("\t")[0].replace("&", "") == entry)
        chosen.append(action.text())
        menu.close()
        action.trigger()

    QTimer.singleShot(0, choose)
    # What the platform sends for a right-click (QTest's synthetic clicks do not make one offscreen).
    viewport = win.view.viewport()
    pos = win.view.visualRect(index).center()
    QApplication.sendEvent(viewport, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, viewport.mapToGlobal(pos)))
    qtbot.waitUntil(lambda: bool(chosen), timeout=5_000)
