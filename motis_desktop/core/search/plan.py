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

from motis_desktop.core.kinds import SortOrder
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.search.query import Query, QueryError, Term, parse_query
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
    sort: SortOrder


def parse(query: str | Query, cwd: str | None = None, image: str | None = None) -> Query:
    """``query`` parsed (relative paths against ``cwd``), with ``image`` as one more term when given."""
    parsed = parse_query(query, cwd) if isinstance(query, str) else query
    if image is not None:
        parsed = parsed.with_terms(Term(1.0, image=os.path.abspath(image)))
    return parsed


def filtered_ids(store: LibraryStore, model_id: str, query: Query) -> np.ndarray:
    """Ids of the photos embedded for ``model_id`` that pass the query's filters."""
    return store.filter_ids(model_id, query.folder_names, query.path_prefixes, query.after, query.before)


def lists_only(query: Query) -> bool:
    """Whether ``query`` only lists photos (newest first): no words, images, ``text:`` or ``name:`` to rank by,
    but folder or date filters, or ``sort:date``. QueryError (one line) when it has nothing in it at all."""
    if query.terms or query.text_phrases or query.name_parts:
        return False
    if query.folder_names or query.path_prefixes or query.after is not None or query.before is not None:
        return True
    if query.sort is SortOrder.DATE:
        return True
    raise QueryError("the query is empty: type words to search for, or filters such as folder:Trips or sort:date")


def plan_query(encoder: Encoder, store: LibraryStore, query: Query, text_cache: TextVectorCache) -> QueryPlan:
    """The plan of ``query`` under ``encoder``'s model over the library in ``store``."""
    qv = query_vector(encoder, store, query, text_cache)
    allowed = filtered_ids(store, encoder.model_id, query) if query.has_filters else None
    log.info("query %r: %d terms, filters=%s", query.describe(), len(query.terms), allowed is not None)
    return QueryPlan(encoder.model_id, qv.vector, allowed, qv.library_ids, query.sort)
