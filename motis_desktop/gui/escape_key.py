"""Esc in the main window (View ▸ Back to the gallery): what it stops besides going back.

A dialog closes on Esc (Settings is modal), the viewer goes back to the grid on it: the window's action never sees
those. Each Esc undoes the nearest thing: over results it goes back to the gallery; in a text field (the search box)
it clears the text and leaves the box for the grid — nothing more, the field wanted it; over the gallery, the focus
elsewhere, it also does what the status bar's Cancel does **when that Cancel stops a folder's move** (Settings ▸
Locate…: its check of the moved folder, or its wait for another process's run; ``FolderMoveRun.escape``) — long work
the person started and is watching, like a progress dialog's Esc. (The window's Esc action reaches the search box's
Esc too: a line edit does not keep Esc from a shortcut.)

Esc does not stop indexing: a run is started by the window itself (start-up, the watcher, a model switch), a person
presses Esc to leave results or clear the box without thinking of it, and a stray Esc would stop a first indexing of
hours (or a switch, or the demo's take-over, whose Cancel means more: ``takeover_pause.py``). The Cancel button is
one click away and says what it stops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QLineEdit, QPlainTextEdit, QTextEdit

if TYPE_CHECKING:
    from motis_desktop.gui.folder_move_run import FolderMoveRun
    from motis_desktop.gui.search_actions import ResultsController


def press(results: ResultsController, moves: FolderMoveRun | None) -> None:
    """Esc over the window: back to the gallery from results; over the gallery (not in a text field), the move's
    Cancel too."""
    over_gallery = results.results_for is None and not typing()
    results.escape()
    if over_gallery and moves is not None:
        moves.escape()


def typing() -> bool:
    """Whether the keyboard focus is in a field that takes text (there, Esc is the field's)."""
    focus = QApplication.focusWidget()
    if isinstance(focus, QTextEdit | QPlainTextEdit):
        return not focus.isReadOnly()
    return isinstance(focus, QLineEdit | QAbstractSpinBox)
