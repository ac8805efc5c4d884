"""Small dialogs shared by the window and the settings."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, QUrl
from PySide6.QtWidgets import QFileDialog, QWidget

from motis_desktop.gui.local_files import local_path


def photos_folder() -> str:
    """Where a folder dialog starts: the user's Pictures folder if it exists, else the home folder."""
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and Path(pictures).is_dir() else str(Path.home())


def choose_folder(parent: QWidget | None) -> str:
    """Ask for a folder of photos, starting in Pictures or home; "" when cancelled."""
    url = QFileDialog.getExistingDirectoryUrl(parent, "Add a folder of photos", QUrl.fromLocalFile(photos_folder()))
    return local_path(url) or ""  # its own bytes: a name that is not UTF-8 stays that folder
