"""The model dialog's words for the catalogue's models: one line per choice, and the "Technical details" part
(notes, the published figure and its source, disk use, licence, files) with its toggle."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QToolButton

from motis_desktop.core.formatting import format_size
from motis_desktop.core.services import RegistryFile, RegistryModel


def technical_part(fit: Callable[[], None]) -> tuple[QLabel, QToolButton]:
    """The chosen model's technical notes (hidden) and the "Technical details" toggle that shows them."""
    label = QLabel()
    label.setObjectName("technicalDetails")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    button = QToolButton()
    button.setObjectName("technicalDetailsButton")
    button.setText("Technical details")
    button.setCheckable(True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setArrowType(Qt.ArrowType.RightArrow)

    def toggle(shown: bool) -> None:
        label.setVisible(shown)
        button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        fit()

    button.toggled.connect(toggle)
    return label, button


def technical(model: RegistryModel) -> str:
    """What the catalogue says for the curious: notes, the published figure and its source, disk use, the full
    licence and each file (its size once)."""
    source = f" (source: {model.quality_source})" if model.quality_source else ""
    files = "\n".join(file_line(model, f) for f in model.files)
    facts = (
        model.notes,
        f"Quality: {model.quality}{source}" if model.quality else "",
        f"Disk: {model.disk_note}" if model.disk_note else "",
        f"Licence: {model.license}" if model.license else "",
        f"Files:\n{files}" if files else "",
    )
    return "\n".join(x for x in facts if x)


def choice_label(model: RegistryModel) -> str:
    """One line per choice: name, size, and for the seed's file combinations whether the seed measured them."""
    size = "import only" if model.import_only else f"{model.size / 1e6:.0f} MB"
    label = f"{model.display_name} — {size}"
    if model.recommended:
        label += " (recommended)"
    combination = model.extra.get("combination")
    if combination is not None:
        label += " (tested together)" if combination["measured"] else " (your combination, not measured)"
    return label


def file_line(model: RegistryModel, f: RegistryFile) -> str:
    line = f"• {f.role}: {f.description or f.tower} ({format_size(f.size) if f.size else 'size unknown'})"
    if model.format == "torchscript-pair":
        line += f", R@10 {f.r_at_10 if f.r_at_10 is not None else 'not published'}"
    return line
