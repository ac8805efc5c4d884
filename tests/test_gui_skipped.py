"""QA walk 5 (finding 11): Skipped… said the same thing twice (a sentence, then "4 files in your folders could not
be read:" again above the list) and offered no way to act on a file. It says each group once, and each line can be
revealed in its folder and its path copied — buttons, Enter, the Photo menu's shortcuts, a context menu by
Shift+F10 or the Menu key — with the same owners as the Photo menu's. Real keys; Reveal's file manager is not
launched (``QDesktopServices.openUrl`` is replaced, as the Photo menu's tests do)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from helpers.keys import OFFSCREEN_MENU
from helpers.models import index_with_colour
from helpers.photos import make_colour_folder
from helpers.window import ready_window
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu, QPushButton

from motis_desktop.gui.main_window import MainWindow

if TYPE_CHECKING:
    from motis_desktop.gui.skipped_dialog import SkippedDialog

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    return tmp_path / "photos"


@pytest.fixture
def win(qtbot, home: Path, photos: Path, colour_pair) -> Iterator[MainWindow]:
    """A window over 2 photos of each colour, two files that cannot be read and a broken link (left out)."""
    made = make_colour_folder(photos, per_colour=2)
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "notes.jpg").write_text("not a photo\n")
    (photos / "gone.jpg").symlink_to(photos / "nowhere.jpg")
    index_with_colour(home, colour_pair, photos)
    yield from ready_window(qtbot, home, rows=len(made) + 2)


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The folders Reveal asked the system to show (no file manager is launched)."""
    shown: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: shown.append(url.toLocalFile()) or True)
    return shown


def _open_skipped(qtbot, win: MainWindow) -> SkippedDialog:
    qtbot.waitUntil(lambda: win.status.skipped_button.isVisible(), timeout=30_000)
    qtbot.mouseClick(win.status.skipped_button, Qt.MouseButton.LeftButton)
    dialog = win.status.skipped_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    # the list has the keys once the dialog is active (offscreen: a moment after it shows)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.list, timeout=5_000)
    return dialog


def test_skipped_says_each_group_once(qtbot, win: MainWindow) -> None:
    dialog = _open_skipped(qtbot, win)
    shown = dialog.summary.text() + "\n" + dialog.text()
    assert shown.count("could not be read") == 1, shown  # it was said in the sentence and again above the list
    assert shown.count("left out by the scan") == 1, shown
    assert (
        "2 files in your folders could not be read: the gallery shows them as a broken image" in dialog.summary.text()
    )
    listed = dialog.text().splitlines()
    assert listed[0] == "Could not be read" and "Left out by the scan" in listed  # the groups' titles in the list
    assert any("empty.jpg: " in line and line.endswith("empty file (0 bytes)") for line in listed), listed
    dialog.reject()


def test_skipped_lines_give_the_specific_reason_under_their_group_s_title(qtbot, win: MainWindow) -> None:
    """QA: every line began "not a photo this app can read: …" under a title and a sentence that say so. The reason
    alone is listed (the core's ``Skipped.specific``); its tooltip has the whole words, as `motis index` says them."""
    dialog = _open_skipped(qtbot, win)
    listed = dialog.text().splitlines()
    assert not any("not a photo this app can read" in line for line in listed), listed
    assert any(line.endswith("notes.jpg: not an image (content is text)") for line in listed), listed
    qtbot.keyClick(dialog.list, Qt.Key.Key_Down)  # the second unreadable file: notes.jpg (by path)
    item = dialog.list.currentItem()
    assert item.text(1) == "not an image (content is text)"
    assert item.toolTip(1) == "not a photo this app can read: not an image (content is text)"
    dialog.reject()


def test_skipped_reveals_and_copies_the_selected_line_from_the_keyboard(
    qtbot, win: MainWindow, photos: Path, opened: list[str]
) -> None:
    dialog = _open_skipped(qtbot, win)
    # the list has the keys (``_open_skipped``), its first file selected
    first = dialog.selected()
    assert first is not None and first.startswith(str(photos))
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)  # Enter: reveal it
    assert opened == [str(photos)]
    assert dialog.isVisible()  # Enter did not press Close

    QGuiApplication.clipboard().clear()
    qtbot.keyClick(dialog.list, Qt.Key.Key_C, CTRL_SHIFT)  # Copy path: the Photo menu's key
    assert QGuiApplication.clipboard().text() == first
    assert win.status_label.text() == f"Copied the path of {os.path.basename(first)}"  # the Photo menu's owner

    for _ in range(3):  # the second unreadable file, the group's title, the broken link
        qtbot.keyClick(dialog.list, Qt.Key.Key_Down)
    assert dialog.selected() == str(photos / "gone.jpg")
    qtbot.keyClick(dialog.list, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)  # Ctrl+C in a list copies too
    assert QGuiApplication.clipboard().text() == str(photos / "gone.jpg")
    assert win.status_label.text() == "Copied the path of gone.jpg"  # by Copy path, not the list's own Ctrl+C
    qtbot.keyClick(dialog.list, Qt.Key.Key_Up)  # a group's title: nothing to act on
    assert dialog.selected() is None and not dialog.reveal.isEnabled()
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert opened == [str(photos)]
    qtbot.keyClick(dialog.list, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


@OFFSCREEN_MENU
@pytest.mark.parametrize("key", ["Shift+F10", "Menu"])
def test_skipped_lines_have_a_context_menu_by_keyboard(
    qtbot, win: MainWindow, photos: Path, opened: list[str], key: str
) -> None:
    dialog = _open_skipped(qtbot, win)
    seen: list[list[str]] = []

    def choose() -> None:
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu):
            seen.append([a.text().replace("&", "") for a in menu.actions() if isinstance(a, QAction)])
            QTest.keyClick(menu, Qt.Key.Key_R)  # "&Reveal in folder"

    QTimer.singleShot(0, choose)
    focused = QApplication.focusWidget()
    assert focused is dialog.list
    if key == "Menu":
        QTest.keyClick(focused, Qt.Key.Key_Menu)
    else:
        QTest.keyClick(focused, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    assert seen[0] == ["Reveal in folder", "Copy path"]
    assert opened == [str(photos)]
    dialog.reject()


def test_skipped_buttons_act_on_the_selected_line(qtbot, win: MainWindow, photos: Path, opened: list[str]) -> None:
    dialog = _open_skipped(qtbot, win)
    buttons = {b.text().replace("&", ""): b for b in dialog.findChildren(QPushButton)}
    assert {"Reveal in folder", "Copy path", "Close"} <= set(buttons)
    QGuiApplication.clipboard().clear()
    qtbot.mouseClick(buttons["Copy path"], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == dialog.selected()
    qtbot.mouseClick(buttons["Reveal in folder"], Qt.MouseButton.LeftButton)
    assert opened == [str(photos)]
    qtbot.mouseClick(buttons["Close"], Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
