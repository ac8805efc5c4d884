"""The window's home (``--home``, ``$MOTIS_HOME``, else the platform data folder), opened as ``motis`` opens it.

A named home that does not exist is most often a typo: the window asks before making a new, empty library there
(it made one without a word: QA). A named folder that holds other files and no library (``--home ~``) is refused
with the core's one line, nothing written into it. The platform's default folder is made on a first start without
a question: it cannot be mistyped.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from motis_desktop.core.errors import MotisError
from motis_desktop.core.paths import NoLibrary
from motis_desktop.core.services import Services

TITLE = "MoTIS Desktop"
MAKE = "&Make a new library there"
QUIT = "&Quit"


def open_home(home: str | None, parent: QWidget | None = None) -> Services | None:
    """The window's :class:`Services`, or None when it cannot start: the person chose to quit, or the home cannot
    be used (said in a message first)."""
    try:
        return Services.open(home, create=False)  # paths and settings only: the library opens on the backend thread
    except NoLibrary as missing:
        if not make_new_library(missing.home, parent):
            return None
        try:
            return Services.open(home)
        except MotisError as exc:
            QMessageBox.critical(parent, TITLE, str(exc))
            return None
    except MotisError as exc:  # not a folder, a folder of other files, an empty --home
        QMessageBox.critical(parent, TITLE, str(exc))
        return None


def make_new_library(home: Path, parent: QWidget | None = None) -> bool:
    """Ask whether to make a new, empty library at ``home``, which does not exist (Quit is the default: a typo is
    the likelier reason)."""
    box = QMessageBox(QMessageBox.Icon.Question, TITLE, f"There is no MoTIS library at {home}.", parent=parent)
    box.setInformativeText(
        "Make a new, empty library there, or quit and check the folder given with --home or MOTIS_HOME."
    )
    make = box.addButton(MAKE, QMessageBox.ButtonRole.AcceptRole)
    quit_button = box.addButton(QUIT, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(quit_button)
    box.setEscapeButton(quit_button)
    box.exec()
    return box.clickedButton() is make
