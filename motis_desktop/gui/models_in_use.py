"""The model dialog's first lines once a model is in use (File ▸ Install model… after the first run): which model
answers searches (the demo says it knows colour words only) and the installed models, the active one marked.

With no model installed the dialog is the first-run offer and these lines are hidden (QA walk 6, finding 9: the
dialog said "MoTIS Desktop needs a model" with the demo in use, and nothing named the installed models).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtWidgets import QLabel

from motis_desktop.core.formatting import format_size
from motis_desktop.core.models.demo import is_demo
from motis_desktop.core.models.manifest import ModelInfo

DEMO_NOTE = "the demo model, colour words only"
ADD_ANOTHER = (
    "To add another model, download one below or import model files you have (More about models). "
    "Switch between installed models in Settings."
)


def in_use_text(models: Sequence[ModelInfo], active: str | None) -> str:
    """ "In use: NAME" (with the demo's note), then one line per installed model; "" when none is in use."""
    if active is None:
        return ""
    demo = {m.name for m in models if is_demo(m)}
    note = f" — {DEMO_NOTE}" if active in demo else ""
    lines = [f"In use: <b>{escape(active)}</b>{note}", "Installed models:"]
    for model in sorted(models, key=lambda m: (m.name != active, m.name)):  # the one in use first
        marks = ["in use"] if model.name == active else []
        marks += ["demo: colour words only"] if model.name in demo else []
        marks += [format_size(model.size_bytes)] if model.size_bytes else []
        lines.append(f"&nbsp;&nbsp;• {escape(model.name)}" + (f" ({', '.join(marks)})" if marks else ""))
    return "<br>".join(lines)


def in_use_label(models: Sequence[ModelInfo], active: str | None) -> QLabel:
    """The lines of :func:`in_use_text` in a label, hidden when no model is in use (the first-run offer)."""
    label = QLabel(in_use_text(models, active))
    label.setObjectName("modelsInUse")
    label.setWordWrap(True)
    label.setVisible(active is not None)
    return label
