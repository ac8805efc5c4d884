"""Switching the active model without emptying search (issue 20).

``motis models use OTHER`` (and the settings) used to make OTHER active at once, so search answered "none
indexed yet" until every photo was re-encoded. Now a switch is:

1. a plan (:class:`SwitchPlan`): how many photos OTHER already covers (vectors are kept per model id
   until the model is removed, so switching back is instant), how many it must encode, and how long
   that takes at the speed measured here (:func:`measure_photos_per_s`) × that count;
2. re-encoding in the background with OTHER while the previous model stays active and answers every
   search; the model being switched to is recorded as ``pending_model`` in the settings;
3. one step at the end: when OTHER covers the library, ``active_model`` becomes OTHER (a single settings
   write). Cancelling, or a run that leaves photos uncovered, keeps the previous model active; what was
   encoded so far is kept for the next try.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from motis_desktop.core.formatting import format_duration

if TYPE_CHECKING:
    from motis_desktop.core.models.engine import Encoder

PENDING_KEY = "pending_model"


@dataclass(frozen=True)
class SwitchPlan:
    current: str | None  # the active model now (None: no model yet)
    target: str
    photos: int  # photos in the library that a model can encode (files without a read error)
    covered: int  # photos the target model already has vectors for
    photos_per_s: float | None  # the target's encoding speed measured on this computer

    @property
    def to_encode(self) -> int:
        return max(self.photos - self.covered, 0)

    @property
    def instant(self) -> bool:
        return self.to_encode == 0

    @property
    def seconds(self) -> float | None:
        if self.instant:
            return 0.0
        return self.to_encode / self.photos_per_s if self.photos_per_s else None

    def describe(self) -> str:
        """What will happen, in one or two plain sentences."""
        if self.current == self.target:
            return f"{self.target} is already the active model."
        if self.instant:
            return f"{self.target} already covers all {self.photos} photos: it takes over now."
        how_long = "an unknown time"
        if self.seconds is not None and self.photos_per_s:
            rate = f"{self.photos_per_s:.1f} photos/s measured here × {self.to_encode}"
            how_long = f"about {format_duration(self.seconds)} ({rate})"
        keep = (
            f"searches keep using {self.current} until then; cancelling keeps {self.current}"
            if self.current
            else "search starts when it is done"
        )
        return (
            f"{self.target} covers {self.covered} of {self.photos} photos: "
            f"re-encoding {self.to_encode} takes {how_long}. "
            f"It takes over in one step when every photo is encoded; {keep}."
        )

    def to_json(self) -> dict[str, object]:
        return {
            "current": self.current,
            "target": self.target,
            "photos": self.photos,
            "covered": self.covered,
            "to_encode": self.to_encode,
            "photos_per_s": None if self.photos_per_s is None else round(self.photos_per_s, 2),
            "seconds": None if self.seconds is None else round(self.seconds, 1),
            "instant": self.instant,
        }


@dataclass(frozen=True)
class SwitchResult:
    plan: SwitchPlan
    switched: bool  # True: the target is the active model now
    active: str | None  # the active model after the switch (the previous one when it did not happen)
    encoded: int
    cancelled: bool


def measure_photos_per_s(encoder: Encoder, batch: int = 8, rounds: int = 2) -> float:
    """Images per second the encoder's image tower runs here (a warm batch of ``batch``; the model alone)."""
    size = encoder.preprocess_config.size
    pixels = np.zeros((batch, 3, size, size), dtype=np.float32)
    encoder.encode_images(pixels)  # warm-up (session, allocations)
    start = time.perf_counter()
    for _ in range(rounds):
        encoder.encode_images(pixels)
    return batch * rounds / max(time.perf_counter() - start, 1e-9)


def plan_switch(services: Any, name: str, measure: bool = True) -> SwitchPlan:
    """The plan of switching ``services``' active model to ``name`` (``measure``: time the new model here)."""
    target = services.model_info(name)
    current = services.active_model()
    counts = services.counts(target.model_id)
    photos = counts["files"] - counts["errors"]
    rate = None
    if measure and counts["indexed"] < photos:
        rate = measure_photos_per_s(services.encoder(target.name))
    return SwitchPlan(current.name if current else None, target.name, photos, min(counts["indexed"], photos), rate)


def run_switch(
    services: Any,
    set_pending: Callable[[str | None], None],
    name: str,
    progress: Callable[[Any], None] | None = None,
    cancel: threading.Event | None = None,
    batch_size: int = 16,
    plan: SwitchPlan | None = None,
) -> SwitchResult:
    """Encode the library with ``name`` while the active model answers, then make it active in one step."""
    plan = plan or plan_switch(services, name, measure=False)
    if plan.current is None or plan.current == plan.target:
        info = services.use_model(plan.target)
        return SwitchResult(plan, True, info.name, 0, False)
    encoded, cancelled = 0, False
    if not plan.instant:
        set_pending(plan.target)
        try:
            summary = services.index(plan.target, progress, cancel, batch_size)
        finally:
            set_pending(None)
        encoded, cancelled = summary.encoded, summary.cancelled
        counts = services.counts(services.model_info(plan.target).model_id)
        if cancelled or counts["indexed"] < counts["files"] - counts["errors"]:
            return SwitchResult(plan, False, plan.current, encoded, cancelled)
        services.update_search_index(plan.target)  # its vector index is ready before the first search
    services.use_model(plan.target)  # the one step
    return SwitchResult(plan, True, plan.target, encoded, cancelled)
