"""Vector index strategies behind one interface (:class:`VectorIndex`).

- ``exact``: brute force (the default for libraries up to ``AUTO_EXACT_MAX``).
- ``kmeans``: inverted file over spherical k-means lists (int8 codes in memory; a shortlist rescored in float32
  from the vectors' file beside the index, mapped).
- ``annoy``: Annoy random-projection trees plus an exact delta.
``auto`` picks by library size; thresholds and default parameters come from
``benchmarks/bench_index.py`` (see ``docs/benchmarks.md``).
"""

from __future__ import annotations

from motis_desktop.core.errors import UnknownStrategy
from motis_desktop.core.search.indexes.annoy_index import AnnoyIndex
from motis_desktop.core.search.indexes.base import IndexCorrupt, VectorIndex
from motis_desktop.core.search.indexes.exact import ExactIndex
from motis_desktop.core.search.indexes.kmeans import KMeansIndex

STRATEGIES: dict[str, type[VectorIndex]] = {"exact": ExactIndex, "kmeans": KMeansIndex, "annoy": AnnoyIndex}
CHOICES = ("auto", *STRATEGIES)
# Exact search's p50 reaches ~10 ms at 100k vectors on the 2-core reference machine (docs/benchmarks.md).
AUTO_EXACT_MAX = 100_000
AUTO_ANN = "kmeans"


def check_strategy(strategy: str) -> str:
    """``strategy`` itself if it is one of ``CHOICES``; :class:`UnknownStrategy` otherwise."""
    if strategy not in CHOICES:
        raise UnknownStrategy(strategy, CHOICES)
    return strategy


def resolve_strategy(strategy: str, n: int) -> str:
    """The concrete strategy for ``strategy`` (may be "auto") and a library of ``n`` vectors."""
    if check_strategy(strategy) == "auto":
        return "exact" if n <= AUTO_EXACT_MAX else AUTO_ANN
    return strategy


def make_index(strategy: str) -> VectorIndex:
    """A new, empty index of a concrete strategy with its default parameters."""
    return STRATEGIES[strategy]()


__all__ = [
    "AnnoyIndex",
    "ExactIndex",
    "IndexCorrupt",
    "KMeansIndex",
    "VectorIndex",
    "STRATEGIES",
    "CHOICES",
    "AUTO_EXACT_MAX",
    "check_strategy",
    "resolve_strategy",
    "make_index",
]
