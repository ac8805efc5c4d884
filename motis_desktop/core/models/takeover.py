"""A model installed while the demo model was active takes over from the demo once the library is indexed with it.

QA walk 6: `motis models import` made the new model active at once, and `motis search` found nothing ("none of the
library's 1144 photos is indexed yet") until `motis index` had run. Now the new model waits (``TAKEOVER_KEY`` in
``config.json``, ``ModelService.takeover``) while the demo answers, as a switch (``models.switch``) does; an
indexing run without a named model encodes for it, and :func:`finish_takeover` makes it active in one step.
"""

from __future__ import annotations

from typing import Any

TAKEOVER_KEY = "takeover_model"
# The model whose take-over the user paused in the window (a cancelled take-over run, gui/takeover_pause.py): kept
# here so that the window started again keeps it paused; void once another model waits or none does
PAUSED_KEY = "takeover_paused"


def covers_reach(services: Any, name: str) -> bool:
    """Whether model ``name`` has a vector for every readable photo within reach: a switch (or the take-over from
    the demo) makes it active then. An offline folder's photos wait for it (they are encoded when it is back)."""
    counts = services.counts(services.model_info(name).model_id)
    away = sum(r.to_index for r in services.folder_reports(name) if not r.online)
    return bool(counts["indexed"] >= counts["files"] - counts["errors"] - away)


def finish_takeover(services: Any, target: str, cancelled: bool) -> bool:
    """After an indexing run for ``target`` (the model waiting to take over from the demo model, ``TAKEOVER_KEY``, or
    a switch's target): it becomes active in one step once it covers the photos within reach (True); else the
    active model answers on."""
    if cancelled or not covers_reach(services, target):
        return False
    services.update_search_index(target)  # its vector index is ready before the first search
    services.use_model(target)
    return True
