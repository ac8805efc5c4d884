"""While the demo model answers searches: the search box's colour example, in the core's words
(``core/models/demo.py``, the one owner of what the demo knows; QA walk 8: the usual example, "sunset over the
sea", and any described scene found nothing with it, and nothing said why). The empty result's sentence and its
Install model… button follow ``QueryResult.model_note`` (gui/search_box.py, gui/grid.py), and so does the status
line of a result with hits (QA walk 9: "a dog on the beach" gave "30 results that stand out", all by a folder's
name, and nothing said "dog" was ignored)."""

from __future__ import annotations

from typing import Any, Protocol

from motis_desktop.core.models.demo import DEMO_EXAMPLE, is_demo
from motis_desktop.gui.texts import SEARCH_PLACEHOLDER

DEMO_PLACEHOLDER = f"{DEMO_EXAMPLE}, or drop a photo here — Enter to search, Esc to reset"


def placeholder_for(services: Any) -> str:
    """The search box's placeholder for the active model (reads its manifest: on the backend, not the GUI thread)."""
    return DEMO_PLACEHOLDER if is_demo(services.model_info()) else SEARCH_PLACEHOLDER


class Noted(Protocol):
    """What the status line needs of a result (the core's ``QueryResult``)."""

    @property
    def hits(self) -> Any: ...

    @property
    def model_note(self) -> str: ...


def with_model_note(line: str, result: Noted) -> str:
    """A result's status line with the model's note (“dog” ignored: …) before its " — Esc to go back" when it has
    hits (the empty page says it without them)."""
    if not result.hits or not result.model_note:
        return line
    head, sep, tail = line.rpartition(" — ")
    return f"{head} · {result.model_note}{sep}{tail}" if sep else f"{line} · {result.model_note}"
