"""The keys that open a context menu from the keyboard (a laptop has no Menu key: Shift+F10), one rule for every
widget that has one: the grid, the viewer, Skipped…'s list."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent

MENU_KEYS = ("Shift+F10", "Menu")  # as Help ▸ Keyboard shortcuts names them


def is_menu_key(event: QEvent) -> bool:
    """``event`` asks for the focused widget's context menu from the keyboard: a press of Shift+F10 or the Menu key,
    or the context menu event a platform makes of the Menu key itself."""
    if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
        key, mods = event.key(), event.modifiers()
        return key == Qt.Key.Key_Menu or (key == Qt.Key.Key_F10 and mods == Qt.KeyboardModifier.ShiftModifier)
    return isinstance(event, QContextMenuEvent) and event.reason() == QContextMenuEvent.Reason.Keyboard
