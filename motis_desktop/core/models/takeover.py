"""A model installed while the demo model was active takes over from the demo once the library is indexed with it.

QA walk 6: `motis models import` made the new model active at once, and `motis search` found nothing ("none of the
library's 1144 photos is indexed yet") until `motis index` had run. Now the new model waits (``TAKEOVER_KEY`` in
``config.json``, ``ModelService.takeover``) while the demo answers, as a switch (``models.switch``) does; an
indexing run without a named model encodes for it, and :func:`finish_takeover` makes it active in one step.
"""

from __future__ import annotations

from typing import Any

from motis_desktop.core.models.switch import covers_reach

TAKEOVER_KEY = "takeover_model"
# The model whose take-over the user paused in the window (a cancelled take-over run, gui/takeover_pause.py): kept
# here so that the window started again keeps it paused; void once another model waits or none does
PAUSED_KEY = "takeover_paused"


def finish_takeover(services: Any, target: str, cancelled: bool) -> bool:
    """After an indexing run for ``target``, the model waiting to take over from the demo model (``TAKEOVER_KEY``):
    it becomes active in one step once it covers the photos within reach (True), as a switch does; else the demo
    answers on."""
    if cancelled or not covers_reach(services, target):
        return False
    services.update_search_index(target)  # its vector index is ready before the first search
    services.use_model(target)
    return True
