"""The plan of one query: what to rank (the query vector), among which photos (the filters), how.

``plan_query`` turns a parsed :class:`~motis_desktop.core.search.query.Query` into a :class:`QueryPlan`
for one model: the terms' unit vector (text through the text-vector cache), the ids the filters let
through (``None``: the whole library), the library photos used as terms (left out of the results), and
the ranking options. ``SearchService.run_query`` carries it out.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.search.query import Query, Term, parse_query
from motis_desktop.core.search.query_vector import query_vector
from motis_desktop.core.search.text_cache import TextVectorCache

if TYPE_CHECKING:  # torch-free at import time
    from motis_desktop.core.models.engine import Encoder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueryPlan:
    """One query for one model, ready to rank."""

    model_id: str
    vector: np.ndarray | None  # unit [D]; None when the terms cancel out
    allowed: np.ndarray | None  # ids that pass the filters; None: no filter
    exclude: frozenset[int]  # library photos used as image terms
    sort: str  # "score" or "date"


def parse(query: str | Query, cwd: str | None = None, image: str | None = None) -> Query:
    """``query`` parsed (relative paths against ``cwd``), with ``image`` as one more term when given."""
    parsed = parse_query(query, cwd) if isinstance(query, str) else query
    if image is not None:
        parsed = parsed.with_terms(Term(1.0, image=os.path.abspath(image)))
    return parsed


def plan_query(encoder: Encoder, store: LibraryStore, query: Query, text_cache: TextVectorCache) -> QueryPlan:
    """The plan of ``query`` under ``encoder``'s model over the library in ``store``."""
    qv = query_vector(encoder, store, query, text_cache)
    allowed = None
    if query.has_filters:
        allowed = store.filter_ids(encoder.model_id, query.folder_names, query.path_prefixes, query.after, query.before)
    log.info("query %r: %d terms, filters=%s", query.describe(), len(query.terms), allowed is not None)
    return QueryPlan(encoder.model_id, qv.vector, allowed, qv.library_ids, query.sort)
