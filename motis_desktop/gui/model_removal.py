"""Removing an installed model from the window (File ▸ Install model… ▸ Remove…): the same owner as `motis models
remove` (``Services.remove_model``), after a confirmation in plain words.

As the command line, the model in use may be removed once confirmed: the first model left takes over, or none is
left and search needs a model until one is installed. The photos' vectors of the model stay in the library (the
core keeps them: they count again if the same model is installed again); its files go, never a photo. The count
of its photos is read on the library lane, the removal runs on the install lane (a folder of 100s of MB).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from motis_desktop.core.formatting import count, format_size
from motis_desktop.core.services import ModelInfo, ModelRemoved, Services
from motis_desktop.gui.tasks import Lane, TaskRunner

# Asks for the number of photos a model (by id) has vectors for, answering on the GUI thread (None: not known).
CountPhotos = Callable[[str, Callable[[int | None], None]], None]


def confirmation(info: ModelInfo, photos: int | None, others: list[str], active: bool) -> str:
    """What removing ``info`` loses and keeps, and with ``active`` what answers searches after it (``others``: the
    models left, the first takes over, as ``ModelService.remove`` decides)."""
    size = f" ({format_size(info.size_bytes)})" if info.size_bytes else ""
    lines = [f"Its files{size} are deleted from MoTIS's models folder. Your photos are not touched."]
    made = f"for {count(photos, 'photo')}" if photos else "for your photos"
    if photos != 0:
        lines.append(
            f"The search data it made {made} stays in the library, unused; it is used again if you install the "
            "same model later."
        )
    if active and others:
        lines.append(
            f"It is the model your searches use now: {others[0]} takes over (photos it has not read yet are read "
            "in the background)."
        )
    elif active:
        lines.append(
            "It is the model your searches use now, and the only one: search needs a model until you install one."
        )
    return "\n\n".join(lines)


class ModelRemoval(QObject):
    """Asks, then removes a model on the install lane.

    Signals:
        busy: Emitted with True while a removal is asked about or runs, False after.
        removed: Emitted with the core's ``ModelRemoved`` once the model is gone.
    """

    busy = Signal(bool)
    removed = Signal(object)

    def __init__(
        self, services: Services, install: Services, runner: TaskRunner, photos: CountPhotos | None, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.services = services  # the models folder and settings, read on the GUI thread
        self.install = install  # the install lane's: it removes
        self.runner, self.photos, self.parent_widget = runner, photos, parent
        self.box: QMessageBox | None = None  # the confirmation while it is open

    def ask(self, name: str) -> None:
        """Count the model's photos (when the window can), then ask; a removed model is removed by Remove only."""
        info = next((m for m in self.services.installed_models() if m.name == name), None)  # models folder only
        if info is None:
            return
        self.busy.emit(True)
        if self.photos is None:
            self._confirm(info, None)
        else:
            self.photos(info.model_id, lambda photos: self._confirm(info, photos))

    def _confirm(self, info: ModelInfo, photos: int | None) -> None:
        active = getattr(self.services.active_model(), "name", None) == info.name
        others = [m.name for m in self.services.installed_models() if m.name != info.name]
        box = self.box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Remove model")
        box.setText(f"Remove the model “{info.name}”?")
        box.setInformativeText(confirmation(info, photos, others, active))
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(keep)  # Enter keeps the model
        box.setEscapeButton(keep)

        def answered() -> None:
            self.box = None
            if box.clickedButton() is remove:
                self._remove(info.name)
            else:
                self.busy.emit(False)

        box.finished.connect(answered)
        box.open()

    def _remove(self, name: str) -> None:
        self.runner.call(Lane.INSTALL, lambda: self.install.remove_model(name), self._done, self._failed)

    def _done(self, removed: ModelRemoved) -> None:
        self.busy.emit(False)
        self.removed.emit(removed)

    def _failed(self, message: str) -> None:
        self.busy.emit(False)
        QMessageBox.warning(self.parent_widget, "Remove model", message[:1].upper() + message[1:])
