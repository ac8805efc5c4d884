"""The settings dialog's effect on the window (a mixin of MainWindow): view settings at once, the
library's (folders, strategy, model) on the backend thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QWidget

from motis_desktop.core.services import Services
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.workers import Backend, SettingsOutcome, apply_settings


class SettingsActions:
    """Opens Settings and applies what it returns; part of :class:`MainWindow`."""

    services: Services
    settings: QSettings
    backend: Backend
    _folders: list[str]
    _results_for: str | None

    if TYPE_CHECKING:  # provided by MainWindow and its other parts

        @property
        def top_k(self) -> int: ...
        @property
        def thumb_size(self) -> int: ...
        @property
        def gallery_cell(self) -> int: ...
        def _set_cell(self, cell: int) -> None: ...
        def reload_gallery(self) -> None: ...
        def start_indexing(self) -> None: ...
        def _load_model(self) -> None: ...

    def open_settings(self) -> None:
        active = self.services.active_model()
        dialog = SettingsDialog(
            self._folders,
            [m.name for m in self.services.installed_models()],
            active.name if active else None,
            self.services.index_strategy(),
            self.top_k,
            self.thumb_size,
            self if isinstance(self, QWidget) else None,
            submit=self.backend.submit,
        )
        accepted = dialog.exec()
        values = dialog.values()
        dialog.deleteLater()
        if accepted:
            self.apply_settings(values)

    def apply_settings(self, values: dict[str, Any]) -> None:
        self.settings.setValue("top_k", values["top_k"])
        self.settings.setValue("thumb_size", values["thumb_size"])
        self.settings.sync()
        active = self.services.active_model()
        switch = bool(values["model"]) and (active is None or values["model"] != active.name)
        if not self._results_for:
            self._set_cell(self.gallery_cell)

        def applied(outcome: SettingsOutcome) -> None:
            self.reload_gallery()
            if switch:
                self._load_model()
            elif outcome.added:
                self.start_indexing()

        self.backend.submit(
            lambda s: apply_settings(s, values), applied, lambda msg: QMessageBox.warning(None, "Settings", msg)
        )
