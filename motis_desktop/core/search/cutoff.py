"""The relevance cut-off: which results stand out for a query, chosen per model family.

Two rules, picked by how the model scores (``score["kind"]`` in its manifest; :func:`cutoff_for_model`):

1. **Calibrated sigmoid** (SigLIP/SigLIP2, ``kind == "scale-bias"``, ``scale`` = exp(logit_scale),
   ``bias`` = logit_bias). These models were trained with a per-pair sigmoid loss:
   ``p = sigmoid(scale · cos + bias)`` *is* the model's probability that text and image match, on
   its own, without looking at the rest of the library. So the bar is a probability: a photo is
   shown when ``p >= P_MIN``, i.e.

       cos >= (logit(P_MIN) - bias) / scale

   It needs no background sample, holds when most of the library matches (a folder of beaches
   searched for "beach" shows all of them) and when nothing does (no hits rather than the least bad
   ones). ``P_MIN`` is low (0.05) because queries are short and SigLIP's pair probabilities for a
   true but partial description ("red") sit well below 0.5; it still lies ~3 logits above an
   unrelated pair (p ≈ 0.001 at SigLIP's bias of about -10 and cos 0). Reported as ``centre`` =
   the cosine where p = 0.5 and ``spread`` = the cosine per logit unit.

2. **Percentile heuristic** (cosine models: CLIP, MobileCLIP, the seed's pairs, ``kind == "cosine"``).
   Cosine scores are not calibrated (their level and spread vary by model and query), so the bar is
   read from the library itself, as below.

Percentile heuristic. Statistic: a z-score against a background estimated from the *lower* part of the
score distribution. For a query vector ``q`` the background is the cosine score
of ``q`` against a random sample of the library (all of it up to
``SAMPLE_SIZE`` photos). Matches live in the upper tail, so the background's
centre and spread are read from its lower quantiles, as for a normal
distribution: with q10 and q30 the 10th and 30th percentiles,

    spread = (q30 - q10) / 0.757        (z(0.30) - z(0.10) = 1.2816 - 0.5244)
    centre = q30 + 0.5244 * spread      (the background's median)

and a photo is shown when

    score >= centre + max(Z * spread, MIN_MARGIN)

Why this one:
- It ignores the matches themselves as long as the lowest 30 % of the library
  are not matches: ten red photos among sixty, or thirty among sixty, do not
  lift the bar they must clear. A mean/std is dragged up by the matches, and
  even the median and MAD break once about half the library matches (the
  median then falls in the gap between matches and the rest).
- A z-score adapts to each model's and each query's scale: CLIP scores sit in
  a narrow band (0.1-0.35) whose width varies by query; the colour model's
  scores span 0-1. Z = 4 leaves a normal background about 3 in 100,000 false
  positives per photo.
- ``MIN_MARGIN`` is the floor under the spread: when nearly every score is the
  same (a word the model does not know gives every photo the same score), the
  spread is ~0 and rounding noise would otherwise "stand out". Nothing clears
  a flat background, so such a query returns no results instead of K random
  photos.
- A gap in the sorted scores was the alternative; it always finds some largest
  gap (so it returns something even for noise) and is unstable when matches
  form a smooth slope; it needs a significance test, which brings back a
  background model anyway.
- Subtracted terms ("red - blue") put the photos they match in the *lower* tail: on a small library, or
  when they are more than ~10 % of it, they widen the spread and lift the bar past every match (eight
  photos, one blue: "red - blue" showed nothing). So the photos that stand out for a subtracted term on
  its own (this same rule, on that term's scores) are left out of the background first
  (:func:`without_subtracted`).
- Limit: when more than ~70 % of the library matches (a folder of nothing but
  beaches, searched for "beach"), nothing stands out; "show more" / -k lists
  them, best first.

A query of subtracted terms only (``-red``, ``-red -blue``) asks for the photos that are *not* red: nothing in
them stands out above the rest (most of the library scores alike, and the red photos sit in the lower tail), so
either rule above would show nothing or a handful. Its cut-off is its opposite's (``red``, ``red + blue``: the same
terms added, by the model's own rule) turned round (:func:`opposite`): every photo its opposite does not show,
least like it first (the query's scores are the opposite's, negated). The opposite's limit comes with it: when
more than ~70 % of the library is red, no photo stands out as red and ``-red`` shows them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# np.percentile imports numpy.ma at its first call (~15 ms of module code). Imported with this module, it runs at
# start-up on an idle thread, not in the model's warm-up, where three threads share the GIL and it took 0.3-0.55 s.
import numpy.ma  # noqa: F401

Z = 4.0
MIN_MARGIN = 0.02
SAMPLE_SIZE = 4096
LOW_Q, HIGH_Q = 10.0, 30.0  # percentiles the background is read from
Z_LOW, Z_HIGH = -1.2816, -0.5244  # the standard normal's quantiles at 10 % and 30 %


@dataclass(frozen=True)
class Cutoff:
    """The bar a score must clear, with the background it came from ."""

    threshold: float
    centre: float  # the background's estimated median
    spread: float  # the background's standard deviation, from its lower quantiles

    def passes(self, score: float) -> bool:
        return score >= self.threshold

    def to_json(self) -> dict[str, float]:
        return {"threshold": round(self.threshold, 6), "centre": round(self.centre, 6), "spread": round(self.spread, 6)}


P_MIN = 0.05  # the least match probability a sigmoid-calibrated model must give a photo


SIGMOID_KIND = "scale-bias"


def sigmoid_cutoff(scale: float, bias: float, p_min: float = P_MIN) -> Cutoff:
    """The bar for a calibrated sigmoid model: the cosine where ``sigmoid(scale·cos + bias) = p_min``."""
    logit = float(np.log(p_min / (1.0 - p_min)))
    return Cutoff((logit - bias) / scale, -bias / scale, 1.0 / scale)


def is_calibrated(score: dict[str, Any] | None) -> bool:
    return score is not None and score.get("kind") == SIGMOID_KIND


def score_of(info: object) -> dict[str, Any]:
    """How an installed model scores (its manifest's ``score``; an open_clip import's, recorded at install)."""
    score = getattr(info, "score", None) or getattr(info, "origin", {}).get("open_clip", {}).get("score")
    return dict(score) if isinstance(score, dict) else {"kind": "cosine"}


def cutoff_for_model(score: dict[str, Any] | None, background: np.ndarray) -> Cutoff:
    """The cut-off for a model scoring as ``score`` says (see the module doc); percentile when cosine/unknown."""
    if score is not None and is_calibrated(score):
        return sigmoid_cutoff(float(score["scale"]), float(score["bias"]))
    return relevance_cutoff(background)


def without_subtracted(background: np.ndarray, subtracted: Sequence[np.ndarray]) -> np.ndarray:
    """``background`` less the photos that stand out for a subtracted term on its own; ``subtracted`` holds each
    such term's scores over the same sample. The whole background when that would leave nothing."""
    keep = np.ones(len(background), dtype=bool)
    for scores in subtracted:
        keep &= np.asarray(scores) < relevance_cutoff(scores).threshold
    return background[keep] if keep.any() else background


def opposite(cut: Cutoff) -> Cutoff:
    """The cut-off of a query of subtracted terms only, from ``cut``, its opposite's (the same terms added): a photo
    passes when it does not pass ``cut`` (its score is the opposite's, negated)."""
    return Cutoff(float(np.nextafter(-cut.threshold, np.inf)), -cut.centre, cut.spread)


def relevance_cutoff(background: np.ndarray, z: float = Z, min_margin: float = MIN_MARGIN) -> Cutoff:
    """The cut-off for a query whose scores against the (sampled) library are ``background``."""
    scores = np.asarray(background, dtype=np.float64).ravel()
    if not len(scores):
        return Cutoff(float("inf"), 0.0, 0.0)
    low, high = np.percentile(scores, [LOW_Q, HIGH_Q])
    spread = float(high - low) / (Z_HIGH - Z_LOW)
    centre = float(high) - Z_HIGH * spread
    return Cutoff(centre + max(z * spread, min_margin), centre, spread)
