"""Help ▸ Search syntax and Keyboard shortcuts (F1) show their whole text at the size they open with: the syntax
page was cut on the right ("mixes with text: cat.jpg + s"), the shortcuts' descriptions wrapped into a narrow
column (QA walk of 2026-12-07)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QDialog, QLabel

from motis_desktop.gui.main_window import MainWindow


def _text_label(dialog: QDialog, needle: str) -> QLabel:
    return next(label for label in dialog.findChildren(QLabel) if needle in label.text())


def _text_width(label: QLabel, width: float = -1) -> float:
    """The width the label's text takes laid out in ``width`` pixels (-1: one line per line, no wrapping)."""
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    doc.setHtml(label.text())
    doc.setTextWidth(width)
    return doc.idealWidth()


def _assert_whole_text_shown(qtbot, dialog: QDialog, needle: str) -> None:
    """No line runs past the label, the label is not cut by the dialog, and the label is as wide as the text
    on one line per line where the screen has room (else most of the screen: wrapped, never cramped)."""
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    label = _text_label(dialog, needle)
    inside = label.contentsRect().width()
    assert _text_width(label, inside) <= inside + 1, (_text_width(label, inside), inside)
    assert label.visibleRegion().boundingRect().width() >= label.width()
    screen = dialog.screen().availableGeometry().width()
    assert inside >= min(_text_width(label), 0.75 * screen), (inside, _text_width(label), screen)


def test_the_search_syntax_page_is_not_cut_on_the_right(qtbot, window: MainWindow) -> None:
    window.actions_by_name["syntax"].trigger()  # Help ▸ Search syntax
    dialog = next(d for d in window.findChildren(QDialog) if d.windowTitle() == "Search syntax")
    _assert_whole_text_shown(qtbot, dialog, "cat.jpg")
    dialog.close()


def test_the_keyboard_shortcuts_page_keeps_each_description_on_one_line(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = next(d for d in window.findChildren(QDialog) if d.windowTitle() == "Keyboard shortcuts")
    _assert_whole_text_shown(qtbot, dialog, "Ctrl+O")
    dialog.close()
