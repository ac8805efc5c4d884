"""The relevance cut-off: which results stand out from the library's background for a query.

Statistic: a robust z-score. For a query vector ``q`` the background is the
cosine score of ``q`` against a random sample of the library (all of it up to
``SAMPLE_SIZE`` photos). Its centre is the median and its spread the median
absolute deviation scaled to a standard deviation (1.4826 x MAD). A photo is
shown when

    score >= median + max(Z * spread, MIN_MARGIN)

Why this one:
- Median and MAD ignore the matches themselves as long as fewer than half the
  photos match, so ten red photos in a library of sixty do not lift the bar
  they must clear (a mean/std would be dragged up by them).
- A z-score adapts to each model's and each query's scale: CLIP scores sit in
  a narrow band (0.1-0.35) whose width varies by query, the colour model's
  span 0-1.
- ``MIN_MARGIN`` is the floor under the spread: when nearly every score is the
  same (a word the model does not know gives every photo the same score; a
  random-weights model gives near-identical scores), the MAD is ~0 and any
  rounding noise would otherwise "stand out". Nothing clears a flat
  background, so such a query returns no results instead of K random photos.
- A gap in the sorted scores was the alternative; it always finds some largest
  gap (so it returns something even for noise) and is unstable when matches
  form a smooth slope; it needs a significance test, which brings back a
  background model anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z = 4.0
MIN_MARGIN = 0.02
SAMPLE_SIZE = 4096
MAD_TO_STD = 1.4826


@dataclass(frozen=True)
class Cutoff:
    """The bar a score must clear, with the background statistics it came from."""

    threshold: float
    median: float
    spread: float  # robust standard deviation (1.4826 x MAD)

    def passes(self, score: float) -> bool:
        return score >= self.threshold

    def to_json(self) -> dict[str, float]:
        return {"threshold": round(self.threshold, 6), "median": round(self.median, 6), "spread": round(self.spread, 6)}


def relevance_cutoff(background: np.ndarray, z: float = Z, min_margin: float = MIN_MARGIN) -> Cutoff:
    """The cut-off for a query whose scores against the (sampled) library are ``background``."""
    scores = np.asarray(background, dtype=np.float64).ravel()
    if not len(scores):
        return Cutoff(float("inf"), 0.0, 0.0)
    median = float(np.median(scores))
    spread = MAD_TO_STD * float(np.median(np.abs(scores - median)))
    return Cutoff(median + max(z * spread, min_margin), median, spread)
