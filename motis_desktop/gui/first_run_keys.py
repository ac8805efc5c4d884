"""The first-run model offer's keys: the focus starts on the recommended action, Enter and Esc say Later.

It opened with the focus on its scroll area (no focus ring; a screen reader started on an unlabelled pane), so a
keyboard user needed a Tab before any button was focused (QA walk 7 #9). Enter stays the safe answer it was
(Later: nothing is downloaded by a stray Enter); Space presses the focused button, as everywhere in Qt.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QPushButton


def first_run_keys(later: QPushButton, download: QPushButton, demo: QPushButton, first_run: bool) -> None:
    """On the first-run offer (``first_run``: no model in use; else nothing changes), make ``later`` the default
    (Enter), and focus ``download`` (the recommended model), or ``demo`` when there is nothing to download, or else
    ``later``. Call once the buttons are in the dialog (a default button is the dialog's), before it shows."""
    if not first_run:
        return  # File ▸ Install model… with a model in use: that variant's keys are its own
    later.setDefault(True)  # was default only as the first button in the focus chain: now said, and kept
    download.setAutoDefault(False)  # focused, an auto-default button would take Enter over from Later
    demo.setAutoDefault(False)  # the same when it is the one focused
    target = download if download.isEnabled() else demo if not demo.isHidden() and demo.isEnabled() else later
    target.setFocus(Qt.FocusReason.OtherFocusReason)  # the dialog's focus widget: it gets the focus when shown
    target.installEventFilter(_RingOnOpen(target))


class _RingOnOpen(QObject):
    """Qt draws the focus ring only once a key has moved the focus, and clears that mark as the window opens and as
    it becomes active: mark it again as the button gets the focus then, so its ring shows as after a Tab."""

    def __init__(self, button: QPushButton) -> None:
        super().__init__(button)
        self.button = button

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if isinstance(event, QFocusEvent) and event.type() == QEvent.Type.FocusIn:
            self.button.window().setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange)
            if event.reason() == Qt.FocusReason.ActiveWindowFocusReason:  # the window is open and active: done
                obj.removeEventFilter(self)
        return False
