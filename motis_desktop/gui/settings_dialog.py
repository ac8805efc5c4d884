"""Settings (Ctrl+,): library folders, active model, index strategy, reading text in photos, top-K, thumbnail
size (the gallery's zoom level), and forgetting the photos removed from the folders (``gone_line``)."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from motis_desktop.core.services import AUTO_EXACT_MAX, STRATEGY_CHOICES
from motis_desktop.gui.dialogs import within_screen
from motis_desktop.gui.folders_panel import FoldersPanel, Submit
from motis_desktop.gui.gone_line import GoneLine
from motis_desktop.gui.timeline_groups import ZOOM_HEIGHTS, ZOOM_NAMES, zoom_level


class SettingsDialog(QDialog):
    """Edits a copy of the settings; the caller applies ``values()`` when accepted."""

    def __init__(
        self,
        folders: list[str],
        models: list[str],
        active_model: str | None,
        strategy: str,
        top_k: int,
        row_height: int,
        parent: QWidget | None = None,
        submit: Submit | None = None,
        read_text: bool = True,
        read_text_forced: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.resize(within_screen(self, QSize(720, 480)))  # a small screen, a scale factor of 2: all of it on it
        self.folders = FoldersPanel(folders, submit)  # counts, failures and online state per folder

        self.model = QComboBox()
        self.model.addItems(models)
        if active_model in models:
            self.model.setCurrentText(active_model)
        self.model.setEnabled(bool(models))
        self.strategy = QComboBox()
        self.strategy.addItems(list(STRATEGY_CHOICES))
        self.strategy.setCurrentText(strategy)
        self.strategy.setToolTip(f"auto: exact search for small libraries, k-means above {AUTO_EXACT_MAX:,} photos")
        self.read_text = _read_text_box(read_text, read_text_forced)
        self.top_k = QSpinBox()
        self.top_k.setRange(1, 1000)
        self.top_k.setValue(top_k)
        self.thumb = QComboBox()  # the zoom levels of View ▸ Zoom in / out
        self.thumb.setObjectName("thumbnailSize")
        self.thumb.addItems(list(ZOOM_NAMES))
        self.thumb.setCurrentIndex(zoom_level(row_height))
        self.thumb.setToolTip(
            "How large the gallery's photos are; View ▸ Zoom in / Zoom out (Ctrl+= / Ctrl+-) change it too.\n"
            "Large and Largest show a header per day."
        )
        self.gone = GoneLine()  # its count and "Forget them now" are the caller's (SettingsController)

        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Index strategy", self.strategy)
        form.addRow("Words in photos", self.read_text)
        form.addRow("“Show more” adds", self.top_k)  # the relevance cut-off decides what a search shows first
        form.addRow("Thumbnail size", self.thumb)
        form.addRow("Removed photos", self.gone)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.folders)
        layout.addLayout(form)
        layout.addWidget(box)

    def values(self) -> dict[str, object]:
        values: dict[str, object] = {
            "folders": self.folders.paths(),
            "model": self.model.currentText() or None,
            "strategy": self.strategy.currentText(),
            "top_k": self.top_k.value(),
            "row_height": ZOOM_HEIGHTS[self.thumb.currentIndex()],
        }
        if self.read_text.isEnabled():  # greyed out: the environment decides, the setting stays as it is
            values["read_text"] = self.read_text.isChecked()
        return values


def _read_text_box(on: bool, forced: bool) -> QCheckBox:
    """The 'Read text in photos' box; greyed out when the environment decides (``MOTIS_READ_TEXT``)."""
    box = QCheckBox("Read text in photos")
    box.setObjectName("readText")
    box.setChecked(on)
    box.setToolTip(
        "While indexing, read the words in photos (signs, receipts, screenshots) so a search finds them.\n"
        "Off: indexing is quicker; text already read stays searchable."
    )
    if forced:
        box.setEnabled(False)
        box.setToolTip("The environment variable MOTIS_READ_TEXT is set: it decides, not this setting.")
    return box
