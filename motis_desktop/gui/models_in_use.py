"""The model dialog's first lines once a model is in use (File ▸ Install model… after the first run): which model
answers searches (the demo says it knows colour words only), and the installed models in a list, the active one
marked, with Remove… for the one selected (``gui/model_removal.py`` asks and removes).

With no model installed the dialog is the first-run offer and these lines are hidden (QA walk 6, finding 9: the
dialog said "MoTIS Desktop needs a model" with the demo in use, nothing named the installed models, and only
`motis models remove` could remove one).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from motis_desktop.core.formatting import format_size
from motis_desktop.core.models.demo import is_demo
from motis_desktop.core.models.manifest import ModelInfo

DEMO_NOTE = "the demo model, colour words only"
ADD_ANOTHER = (
    "To add another model, download one below or import model files you have (More about models). "
    "Switch between installed models in Settings."
)
REMOVE = "&Remove…"  # Alt+R
CHOOSE_FIRST = "Select a model in the list to remove it"
SWITCHING = "MoTIS is switching to this model now: remove it once the switch is over (or cancel the switch first)"
VISIBLE_ROWS = 5  # the list grows to this many rows, then scrolls


def in_use_text(models: Sequence[ModelInfo], active: str | None) -> str:
    """ "In use: NAME" (with the demo's note); "" when none is in use."""
    if active is None:
        return ""
    note = f" — {DEMO_NOTE}" if any(m.name == active and is_demo(m) for m in models) else ""
    return f"In use: <b>{escape(active)}</b>{note}"


def model_line(model: ModelInfo, active: str | None) -> str:
    """One installed model as the list shows it: "NAME (in use, demo: colour words only, 1.2 MB)"."""
    marks = ["in use"] if model.name == active else []
    marks += ["demo: colour words only"] if is_demo(model) else []
    marks += [format_size(model.size_bytes)] if model.size_bytes else []
    return model.name + (f" ({', '.join(marks)})" if marks else "")


class InstalledModels(QWidget):
    """The "In use" line, the installed models (the one in use first) and Remove… for the selected one.

    Signals:
        remove_requested: Emitted with the selected model's name when Remove… is pressed.
    """

    remove_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setObjectName("modelsInUse")
        self.label.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("installedModels")
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.remove_button = QPushButton(REMOVE)
        self.remove_button.setObjectName("removeModel")
        self.remove_button.setAutoDefault(False)  # Enter never removes: a click, Alt+R, or Space on it
        self.remove_button.clicked.connect(self._remove)
        self.busy = False  # an install or a removal runs: nothing is removed meanwhile
        self.switching: str | None = None  # the model a switch in progress encodes the library for
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(QLabel("Installed models:"))
        layout.addLayout(row)

    def show_models(self, models: Sequence[ModelInfo], active: str | None, switching: str | None = None) -> None:
        """List ``models`` (``active`` first and marked); hidden when none is in use (the first-run offer)."""
        self.label.setText(in_use_text(models, active))
        self.switching = switching
        self.list.clear()
        for model in sorted(models, key=lambda m: (m.name != active, m.name)):
            item = QListWidgetItem(model_line(model, active))
            item.setData(Qt.ItemDataRole.UserRole, model.name)
            self.list.addItem(item)
        rows = max(1, min(self.list.count(), VISIBLE_ROWS))
        self.list.setFixedHeight(rows * max(self.list.sizeHintForRow(0), 1) + 2 * self.list.frameWidth() + 2)
        self.setVisible(active is not None)
        # the model in use current (and selected): Remove… is a Tab stop after the list at once; it was disabled
        # until a row was picked, so a keyboard user had to go down the list first (QA walk 8 #10)
        self.list.setCurrentRow(0 if active is not None else -1)
        self._selection_changed()

    def selected(self) -> str | None:
        items = self.list.selectedItems()
        return str(items[0].data(Qt.ItemDataRole.UserRole)) if items else None

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._selection_changed()

    def _selection_changed(self) -> None:
        name = self.selected()
        why = CHOOSE_FIRST if name is None else SWITCHING if name == self.switching else ""
        self.remove_button.setEnabled(not why and not self.busy)
        self.remove_button.setToolTip(why or f"Remove the model {name} from this computer")

    def _remove(self) -> None:
        name = self.selected()
        if name is not None:
            self.remove_requested.emit(name)
