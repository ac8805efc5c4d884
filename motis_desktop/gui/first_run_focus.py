"""The first-run model offer's focus: it starts on the recommended action, with its focus ring showing.

It opened with the focus on its scroll area (no focus ring; a screen reader started on an unlabelled pane), so a
keyboard user needed a Tab before any button was focused (QA walk 7 #9). Enter presses the focused button, the
dialog's default on the first-run offer (Download: what the offer is for; ``ModelDialog._take_models``), and Esc
is Later.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QPushButton, QWidget


def first_run_focus(download: QPushButton, demo: QPushButton, later: QPushButton) -> None:
    """Focus ``download`` (the recommended model), or ``demo`` when there is nothing to download, or else ``later``.
    Call once the buttons are in the dialog, before it shows."""
    focus_on_open(download if download.isEnabled() else demo if not demo.isHidden() and demo.isEnabled() else later)


def focus_on_open(target: QWidget) -> None:
    """Give ``target`` the focus as its dialog opens, with its focus ring (also the in-use dialog's model list,
    ``gui/models_in_use.py``: it opened on its scroll area too, QA walk 8 #10)."""
    target.setFocus(Qt.FocusReason.OtherFocusReason)  # the dialog's focus widget: it gets the focus when shown
    target.installEventFilter(_RingOnOpen(target))


class _RingOnOpen(QObject):
    """Qt draws the focus ring only once a key has moved the focus, and clears that mark as the window opens and as
    it becomes active: mark it again as the button gets the focus then, so its ring shows as after a Tab."""

    def __init__(self, button: QWidget) -> None:
        super().__init__(button)
        self.button = button

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if isinstance(event, QFocusEvent) and event.type() == QEvent.Type.FocusIn:
            self.button.window().setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange)
            if event.reason() == Qt.FocusReason.ActiveWindowFocusReason:  # the window is open and active: done
                obj.removeEventFilter(self)
        return False
