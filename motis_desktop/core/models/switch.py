"""Switching the active model without emptying search (issue 20).

Making OTHER active at once would leave search with nothing indexed until every photo is re-encoded. So a
switch is a plan (:class:`SwitchPlan`: the photos OTHER covers already, as vectors are kept per model id, and
the time for the rest at OTHER's last indexing speed here, :class:`SpeedRecord`), then re-encoding in the
background while the previous model answers (``pending_model`` in the settings), then one settings write that
makes OTHER active once it covers the library (less an offline folder's photos: encoded when it is back).
Cancelling, or photos left uncovered, keeps the previous model; what was encoded is kept for the next try.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motis_desktop.core.atomic import write_json_atomic
from motis_desktop.core.formatting import count, format_duration
from motis_desktop.core.kinds import ProgressPhase
from motis_desktop.core.models.takeover import finish_takeover

PENDING_KEY = "pending_model"
SPEEDS = "speeds"  # cache/speeds/<model id>.json: {"photos_per_s": ...} of the model's last indexing run here
# A run's speed is the next switch's ETA only when the run was long enough to say it. `motis watch` indexes each photo
# copied in with a run of its own, and a run of a few photos is timed on a batch of one or two, decoded and encoded in
# turn (no overlap), with the run's one-off costs (the image session made, the first batch waiting for the decoder
# workers) spread over them: not the speed of re-encoding a library, which the plan multiplies by thousands of
# photos. 100 photos (over six batches of 16) make those costs small beside the photos' own time; 30 s of encoding do
# as much for a slow model, which takes that long over fewer photos.
SPEED_MIN_PHOTOS = 100
SPEED_MIN_SECONDS = 30.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SwitchPlan:
    current: str | None  # the active model now (None: no model yet)
    target: str
    photos: int  # photos in the library that a model can encode (files without a read error)
    covered: int  # photos the target model already has vectors for
    photos_per_s: float | None  # the target's indexing speed when it last ran here (None: never ran here)

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
        if self.seconds is not None and self.photos_per_s:
            rate = f"{self.photos_per_s:.1f} photos/s, its speed when it last indexed here, × {self.to_encode}"
            work = f"re-encoding {self.to_encode} takes about {format_duration(self.seconds)} ({rate})"
        else:
            work = f"about {count(self.to_encode, 'photo')} to encode; the time shows once it starts"
        keep = (
            f"searches keep using {self.current} until then; cancelling keeps {self.current}"
            if self.current
            else "search starts when it is done"
        )
        return (
            f"{self.target} covers {self.covered} of {self.photos} photos: {work}. "
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
    copied: int = 0  # photos identical to one just encoded (or kept): they took its vector, nothing to encode
    waiting: str = ""  # an offline folder's photos the run could not encode: IndexSummary.waiting_words

    def work(self) -> str:
        """What the run did, adding up to the plan's photos to encode: ``encoded 12 photos and reused their vectors
        for 1 duplicate`` ("" when it did nothing)."""
        if not self.copied:
            return f"encoded {count(self.encoded, 'photo')}" if self.encoded else ""
        return f"encoded {count(self.encoded, 'photo')} and reused their vectors for {count(self.copied, 'duplicate')}"


class SpeedRecord:
    """Records how fast a model indexes photos here: passed as an indexing run's progress (it forwards each
    report to ``progress``), :meth:`save` keeps the encode phase's photos per second for the next switch's plan
    (a model alone on a warm batch runs several times faster than indexing, which decodes each photo too), when the
    run encoded ``SPEED_MIN_PHOTOS`` or for ``SPEED_MIN_SECONDS``: a smaller run leaves the last figure as it was."""

    def __init__(self, folder: Path, model_id: str, progress: Callable[[Any], None] | None) -> None:
        self.path = folder / f"{model_id}.json"
        self.progress = progress
        self.latest: Any = None  # the last encode-phase Progress

    def __call__(self, p: Any) -> None:
        if p.phase is ProgressPhase.ENCODE:
            self.latest = p
        if self.progress is not None:
            self.progress(p)

    def save(self) -> None:
        p = self.latest
        if p is None or p.done < 1 or p.elapsed_s <= 0:
            return
        if p.done < SPEED_MIN_PHOTOS and p.elapsed_s < SPEED_MIN_SECONDS:
            log.debug(
                "%d photos in %.1f s: too few to time the model by, its recorded speed is kept", p.done, p.elapsed_s
            )
            return
        try:
            write_json_atomic(self.path, {"photos_per_s": p.done / p.elapsed_s, "photos": p.done})
        except OSError as exc:  # an estimate only: never fail an indexing run over it
            log.warning("could not record the indexing speed in %s: %s", self.path, exc)

    @staticmethod
    def read(folder: Path, model_id: str) -> float | None:
        """The photos per second recorded for the model here (None: it never indexed here)."""
        try:
            rate = json.loads((folder / f"{model_id}.json").read_text(encoding="utf-8"))["photos_per_s"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return float(rate) if isinstance(rate, (int, float)) and rate > 0 else None


def plan_switch(services: Any, name: str, measure: bool = True) -> SwitchPlan:
    """The plan of switching ``services``' active model to ``name`` (``measure``: estimate the time from the
    speed the new model indexed at here)."""
    target = services.model_info(name)
    current = services.active_model()
    counts = services.counts(target.model_id)
    photos = counts["files"] - counts["errors"]
    rate = None
    if measure and counts["indexed"] < photos:
        rate = SpeedRecord.read(services.cache_dir(SPEEDS), target.model_id)
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
    encoded, cancelled, copied, waiting = 0, False, 0, ""
    if not plan.instant:
        set_pending(plan.target)
        try:
            summary = services.index(plan.target, progress, cancel, batch_size)
        finally:
            set_pending(None)
        encoded, cancelled, copied = summary.encoded, summary.cancelled, summary.copied + summary.returned
        waiting = summary.waiting_words
        if not finish_takeover(services, plan.target, cancelled):
            return SwitchResult(plan, False, plan.current, encoded, cancelled, copied, waiting)
    else:
        services.use_model(plan.target)  # the one step
    return SwitchResult(plan, True, plan.target, encoded, cancelled, copied, waiting)
