"""Quitting takes the window off the screen first, then stops its background work behind it.

QA walk 8 #5: Ctrl+Q while a newly imported model was being prepared ("preparing colour3: encoding your photos with
it") kept the window on screen, frozen, for ~6.5 s: ``MainWindow.closeEvent`` waits on the GUI thread for each lane
to stop, and the take-over's run was in a step that does not look at the cancel flag — measuring the new model's
inference modes, its first use on this machine (``core/models/precision.measure_and_choose``: probe photos, one ONNX
session per mode, timed rounds). A desktop greys such a window out as "not responding". The shutdown still waits (no
committed batch may be lost, and the library and decoder processes are closed properly; the next start resumes
"preparing …"), but behind a hidden window: Qt's hide reaches the display server at once (xcb flushes the unmap).
The measuring now looks at the run's cancel between its modes and timed rounds, so that wait is short as well.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget


def leave_the_screen(window: QWidget) -> None:
    """Hide ``window`` and the top-level windows it owns (the model dialog, Settings, Skipped…) now, before the
    quit waits for background work; each is closed properly afterwards by its owner's shutdown."""
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible() and _owned_by(widget, window):
            widget.hide()
    window.hide()


def _owned_by(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if parent is window:
            return True
        parent = parent.parentWidget()
    return False
