"""Search over stored embeddings with a persisted, incrementally updated vector index.

``SearchService`` keeps one index per model id and strategy (a call may name a strategy other than the
default; its index is kept too, never built for one call). On first use it loads the
index file from ``index_dir`` (verified; a damaged, truncated or mismatched
file is logged and the index rebuilt from the embeddings in the library),
then catches up with the library: vectors written since the version the index
saw are (re)added and ids no longer in the library removed. When an index
asks for a rebuild (Annoy delta too large, k-means library size changed 2x)
it is rebuilt, in a background thread if ``background`` is set, while the old
one keeps serving. The caller (``search/fusion.py``) checks on disk the few hits it shows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.random import default_rng  # imported now: see core/search/cutoff.py's numpy.ma

from motis_desktop.core.kinds import DateSource
from motis_desktop.core.library.locked_folders import LockedFolder
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.search.cutoff import (
    SAMPLE_SIZE,
    Cutoff,
    cutoff_for_model,
    is_calibrated,
    without_subtracted,
)
from motis_desktop.core.search.indexes import STRATEGIES, IndexCorrupt, VectorIndex, make_index, resolve_strategy
from motis_desktop.core.search.indexes.exact import ExactIndex
from motis_desktop.core.search.suggest import WordSuggestion, date_span_words
from motis_desktop.core.vectors import scores_of

log = logging.getLogger(__name__)

CUTOFF_CAP = 1000  # most hits the cut-off may return (the rest are "more")
COUNTED_COPIES = 1000  # a hit's copies are counted up to this many (search/copies.py): beyond, "999+ more"
BRUTE_FORCE_MAX = 20_000  # filtered queries over at most this many photos score them all directly


@dataclass(frozen=True)
class TextMatch:
    """Why a hit matched words: a line of text read in the photo (``kind`` "text", with its box and the boxes of
    the matched words, photo pixels, corners clockwise from top-left) or its file name (``kind`` "name"; "Beach
    day/" when a folder's name above it held the words)."""

    kind: str
    text: str
    box: list[list[float]] | None = None
    words: tuple[tuple[str, list[list[float]]], ...] = ()
    confidence: float | None = None
    image_size: tuple[int, int] = (0, 0)  # (width, height) of the photo as shown: the boxes' pixels

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"kind": self.kind, "text": self.text}
        if self.box is not None:
            out["box"] = self.box
            out["words"] = [{"text": w, "box": b} for w, b in self.words]
            out["confidence"] = self.confidence
            out["image_size"] = list(self.image_size)
        return out


@dataclass(frozen=True)
class SearchHit:
    file_id: int
    path: str
    score: float
    taken_at: float | None = None  # when the photo was taken (unix time), if looked up
    date_source: DateSource | None = None
    fused: float | None = None  # the fused rank score (search/fusion.py), when text and names took part
    matches: tuple[TextMatch, ...] = ()  # the words that matched in the photo's text or name
    also_at: tuple[str, ...] = ()  # the same bytes at a few other paths (a copied folder: search/copies.py)
    also_more: int = 0  # and at this many more, not named (counted up to COUNTED_COPIES: then a lower bound)

    @property
    def also_more_words(self) -> str:
        """ "297 more", "997+ more" (the count stopped at its cap); "" when every copy is named."""
        if not self.also_more:
            return ""
        capped = len(self.also_at) + self.also_more >= COUNTED_COPIES
        return f"{self.also_more:,}{'+' if capped else ''} more"

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {"path": self.path, "score": round(self.score, 6)}
        if self.also_at:  # as "matches": absent when none (a listing's hits keep their fields)
            out["also_at"] = list(self.also_at)
        if self.also_more:
            out["also_more"] = self.also_more
        if self.taken_at is not None:
            out["date"] = format_date(self.taken_at)
            out["date_source"] = self.date_source
        if self.fused is not None:
            out["fused"] = self.fused
        if self.matches:
            out["matches"] = [m.to_json() for m in self.matches]
        return out


def format_date(taken_at: float) -> str:
    """Local ISO date and time of a unix time (EXIF dates are local, so this shows them as written)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(taken_at))


@dataclass(frozen=True)
class QueryResult:
    """What a query found: ``hits`` to show, and how many more photos the filters let through below them."""

    hits: list[SearchHit]
    more: int  # further candidates ranked below the last hit (shown by "show more" / --all / -k)
    candidates: int  # photos that pass the filters
    cutoff: Cutoff | None = None  # set when the relevance cut-off chose the hits
    cancelled: bool = False  # the terms cancelled out (e.g. "red - red"): nothing to search for
    filtered_out: tuple[str, ...] = ()  # photos are indexed, but these filters (as typed) let none through
    # with ``filtered_out``: the folder: names that match no folder, with the closest ones ("no folder named Italy;
    # did you mean “2019 Italy trip”?"), as a typo'd operator gets a suggestion
    folder_hint: str = ""
    offline: tuple[str, ...] = ()  # library folders out of reach now (a drive unplugged): their photos are left out
    locked: tuple[LockedFolder, ...] = ()  # subfolders that cannot be opened now: their photos are left out too
    text_unread: int = 0  # with ``text:`` filters that let nothing through: photos whose text is not read yet
    by_date: bool = False  # hits newest first (``sort:date``, or a query of filters alone): a slice of the timeline
    # the hits' scores are cosines to a query vector, worth showing (False: filters alone, every score is 0; a query
    # of subtracted terms only, "-red", whose negated cosines rank the photos but read as noise: " 0.0000")
    scored: bool = True
    # a query of subtracted terms only ("-red", "-1:red"): the hits are the photos its opposite ("red") does not
    # pick out, least like it first; ``more`` are those it does. Nothing in them "stands out" for the query.
    subtracts_only: bool = False
    # nothing found: words of the query no photo's text holds, with the word read in the photos each likely meant
    suggestions: tuple[WordSuggestion, ...] = ()
    date_span: tuple[float, float] | None = None  # a date filter let nothing through: the photos' first and last date
    # the model cannot read some of the query's words (the demo: colour words only, ``models/demo.py``): "“dog”
    # ignored: …", the sentence the front ends show beside their reason or their results
    model_note: str = ""
    # the query has filters (folder:, after:, name:, …): a copy shown in place of a deleted hit must pass them too,
    # which the core alone can tell (the front ends search again rather than pick one of ``also_at``)
    filtered: bool = False

    def date_span_words(self) -> str:
        """'your photos run from Jan 2020 to Dec 2026' (with ``date_span``; "" without)."""
        return date_span_words(self.date_span) if self.date_span else ""

    def found_by_words(self) -> set[int]:
        """The hits that their words (in the photo's text or its name) put there, not their look: below the
        relevance cut-off, or (without one: -k, --all) ranked above a photo that looks more like the query without
        words. Their cosine (e.g. 0.0010) would read as a meaningless score."""
        found: set[int] = set()
        best_below = float("-inf")  # the best cosine of a hit without words, from the bottom up
        for hit in reversed(self.hits):
            if not hit.matches:
                best_below = max(best_below, hit.score)
            elif (self.cutoff is not None and not self.cutoff.passes(hit.score)) or hit.score < best_below:
                found.add(hit.file_id)
        return found


# An index is saved when its vectors changed by this share of its size since it was last saved (and when the
# service closes). Saving is what a query after a library write paid for: 0.7 s at 100k photos for one new vector
# or none (a text read); a saved index that is behind only costs its next opening a catch-up of the changes.
SAVE_SHARE = 0.02


@dataclass
class _Slot:
    index: VectorIndex
    version: int  # library version the index reflects
    rebuilding: bool = False
    unsaved: int = 0  # vectors added or removed since the index was saved
    photos: int = -1  # the library's photos' version at ``version`` (-1: not known)


class SearchService:
    """Per-model vector indexes over the library, persisted under ``index_dir``."""

    def __init__(
        self,
        store: LibraryStore,
        index_dir: Path | None = None,
        strategy: str = "auto",
        background: bool = False,
    ) -> None:
        self.store = store
        self.index_dir = index_dir
        self.strategy = strategy  # the default; a call may name another (each strategy keeps its own index)
        self.background = background
        self._slots: dict[tuple[str, str], _Slot] = {}  # (model id, strategy asked for) -> index
        self._backgrounds: dict[str, tuple[int, np.ndarray]] = {}  # model id -> (library count, sample vectors)
        self._scores: dict[str, dict[str, Any]] = {}  # model id -> its manifest's score (cut-off rule per family)
        self._lock = threading.RLock()
        self._rebuilds: list[threading.Thread] = []  # background rebuilds started (see wait_for_rebuilds)

    # -- index lifecycle ---------------------------------------------------------

    def index_for(self, model_id: str, strategy: str | None = None) -> VectorIndex:
        """The up-to-date index of ``model_id``'s embeddings (``strategy``: this call's choice, else the default)."""
        choice = strategy or self.strategy
        with self._lock:
            version, photos = self.store.versions()
            slot = self._slots.get((model_id, choice))
            if slot is None:
                slot = self._slots[(model_id, choice)] = self._open(model_id, choice, version)
            if slot.version != version and slot.photos == photos:  # writes that change no vector (text read)
                slot.version = version
            elif slot.version != version:
                self._catch_up(model_id, slot, version)
                slot.photos = photos
            if not slot.rebuilding and self._wants_rebuild(slot.index, choice):
                self._rebuild(model_id, slot, choice)
            return slot.index

    def _path(self, model_id: str, strategy: str) -> Path | None:
        return self.index_dir / f"{model_id}.{strategy}.idx" if self.index_dir else None

    def _open(self, model_id: str, choice: str, version: int) -> _Slot:
        count = self.store.counts(model_id)["indexed"] if choice == "auto" else 0  # a count: not 100k ids read
        strategy = resolve_strategy(choice, count)
        path = self._path(model_id, strategy)
        if path is not None and path.exists():
            try:
                index = STRATEGIES[strategy].load(path, model_id)
                log.debug("loaded vector index %s (%d vectors)", path, len(index))
                return _Slot(index, int(index.header.get("library_version", -1)))
            except IndexCorrupt as exc:
                log.warning("rebuilding vector index: %s", exc)
        return self._build(model_id, strategy, version)

    def _build(self, model_id: str, strategy: str, version: int) -> _Slot:
        ids, vectors = self.store.embeddings(model_id)
        index = make_index(strategy)
        index.build(ids, vectors)
        log.info(
            "built %s vector index of %d vectors for model %s in %.2f s", strategy, len(ids), model_id, index.build_s
        )
        self._save(model_id, index, version)
        return _Slot(index, version)

    def _catch_up(self, model_id: str, slot: _Slot, version: int) -> None:
        """Bring the slot's index to ``version``: the vectors that left since its version (the library's log of
        removals), then those written since. An index older than the log compares ids when the counts differ."""
        gone = self.store.removed_vectors(model_id, slot.version)
        if gone is not None:  # removals first: a photo removed and then back is added again below
            slot.index.remove(gone)
        changed_ids, vectors = self.store.embeddings(model_id, since_version=slot.version)
        slot.index.add(changed_ids, vectors)
        if gone is None:
            gone = np.zeros(0, dtype=np.int64)
            if len(slot.index) != self.store.embedding_count(model_id):  # the index holds every id still stored
                gone = np.setdiff1d(slot.index.ids(), self.store.embedding_ids(model_id), assume_unique=False)
                slot.index.remove(gone)
        slot.version = version
        slot.unsaved += len(changed_ids) + len(gone)
        if slot.unsaved and slot.unsaved >= SAVE_SHARE * len(slot.index):
            self._save(model_id, slot.index, version)
            slot.unsaved = 0

    def save_changes(self) -> None:
        """Save the indexes that changed since they were last saved (when the library closes)."""
        with self._lock:
            for (model_id, _), slot in self._slots.items():
                if slot.unsaved and not slot.rebuilding:
                    self._save(model_id, slot.index, slot.version)
                    slot.unsaved = 0

    def _wants_rebuild(self, index: VectorIndex, choice: str) -> bool:
        wanted = resolve_strategy(choice, len(index))
        return wanted != index.strategy or index.needs_rebuild()

    def _rebuild(self, model_id: str, slot: _Slot, choice: str) -> None:
        """Replace the slot's index with a fresh build; the old one serves until it is done."""
        slot.rebuilding = True
        log.info("rebuilding the %s vector index of model %s", slot.index.strategy, model_id)

        def work() -> None:
            try:
                version = self.store.version()
                strategy = resolve_strategy(choice, len(self.store.embedding_ids(model_id)))
                fresh = self._build(model_id, strategy, version)
            except Exception:  # never take search down; the old index keeps serving
                log.exception("rebuild of the vector index failed")
                slot.rebuilding = False
                return
            with self._lock:  # later queries catch up from `version`
                slot.index, slot.version, slot.rebuilding, slot.unsaved = fresh.index, fresh.version, False, 0
                slot.photos = -1  # caught up from ``fresh.version`` at the next query

        if self.background:
            thread = threading.Thread(target=work, name="motis-index-rebuild", daemon=True)
            self._rebuilds = [t for t in self._rebuilds if t.is_alive()] + [thread]
            thread.start()
        else:
            work()

    def wait_for_rebuilds(self, timeout_s: float | None = None) -> None:
        """Wait until the background rebuilds started so far have finished (at most ``timeout_s`` each)."""
        for thread in list(self._rebuilds):
            thread.join(timeout_s)

    def _save(self, model_id: str, index: VectorIndex, version: int) -> None:
        path = self._path(model_id, index.strategy)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            index.save(path, model_id, extra={"library_version": version})
        except OSError as exc:  # a read-only or full disk must not break search
            log.warning("could not save vector index %s: %s", path, exc)

    # -- queries -------------------------------------------------------------------

    # -- queries with filters and the relevance cut-off -------------------------------

    def set_model_score(self, model_id: str, score: dict[str, Any] | None) -> None:
        """How ``model_id`` scores (its manifest's ``score``): picks the cut-off rule (``core.search.cutoff``)."""
        self._scores[model_id] = dict(score or {"kind": "cosine"})

    def cutoff_for(
        self,
        model_id: str,
        vector: np.ndarray,
        strategy: str | None = None,
        subtracted: Sequence[np.ndarray] = (),
        left_out: np.ndarray | None = None,
    ) -> Cutoff:
        """The relevance cut-off of ``vector``: calibrated (sigmoid models) or against a sample of the library (less
        the ``left_out`` ids, sorted: copies), less the photos that match a ``subtracted`` term's vector
        (``cutoff.without_subtracted``)."""
        score = self._scores.get(model_id)
        if is_calibrated(score):
            return cutoff_for_model(score, np.zeros(0))
        sample = self._background(model_id, strategy, left_out)
        if not len(sample):
            return cutoff_for_model(score, np.zeros(0))
        background = without_subtracted(scores_of(sample, vector), [scores_of(sample, v) for v in subtracted])
        return cutoff_for_model(score, background)

    def _background(self, model_id: str, strategy: str | None = None, left_out: np.ndarray | None = None) -> np.ndarray:
        """Up to SAMPLE_SIZE library vectors but ``left_out``'s, drawn at random; redrawn when the library grew or
        shrank 5 %."""
        index = self.index_for(model_id, strategy)
        now = len(index) - (0 if left_out is None else len(left_out))
        cached = self._backgrounds.get(model_id)
        if cached is not None:
            count, sample = cached
            if count == now or (count > SAMPLE_SIZE and abs(now - count) <= 0.05 * count):
                return sample
        ids = np.sort(np.asarray(index.ids(), dtype=np.int64))
        ids = ids if left_out is None or not len(left_out) else np.setdiff1d(ids, left_out, assume_unique=True)
        rng = default_rng(len(ids))  # the same library gives the same sample (stable cut-offs)
        chosen = ids if len(ids) <= SAMPLE_SIZE else np.sort(rng.choice(ids, SAMPLE_SIZE, replace=False))
        held = _rows_of(index, chosen)
        sample = held if held is not None else self.store.vectors_of(model_id, chosen)[1]
        sample = np.ascontiguousarray(sample, dtype=np.float32)
        self._backgrounds[model_id] = (len(ids), sample)
        log.debug("cut-off background for %s: %d of %d vectors", model_id, len(sample), len(ids))
        return sample

    def ranked(
        self,
        model_id: str,
        vector: np.ndarray,
        k: int,
        allowed: np.ndarray | None = None,
        exclude: frozenset[int] = frozenset(),
        strategy: str | None = None,
        floor: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, cosines)`` of the top ``k`` library photos (or ``allowed`` ones) for a unit ``vector``, best
        first, ``exclude`` left out; as arrays, files not looked up on disk (the caller checks the few it shows).
        ``floor``: the caller uses only photos scoring at least this; others may be left out (faster)."""
        if allowed is not None:
            if exclude:
                allowed = allowed[~np.isin(allowed, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))]
            ids, scores = self._ranked_among(model_id, vector, k, allowed, strategy, floor)
            return ids[:k], scores[:k]
        index = self.index_for(model_id, strategy)
        if floor is None:
            found, found_scores = index.search(np.atleast_2d(vector), k + len(exclude))
            ids, scores = found[0], found_scores[0]
        else:
            ids, scores = index.search_above(np.asarray(vector, dtype=np.float32), k + len(exclude), floor)
        keep = ids >= 0
        if exclude:
            keep &= ~np.isin(ids, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))
        return ids[keep][:k], scores[keep][:k]

    def _ranked_among(
        self,
        model_id: str,
        vector: np.ndarray,
        k: int,
        allowed: np.ndarray,
        strategy: str | None = None,
        floor: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` among the ``allowed`` ids (unique; all of them, ordered, when few: they are scored directly),
        else from an index search widened until enough (``floor``: as for :meth:`ranked`). Arrays, not sets:
        with a folder offline ``allowed`` is most of the library (a set of 90k ids cost ~25 ms per query)."""
        none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if not len(allowed) or k <= 0:
            return none
        if len(allowed) <= BRUTE_FORCE_MAX:
            ids, vectors = self.store.vectors_of(model_id, allowed)
            if not len(ids):
                return none
            scores = scores_of(vectors, vector)
            order = np.argsort(-scores, kind="stable")
            return ids[order], scores[order]
        index = self.index_for(model_id, strategy)
        want = int(k * len(index) / len(allowed) * 1.25) + 32  # enough when the allowed are spread evenly
        while True:
            if floor is None:
                rows, row_scores = index.search(vector[None, :], want)
                found, scores = rows[0], row_scores[0]
            else:
                found, scores = index.search_above(np.asarray(vector, dtype=np.float32), want, floor)
            keep = (found >= 0) & np.isin(found, allowed)
            # done when enough, or the index has no more (a floor search that came short found all above it)
            if keep.sum() >= k or want >= len(index) or (floor is not None and len(found) < want):
                return found[keep], scores[keep]
            want *= 4

    def with_dates(self, hits: list[SearchHit]) -> list[SearchHit]:
        """``hits`` with their dates taken looked up (one statement)."""
        dates = self.store.dates(h.file_id for h in hits)
        return [
            replace(h, taken_at=dates[h.file_id].taken_at, date_source=dates[h.file_id].source)
            if h.file_id in dates
            else h
            for h in hits
        ]


def _rows_of(index: VectorIndex, ids: np.ndarray) -> np.ndarray | None:
    """The vectors of ``ids`` (all in the index) as a loaded exact index holds them, without reading the library
    (at 100k photos the 4,096-vector cut-off sample cost ~0.15 CPU-s of SQL at start-up); None for other kinds."""
    if not isinstance(index, ExactIndex):
        return None
    held = np.asarray(index.ids(), dtype=np.int64)
    order = np.argsort(held, kind="stable")
    return index.vectors()[order[np.searchsorted(held[order], ids)]]
