"""Before a query is ranked: its parse (with an image given beside it) and whether it only lists photos (filters
or ``sort:date`` alone). ``search/photo_table.py`` applies the filters; ``search/fusion.py`` ranks the rest."""

from __future__ import annotations

import os

from motis_desktop.core.kinds import SortOrder
from motis_desktop.core.search.query import Query, QueryError, Term, parse_query


def parse(query: str | Query, cwd: str | None = None, image: str | None = None) -> Query:
    """``query`` parsed (relative paths against ``cwd``), with ``image`` as one more term when given."""
    parsed = parse_query(query, cwd) if isinstance(query, str) else query
    if image is not None:
        parsed = parsed.with_terms(Term(1.0, image=os.path.abspath(image)))
    return parsed


def lists_only(query: Query) -> bool:
    """Whether ``query`` only lists photos (newest first): no words, images, ``text:`` or ``name:`` to rank by,
    but folder or date filters, or ``sort:date``. QueryError (one line) when it has nothing in it at all."""
    if query.terms or query.text_phrases or query.name_parts:
        return False
    if query.places_or_dates:
        return True
    if query.sort is SortOrder.DATE:
        return True
    raise QueryError("the query is empty: type words to search for, or filters such as folder:Trips or sort:date")
