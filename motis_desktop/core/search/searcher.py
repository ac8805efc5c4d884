"""The query entry point of one home: the strategy setting, the text-vector cache and the vector indexes.

``Searcher.query`` parses a query, plans it (``search/plan.py``: vector, filters, excluded photos) and has
the ``SearchService`` rank it. The configured strategy is the default; a call may name another, whose
index the ``SearchService`` keeps beside the default one. Front ends reach it only through
``core.services.Services``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from motis_desktop.core.library.locked_folders import LockedFolder, locked_folders
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.models.demo import demo_limits_note
from motis_desktop.core.ocr.text_store import TextStore
from motis_desktop.core.paths import AppConfig
from motis_desktop.core.search.contents import ContentTable
from motis_desktop.core.search.copies import with_copies
from motis_desktop.core.search.cutoff import score_of
from motis_desktop.core.search.fusion import fused_query
from motis_desktop.core.search.indexes import CHOICES, check_strategy
from motis_desktop.core.search.photo_table import PhotoTable
from motis_desktop.core.search.plan import lists_only, parse
from motis_desktop.core.search.query import Query
from motis_desktop.core.search.service import QueryResult, SearchService
from motis_desktop.core.search.suggest import suggest_words
from motis_desktop.core.search.text_cache import TextVectorCache

if TYPE_CHECKING:  # torch-free at import time: the GUI starts before the model loads
    from motis_desktop.core.models.engine import Encoder
    from motis_desktop.core.models.manifest import ModelInfo

log = logging.getLogger(__name__)

STRATEGY_KEY = "index_strategy"  # config.json


@dataclass(frozen=True)
class IndexState:
    """A model's vector index as loaded and brought up to date."""

    strategy: str  # the structure serving ("exact", "kmeans", "annoy"; "auto" resolved)
    vectors: int


class Searcher:
    """Queries over one home's library; one thread at a time (background rebuilds run on their own)."""

    def __init__(
        self, database: Callable[[], LibraryStore], index_dir: Path, config: AppConfig, background: bool = False
    ) -> None:
        self._database = database
        self._index_dir = index_dir
        self._config = config
        self._background = background
        self._text_cache = TextVectorCache()
        self._indexes: SearchService | None = None
        self._photos: tuple[tuple[str, int], PhotoTable] | None = None
        self._copies: tuple[tuple[str, int], ContentTable] | None = None

    def strategy(self) -> str:
        """The configured vector index strategy ("auto" unless the user chose one)."""
        strategy = self._config.get(STRATEGY_KEY, "auto")
        return strategy if strategy in CHOICES else "auto"

    def set_strategy(self, strategy: str) -> None:
        """Choose the default vector index strategy; UnknownStrategy for a name not in ``CHOICES``."""
        self._config.set(STRATEGY_KEY, check_strategy(strategy))
        log.info("index strategy set to %s", strategy)
        if self._indexes is not None:
            self._indexes.strategy = strategy

    def close(self) -> None:
        """Save the indexes' unsaved changes and forget them (the library connection they read is being closed)."""
        if self._indexes is not None:
            self._indexes.save_changes()
        self._indexes = None
        self._photos = None
        self._copies = None

    def _service(self) -> SearchService:
        if self._indexes is None:
            self._indexes = SearchService(self._database(), self._index_dir, self.strategy(), self._background)
        return self._indexes

    def query(
        self,
        encoder: Encoder,
        query: str | Query,
        limit: int | None = None,
        cutoff: bool = True,
        image: str | None = None,
        cwd: str | None = None,
        strategy: str | None = None,
        signals: tuple[str, ...] = ("meaning", "text", "name"),
        model: ModelInfo | None = None,
    ) -> QueryResult:
        """Run a query in the query language under ``encoder``'s model (see ``Services.query``): meaning, the
        text in the photos and file/folder names fused into one ranking (``search/fusion.py``); ``model`` (its
        manifest's ``score``) picks its relevance cut-off rule (``core.search.cutoff``), and the demo's says what it
        cannot read when nothing stood out (``QueryResult.model_note``). A query of
        filters (or only ``sort:date``) lists the photos that pass them, newest first; an empty one is a
        QueryError."""
        service = self._service()
        store = self._database()
        parsed = parse(query, cwd, image)
        if model is not None:
            service.set_model_score(encoder.model_id, score_of(model))
        offline = tuple(f for f in store.folder_paths() if not os.path.isdir(f))  # a stat per folder
        locked = locked_folders(store)  # subfolders that cannot be opened (permission denied): said like offline
        listing = lists_only(parsed)
        allowed, said = None, offline  # said: the offline folders the search looked in
        if listing or offline or locked or parsed.places_or_dates:
            table = self._table(store, encoder.model_id)
            # offline folders' photos cannot be shown: ranked with the rest, -k N and "Show more" would come short
            mask = table.passing(parsed, offline, [f.path for f in locked])
            said, locked = _looked_in(table, parsed, offline, locked)
            locked = tuple(f for f in locked if table.reaches(parsed, f.path))  # said where its photos could pass
            if listing:  # one file per content, as a search (contents.py), with a few of its other paths
                listed = table.newest_first(store, mask, limit, self._contents(store, encoder.model_id))
                listed = replace(listed, hits=with_copies(store, listed.hits, offline), by_date=True, locked=locked)
                listed = replace(listed, filtered=parsed.has_filters)
                return self._explained(listed, parsed, encoder.model_id, said)
            allowed = None if mask is None else table.ids[mask]
        terms = len(parsed.terms)
        log.info("query %r: %d terms, filters=%s, cutoff=%s", parsed.describe(), terms, parsed.has_filters, cutoff)
        result = fused_query(
            service,
            store,
            encoder,
            parsed,
            limit,
            cutoff,
            allowed,
            self._text_cache,
            self._contents(store, encoder.model_id),
            signals,
            check_strategy(strategy) if strategy else None,
        )
        # one hit per content (fusion.py): a few of each one's other paths, those in offline folders left out
        result = replace(result, hits=with_copies(store, result.hits, offline))
        found = replace(result, by_date=parsed.sort == "date", locked=locked, filtered=parsed.has_filters)
        found = _with_model_note(found, parsed, model)
        return self._explained(found, parsed, encoder.model_id, said)

    def _explained(self, result: QueryResult, query: Query, model_id: str, offline: tuple[str, ...]) -> QueryResult:
        """``result``, with what the front ends need to say why photos are missing from it: the library folders
        out of reach (their photos cannot be shown), and the filters that let nothing through when photos are
        indexed (not an empty library), with the photos whose text is not read yet when ``text:`` was one; for a
        result without hits, words no photo's text holds and what they likely meant, and the photos' date span when
        a date filter let nothing through (``suggest.py``)."""
        store = self._database()
        if offline:
            result = replace(result, offline=offline)
        if result.hits or result.cancelled:
            return result
        if query.terms or query.text_phrases:  # a word no photo's text holds: the one read in them it likely meant
            result = replace(result, suggestions=suggest_words(store, query))
        if result.candidates or not query.filters:
            return result
        if not store.counts(model_id)["indexed"]:
            return result
        unread = 0
        if query.text_phrases:
            from motis_desktop.core.ocr.engine import ENGINE_ID  # with cv2: only for this message

            unread = TextStore(store).unread_count(ENGINE_ID)
        table = self._table(store, model_id)
        hint = table.folder_hint(query) if query.folder_names else ""
        span = table.date_span() if query.after is not None or query.before is not None else None
        return replace(result, filtered_out=query.filters, text_unread=unread, folder_hint=hint, date_span=span)

    def _table(self, store: LibraryStore, model_id: str) -> PhotoTable:
        """``model_id``'s photo table, read again when the photos have changed (not for text read in them)."""
        key = (model_id, store.photos_version())
        if self._photos is None or self._photos[0][0] != model_id:
            self._photos = (key, PhotoTable.read(store, model_id))
        elif self._photos[0] != key:
            self._photos = (key, self._photos[1].caught_up(store, model_id))
        return self._photos[1]

    def _contents(self, store: LibraryStore, model_id: str) -> ContentTable:
        """``model_id``'s files with copies (``contents.py``), caught up when the photos have changed (only the
        contents a write touched are read again: an indexing batch does not read every copy again)."""
        key = (model_id, store.photos_version())
        if self._copies is None or self._copies[0][0] != model_id:
            self._copies = (key, ContentTable.read(store, model_id))
        elif self._copies[0] != key:
            self._copies = (key, self._copies[1].caught_up(store, model_id))
        return self._copies[1]

    def update_index(self, model_id: str, strategy: str | None = None) -> IndexState:
        """Load and bring ``model_id``'s vector index up to date now (instead of at the next query)."""
        index = self._service().index_for(model_id, check_strategy(strategy) if strategy else None)
        return IndexState(index.strategy, len(index))

    def warm_up(self, encoder: Encoder) -> None:
        """Load the vector index (and what its first query would make), run the text tower once and draw the
        relevance cut-off's sample of the library, so the first query pays for none of them."""
        self.update_index(encoder.model_id)
        self._service().index_for(encoder.model_id).prepare()
        self._contents(self._database(), encoder.model_id)
        vector = encoder.encode_queries(["warm up"])[0]
        self._service().cutoff_for(encoder.model_id, vector)

    @staticmethod
    def longest_text_term(text: str) -> int:
        """Tokens the longest text term of the query takes."""
        from motis_desktop.core.models.tokenizer import token_count

        terms = [t.text for t in parse(text).terms if t.text]
        return max((token_count(t) for t in terms), default=0)


def _looked_in(
    table: PhotoTable, query: Query, offline: tuple[str, ...], locked: tuple[LockedFolder, ...]
) -> tuple[tuple[str, ...], tuple[LockedFolder, ...]]:
    """The ``offline`` library folders and ``locked`` subfolders that ``query``'s folder filters look in: only those
    are said beside its result (their photos are left out of it); the others concern photos it did not look at."""
    looks = table.looked_in(query, [*offline, *(f.path for f in locked)])
    return (
        tuple(f for f, look in zip(offline, looks, strict=False) if look),
        tuple(f for f, look in zip(locked, looks[len(offline) :], strict=False) if look),
    )


def _with_model_note(result: QueryResult, query: Query, model: ModelInfo | None) -> QueryResult:
    """``result`` with what ``model`` cannot read in ``query``: the demo's "“dog” ignored: … colour words only"
    (``models/demo.py``, the one owner of that sentence), with hits or without (QA walk 9: "a dog on the beach" gave
    30 photos by a folder's name, and nothing said "dog" was not read)."""
    if result.cancelled:
        return result
    texts = [t.text for t in query.terms if t.text is not None]
    return replace(result, model_note=demo_limits_note(model, texts))
