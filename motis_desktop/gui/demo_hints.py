"""While the demo model answers searches: the search box's colour example, in the core's words
(``core/models/demo.py``, the one owner of what the demo knows; QA walk 8: the usual example, "sunset over the
sea", and any described scene found nothing with it, and nothing said why). The empty result's sentence and its
Install model… button follow ``QueryResult.model_note`` (gui/search_box.py, gui/grid.py)."""

from __future__ import annotations

from typing import Any

from motis_desktop.core.models.demo import DEMO_EXAMPLE, is_demo
from motis_desktop.gui.texts import SEARCH_PLACEHOLDER

DEMO_PLACEHOLDER = f"{DEMO_EXAMPLE}, or drop a photo here — Enter to search, Esc to reset"


def placeholder_for(services: Any) -> str:
    """The search box's placeholder for the active model (reads its manifest: on the backend, not the GUI thread)."""
    return DEMO_PLACEHOLDER if is_demo(services.model_info()) else SEARCH_PLACEHOLDER
