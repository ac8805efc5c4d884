"""One ranked list from three signals: the embedding (meaning), the text read in the photo, the file/folder name.

**The rule: weighted reciprocal rank fusion.** Each signal ranks photos on its own:

- *meaning*: cosine of the photo's embedding to the query vector (every photo has a rank);
- *text*: photos whose OCR text holds query words (whole words, words starting with a query word of four or
  more letters, or ending with one of five or more: ``textnorm.word_hit``), ranked by the number of distinct
  query words found, then BM25 (SQLite FTS5);
- *name*: the same over the file's path below its library folder (``Trips/wifi-password.png`` holds
  "trips wifi password png"); words found in more than a fifth of the library are ignored (``img``, ``jpg``).

A photo's fused score is ``Σ W·w / (K + rank)`` over the signals that rank it, with ``K = 60`` (the usual RRF
constant), ``W`` = 1 for meaning and names and 2 for the text read in the photo (``SIGNAL_WEIGHTS``), and,
for text and name, ``w`` = the share of the query's words that signal found in the photo (words weighted by
their term's weight, as in ``2:red + blue``; text and name hits are ranked by that share, then by BM25). So a
photo showing *every* word of the query ("platform 9" on a sign) gets ``2/61`` from its text, more than the
best embedding rank (``1/61``) plus anything, and rises to the top; a photo that shows one word of "receipt
Müller" gets ``1/61`` from its text plus its embedding rank: a receipt that says MÜLLER rises above the receipts
that do not, while a photo that is not a receipt but says Müller ranks with the best receipts. A file named
``wifi-password.png`` gets ``1/61`` from its name plus its embedding rank, above every photo matched by meaning
alone. Query words that are very common in text (``STOPWORDS``) do not count. Ranks, not raw scores, are
fused, so no calibration of cosines against BM25 is needed; the measured effect (text weight 1 and 2) is in
``docs/benchmarks.md``.

**What is shown**: with the relevance cut-off, the photos that pass it by meaning plus every photo the text or
the name matched, in fused order (a query of subtracted terms only, "-red": every photo "red" would not show,
least red first; ``cutoff.opposite``); without it, the top ``limit`` of the fused order. Each content is ranked
once (``contents.py``: a photo's copies take one rank, in every signal), so both count photos, not files. Each
hit keeps its cosine as ``score`` and carries ``fused`` and the ``matches`` that explain it (lines read with their
boxes and the matched words' boxes; or the name). ``text:"…"`` and ``name:…`` are filters (applied before ranking,
with the folder and date filters); their words also rank like plain words.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.ocr.text_store import StoredLine, TextHit, TextStore
from motis_desktop.core.ocr.textnorm import fold, word_hit, words, zero_for_o
from motis_desktop.core.search.contents import ContentTable
from motis_desktop.core.search.copies import on_disk_path, standing_in
from motis_desktop.core.search.cutoff import Cutoff, opposite
from motis_desktop.core.search.query import Query
from motis_desktop.core.search.query_vector import query_vector
from motis_desktop.core.search.service import CUTOFF_CAP, QueryResult, SearchHit, SearchService, TextMatch
from motis_desktop.core.search.text_cache import TextVectorCache
from motis_desktop.core.vectors import scores_of

if TYPE_CHECKING:
    from motis_desktop.core.models.engine import Encoder

RRF_K = 60
# What the text read in a photo counts for against the other signals: words the user typed that are written in
# the photo are strong evidence (measured: 1 left the fused ranking below text-only on text queries, see
# docs/benchmarks.md); file and folder names count once.
SIGNAL_WEIGHTS = {"text": 2.0, "name": 1.0}
MEANING_DEPTH = 200  # embedding ranks looked at for fusion (photos below get rank DEPTH + 1 + their order)
_LOOKED_UP_MAX = 20_000  # text:/name: matches up to this many are checked for a vector by id, not by reading all
STOPWORDS = frozenset(
    "a an the of in on at to and or with for from by is are this that photo photos picture image der die das "
    "und mit von im am ein eine le la les de des du et un une el los las y".split()
)


@dataclass(frozen=True)
class Ranked:
    file_id: int
    fused: float
    cosine: float | None
    text_share: float
    name_share: float


def query_words(query: Query) -> dict[str, float]:
    """The folded words of the query's positive text terms (with their term's weight) and of its
    ``text:``/``name:`` values (weight 1), stopwords out."""
    out: dict[str, float] = {}
    parts = [(t.text or "", t.weight) for t in query.terms if t.text is not None and t.weight > 0]
    parts += [(value, 1.0) for value in (*query.text_phrases, *query.name_parts)]
    for text, weight in parts:
        for word in words(text):
            if word not in STOPWORDS:
                out[word] = max(out.get(word, 0.0), weight)
    return out


def _fuse_ranked(
    meaning: list[tuple[int, int, float]],
    depth: int,
    text: list[TextHit],
    name: list[TextHit],
    weights: dict[str, float],
    extra_cosines: dict[int, float] | None = None,
) -> list[Ranked]:
    """Fused order of some of the meaning ranks, each as ``(rank, id, cosine)`` out of ``depth`` ranks (the photos
    a caller knows cannot be shown need not be fused), and the ``text`` and ``name`` hits; ``weights``: the query's
    words and their weights (a hit's share is the weight of the words it holds over the total)."""
    total = sum(weights.values()) or 1.0
    scores: dict[int, float] = {}
    cosines: dict[int, float] = {}
    for rank, fid, cosine in meaning:
        scores[fid] = 1.0 / (RRF_K + rank)
        cosines[fid] = cosine
    extras = sorted((extra_cosines or {}).items(), key=lambda kv: -kv[1])
    for offset, (fid, cosine) in enumerate(extras, 1):
        if fid not in cosines:
            scores[fid] = 1.0 / (RRF_K + depth + offset)
            cosines[fid] = cosine
    shares: dict[str, dict[int, float]] = {"text": {}, "name": {}}
    for kind, hits in (("text", text), ("name", name)):
        weighted = [(min(1.0, sum(weights.get(w, 0.0) for w in h.found) / total) if h.found else 1.0, h) for h in hits]
        weighted.sort(key=lambda sh: (-sh[0], sh[1].bm25))
        for rank, (share, hit) in enumerate(weighted, 1):
            shares[kind][hit.file_id] = share
            scores[hit.file_id] = scores.get(hit.file_id, 0.0) + SIGNAL_WEIGHTS[kind] * share / (RRF_K + rank)
    ranked = [
        Ranked(fid, s, cosines.get(fid), shares["text"].get(fid, 0.0), shares["name"].get(fid, 0.0))
        for fid, s in scores.items()
    ]
    ranked.sort(key=lambda r: (-r.fused, -(r.cosine if r.cosine is not None else -2.0), r.file_id))
    return ranked


def fused_query(
    service: SearchService,
    store: LibraryStore,
    encoder: Encoder,
    query: Query,
    limit: int | None,
    cutoff: bool,
    allowed: np.ndarray | None,
    text_cache: TextVectorCache | None,
    contents: ContentTable,
    signals: tuple[str, ...] = ("meaning", "text", "name"),
    strategy: str | None = None,
) -> QueryResult:
    """Run ``query`` ranking by the fused ``signals`` (see the module's docstring); ``allowed``: the ids the
    folder/date filters let through (None: all); ``contents``: the library's copies (one rank per content).
    ``signals`` chooses a subset (benchmarks compare them); ``strategy`` names the vector index for this call."""
    model_id = encoder.model_id
    texts = TextStore(store)
    meaning_wanted = bool(query.terms) and "meaning" in signals
    allowed = _text_filters(allowed, query, texts, store, model_id)
    qwords = query_words(query)
    text_found = texts.text_hits(list(qwords)) if "text" in signals else []
    name_found = texts.name_hits(list(qwords)) if "name" in signals else []
    qv = query_vector(encoder, store, query, text_cache) if meaning_wanted else None
    vector = qv.vector if qv is not None else None
    if qv is not None and vector is None and not (query.text_phrases or query.name_parts):
        return QueryResult([], 0, 0, cancelled=True)
    # one file per content (contents.py): a content's copies take one rank; find similar leaves the photo's out
    index = service.index_for(model_id, strategy)
    plan = contents.plan(allowed, len(index), lambda: np.asarray(index.ids()), qv.library_ids if qv else ())
    stand_in = standing_in(store, contents, allowed)  # a shown file gone since the last scan: a copy on disk
    text_hits, name_hits = plan.hits(_kept(text_found, allowed)), plan.hits(_kept(name_found, allowed), name=True)
    allowed, exclude, candidates = plan.allowed, plan.exclude, plan.candidates
    wanted = min(limit or CUTOFF_CAP, CUTOFF_CAP) if cutoff else (limit or candidates)

    cut: Cutoff | None = None
    if vector is not None and cutoff:
        cut = _cutoff(service, model_id, vector, query, strategy, qv.subtracted if qv else (), contents)
    # Without word hits only the meaning ranks that pass the cut-off are used (fused, shown, checked on
    # disk): the ranking may leave out the photos below it. Word hits need the whole depth (their ranks).
    floor = cut.threshold if cut is not None and not (text_found or name_found) else None

    on_disk: dict[int, str | None] = {}  # file id -> its path when the file is on disk (looked up as needed)
    listed = allowed if vector is None else None
    depth = max(MEANING_DEPTH, wanted)
    ranks = service.ranked(model_id, vector, depth, allowed, exclude, strategy, floor) if vector is not None else None
    meaning = list(zip(ranks[0].tolist(), ranks[1].tolist(), strict=True)) if ranks is not None else []
    moved = plan.named  # a content's ranked file -> the file shown for it (its name matched; it stands in)

    def fused(meaning: list[tuple[int, float]]) -> list[Ranked]:
        out = _shown(store, model_id, vector, meaning, text_hits, name_hits, qwords, listed, exclude, cut)
        return [replace(r, file_id=moved[r.file_id]) if r.file_id in moved else r for r in out] if moved else out

    shown = _photos(store, on_disk, meaning, fused, wanted, text_hits + name_hits, moved, stand_in)
    hits = _shown_hits(service, texts, shown, on_disk, query, list(qwords), signals)
    # "-red": the scores are negated cosines, about 0 for every photo that is not red; they rank, but mean nothing
    opposite = vector is not None and query.only_subtracts
    more = max(candidates - len(hits), 0)
    return QueryResult(hits, more, candidates, cut, scored=vector is not None and not opposite, subtracts_only=opposite)


def _photos(
    store: LibraryStore,
    on_disk: dict[int, str | None],
    meaning: list[tuple[int, float]],
    fused: Callable[[list[tuple[int, float]]], list[Ranked]],
    wanted: int,
    word_hits: list[TextHit],
    moved: dict[int, int],
    stand_in: Callable[[int, dict[int, str | None]], int | None],
) -> list[Ranked]:
    """The ``wanted`` best photos of the ``fused`` order of the ``meaning`` ranks (one file per content), none gone
    from disk: a file gone is ranked as if it were never there, but where a copy of it is on disk (``stand_in``,
    a few looked up) that copy is shown in its place (``moved``); fills ``on_disk`` for them."""
    dead: set[int] = set()
    while True:
        shown = [r for r in fused(meaning) if r.file_id not in dead][:wanted]
        gone = _missing_above(store, on_disk, meaning, shown, word_hits) - moved.keys()
        gone |= {r.file_id for r in shown if on_disk[r.file_id] is None}
        if not gone:
            return shown
        for fid in gone:
            for key in [k for k, v in moved.items() if v == fid]:
                del moved[key]  # the copy its name matched is gone: the content's ranked file is shown
            copy = stand_in(fid, on_disk)
            if copy is None:
                dead.add(fid)
            else:
                moved[fid] = copy
        meaning = [m for m in meaning if m[0] not in dead]


def _kept(hits: list[TextHit], allowed: np.ndarray | None) -> list[TextHit]:
    """``hits`` but those not ``allowed`` (None: all are)."""
    if allowed is None or not hits:
        return hits
    inside = np.isin(np.fromiter((h.file_id for h in hits), dtype=np.int64, count=len(hits)), allowed)
    return [h for h, ok in zip(hits, inside.tolist(), strict=True) if ok]


def _cutoff(
    service: SearchService,
    model_id: str,
    vector: np.ndarray,
    query: Query,
    strategy: str | None,
    subtracted: tuple[np.ndarray, ...],
    contents: ContentTable,
) -> Cutoff:
    """The relevance cut-off of the query ``vector``, against one file per content (500 copies of a red photo made
    the red the background); for a query of subtracted terms only ("-red"), every photo its opposite ("red")
    would not show (``cutoff.opposite``)."""
    copies = contents.redundant
    if query.only_subtracts:
        return opposite(service.cutoff_for(model_id, -vector, strategy, left_out=copies))
    return service.cutoff_for(model_id, vector, strategy, subtracted, left_out=copies)


def _text_filters(
    allowed: np.ndarray | None, query: Query, texts: TextStore, store: LibraryStore, model_id: str
) -> np.ndarray | None:
    """``allowed`` narrowed to the photos every ``text:`` phrase and ``name:`` part lets through."""
    for phrase in query.text_phrases:
        allowed = _intersect(allowed, texts.phrase_ids(phrase), store, model_id)
    for part in query.name_parts:
        allowed = _intersect(allowed, texts.name_ids(part), store, model_id)
    return allowed


def _shown(
    store: LibraryStore,
    model_id: str,
    vector: np.ndarray | None,
    meaning: list[tuple[int, float]],
    text_hits: list[TextHit],
    name_hits: list[TextHit],
    qwords: dict[str, float],
    listed: np.ndarray | None,
    exclude: frozenset[int],
    cut: Cutoff | None,
) -> list[Ranked]:
    """The fused order of the signals, cut to the photos that pass the relevance cut-off (when one is set);
    ``listed``: the photos a query without meaning lets through (its ``text:``/``name:`` filters), all shown."""
    word_ids = {h.file_id for h in text_hits + name_hits}
    extra_ids = word_ids.difference(fid for fid, _ in meaning) if word_ids else set()
    extra_cosines = _cosines(store, model_id, vector, extra_ids) if vector is not None and extra_ids else {}
    # Only the ranks that can be shown are fused: with the cut-off, those that pass it or that words matched
    # (a photo's fused score depends on its own ranks alone, not on the photos fused beside it).
    if cut is None:
        ranks = [(rank, fid, cosine) for rank, (fid, cosine) in enumerate(meaning, 1)]
    else:  # cut.passes, inlined: 1,000 ranks per query
        bar = cut.threshold
        ranks = [(r, fid, cosine) for r, (fid, cosine) in enumerate(meaning, 1) if cosine >= bar or fid in word_ids]
    fused = _fuse_ranked(ranks, len(meaning), text_hits, name_hits, qwords, extra_cosines)
    if listed is not None:  # only text:/name: filters: every photo they let through, those whose words rank first
        skip = {r.file_id for r in fused} | exclude
        fused += [Ranked(fid, 0.0, None, 0.0, 0.0) for fid in np.unique(listed).tolist() if fid not in skip]
    if cut is not None:
        fused = [r for r in fused if r.text_share or r.name_share or (r.cosine is not None and cut.passes(r.cosine))]
    return fused


def _missing_above(
    store: LibraryStore,
    on_disk: dict[int, str | None],
    meaning: list[tuple[int, float]],
    shown: list[Ranked],
    word_hits: list[TextHit],
) -> set[int]:
    """Files gone from disk among the meaning ranks that decide ``shown`` (every rank down to the lowest of a
    shown photo or a photo the words matched; one file per content: a library of many copies costs no ``lstat``
    each); fills ``on_disk`` for them and for ``shown``. Only these few files are looked up, not the whole
    meaning depth."""
    deciding = {r.file_id for r in shown} | {h.file_id for h in word_hits}
    lowest = next((i for i in range(len(meaning) - 1, -1, -1) if meaning[i][0] in deciding), -1)
    above = [fid for fid, _ in meaning[: lowest + 1]]
    _missing(store, on_disk, above + [r.file_id for r in shown])
    return {fid for fid in above if on_disk[fid] is None}


def _missing(store: LibraryStore, on_disk: dict[int, str | None], file_ids: list[int]) -> set[int]:
    """Those of ``file_ids`` gone from disk; fills ``on_disk`` for those it did not know."""
    unknown = [f for f in dict.fromkeys(file_ids) if f not in on_disk]
    paths = store.paths(unknown)
    for fid in unknown:
        path = paths.get(fid)
        on_disk[fid] = on_disk_path(path)
    return {fid for fid in file_ids if on_disk[fid] is None}


def _shown_hits(
    service: SearchService,
    texts: TextStore,
    shown: list[Ranked],
    on_disk: dict[int, str | None],
    query: Query,
    qwords: list[str],
    signals: tuple[str, ...],
) -> list[SearchHit]:
    """The hits to show: files still on disk (``on_disk``), with their dates and why their words matched, in the
    query's order."""
    kept = [(r, path) for r in shown if (path := on_disk.get(r.file_id)) is not None]
    words_shown = (bool(qwords) and "text" in signals) or bool(query.text_phrases)
    lines = texts.lines_of_many(r.file_id for r, _ in kept) if words_shown else {}
    hits = []
    for r, path in kept:
        cosine = r.cosine if r.cosine is not None else 0.0
        hit = SearchHit(r.file_id, path, cosine, fused=round(r.fused, 6))
        read = lines.get(r.file_id, ([], (0, 0)))
        matches = _explain(hit, read, qwords, query.text_phrases, "text" in signals, r.name_share > 0)
        hits.append(replace(hit, matches=matches) if matches else hit)
    hits = service.with_dates(hits)
    if query.sort == "date":
        hits.sort(key=lambda h: -(h.taken_at or 0.0))
    return hits


def _explain(
    hit: SearchHit,
    read: tuple[list[StoredLine], tuple[int, int]],
    qwords: list[str],
    phrases: tuple[str, ...],
    text_ranks: bool,
    name_ranked: bool,
) -> tuple[TextMatch, ...]:
    """Why ``hit`` matched words, given its text lines and image size (``read``, from ``TextStore.lines_of_many``):
    the lines holding query words (when text ranks) or a ``text:`` phrase, with the boxes of the matched words;
    and its file name when that holds query words and its name counted in the ranking (``name_ranked``: not for
    a word too common in names to count)."""
    text_words = set(qwords) if text_ranks else set()
    folded_phrases = [zero_for_o(" ".join(fold(p).split())) for p in phrases]  # as TextStore.phrase_ids finds them
    phrase_words = {zero_for_o(w) for p in phrases for w in words(p)}
    out: list[TextMatch] = []
    lines, size = read
    if lines and (text_words or folded_phrases):
        for line in lines:
            found = {w for w in text_words if any(word_hit(x, w) for x in words(line.text))}
            norm = zero_for_o(" ".join(fold(line.text).split()))
            if not found and not any(p and p in norm for p in folded_phrases):
                continue
            boxes = [
                (word, box)
                for word, box in line.words
                if any(word_hit(x, q) for x in words(word) for q in found)
                or any(
                    # the phrase glued inside one word ("number1o05" for "1005"): that word
                    x in phrase_words or any(x in p or (p and p.replace(" ", "") in x) for p in folded_phrases)
                    for x in map(zero_for_o, words(word))
                )
            ]
            out.append(TextMatch("text", line.text, line.box, tuple(boxes), line.confidence, size))
    if name_ranked and (name := _named(hit.path, qwords)):
        out.append(TextMatch("name", name))
    return tuple(out)


def _named(path: str, qwords: list[str]) -> str:
    """The name in ``path`` that holds query words: the file's, else the nearest folder's, "Beach day/" (QA walk 9:
    a folder's name put its photos there without a word of why, and the demo's equal cosines read as a colour
    match); "" when none does."""
    name = os.path.basename(path)
    if any(word_hit(x, w) for x in words(os.path.splitext(name)[0]) for w in qwords):
        return name
    folder = os.path.dirname(path)
    while (above := os.path.dirname(folder)) != folder:
        if any(word_hit(x, w) for x in words(os.path.basename(folder)) for w in qwords):
            return os.path.basename(folder) + "/"
        folder = above
    return ""


def _intersect(allowed: np.ndarray | None, ids: set[int], store: LibraryStore, model_id: str) -> np.ndarray:
    """``ids`` among ``allowed`` (None: the photos with a vector; looked up for these ids when they are fewer
    than the library's ~100k: reading every id took ~100 ms of each ``text:`` query at 100k photos)."""
    if allowed is None and len(ids) <= _LOOKED_UP_MAX:
        return store.embedded(model_id, ids)
    if allowed is None:
        allowed = store.embedding_ids(model_id)
    keep = np.fromiter(ids, dtype=np.int64, count=len(ids))
    return np.intersect1d(allowed, keep)


def _cosines(store: LibraryStore, model_id: str, vector: np.ndarray, ids: set[int]) -> dict[int, float]:
    found, vectors = store.vectors_of(model_id, np.fromiter(ids, dtype=np.int64, count=len(ids)))
    if not len(found):
        return {}
    scores = scores_of(vectors, vector)
    return {int(i): float(s) for i, s in zip(found, scores)}
