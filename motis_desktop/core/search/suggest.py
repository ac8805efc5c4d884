"""What to say when a search found nothing (QA walk 6 #8): "Did you mean …?" for a typed word that no photo's text
holds, from the words read in them, or, for a plain word (not ``text:``), from the words of the photos' file and
folder names (their FTS5 indexes' vocabularies, ``word_neighbours.py``: a typo one edit away is found wherever the
edit is, the first letter too), and the span of the photos' dates for a date filter that let nothing through. The
one owner of both: the searcher attaches them to an empty result (``QueryResult.suggestions``,
``QueryResult.date_span``) and the front ends say :meth:`WordSuggestion.sentence` and :func:`date_span_words` (the
window makes the suggested query a button).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from enum import Enum
from functools import partial

from motis_desktop.core.formatting import count
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.ocr.text_store import NAME_WORD_MAX_SHARE
from motis_desktop.core.ocr.textnorm import fold, words
from motis_desktop.core.search.query import Query
from motis_desktop.core.search.word_neighbours import Vocabulary

MIN_LENGTH = 4  # shorter words have too many neighbours one edit away to guess from
MAX_SUGGESTIONS = 2  # typed words with a suggestion, per query
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class WordSource(Enum):
    """Where a suggested word is from, and so what searching for it finds."""

    TEXT = "text"  # read in the photos (``text_fts``): ``text:`` and plain words find it
    NAME = "name"  # a word of a photo's file or folder name below its library folder (``names_fts``): plain words


@dataclass(frozen=True)
class WordSuggestion:
    """A typed word no photo's text (nor, for a plain word, name) holds, and the word it most likely meant."""

    typed: str  # as typed in the query
    word: str  # a word read in the photos or of their names (folded), one or two edits away
    photos: int  # photos whose text (``source``: or name) holds ``word``
    query: str  # the query with ``typed`` replaced by ``word``: what "Did you mean" searches for
    source: WordSource = WordSource.TEXT

    def sentence(self) -> str:
        """'No photo shows the text “invoce”. Did you mean invoice (3 photos)?'; for a word of the photos' names,
        'No photo's text or name holds “gardne”. Did you mean garden (3 photos by name)?'"""
        photos = count(self.photos, "photo")
        if self.source is WordSource.NAME:
            return f"No photo's text or name holds “{self.typed}”. Did you mean {self.word} ({photos} by name)?"
        return f"No photo shows the text “{self.typed}”. Did you mean {self.word} ({photos})?"

    def to_json(self) -> dict[str, object]:
        return {
            "typed": self.typed,
            "word": self.word,
            "photos": self.photos,
            "query": self.query,
            "source": self.source.value,
        }


def suggest_words(store: LibraryStore, query: Query) -> tuple[WordSuggestion, ...]:
    """For each word of ``query``'s ``text:`` phrases and plain terms that no photo's text holds (nor begins), nor
    for a plain term its name, the word closest to it (:func:`_closest`); () when none is near."""
    in_text = [w for phrase in query.text_phrases for w in words(phrase)]
    plain = [w for t in query.terms if t.text and t.weight > 0 for w in words(t.text)]
    text, names = Vocabulary(store, "text_fts"), Vocabulary(store, "names_fts")
    found: list[WordSuggestion] = []
    for word in dict.fromkeys(in_text + plain):
        # as a search looks: ``text:`` in the photos' text only, a plain word in their names too
        vocabularies = [(WordSource.TEXT, text)] + ([(WordSource.NAME, names)] if word in plain else [])
        if len(word) < MIN_LENGTH or word.isdigit() or any(v.holds(word) for _, v in vocabularies):
            continue
        best = _closest(word, vocabularies)
        if best is not None:
            meant, source = best
            found.append(
                WordSuggestion(_as_typed(query.source, word), meant, _photos(store, meant, source), "", source)
            )
        if len(found) == MAX_SUGGESTIONS:
            break
    return tuple(
        WordSuggestion(s.typed, s.word, s.photos, _replaced(query.source, s.typed, s.word), s.source)
        for s in found
        if s.photos
    )


def _closest(word: str, vocabularies: list[tuple[WordSource, Vocabulary]]) -> tuple[str, WordSource] | None:
    """The word of ``vocabularies`` fewest edits from ``word``, then in the most rows (lines read, names), the
    first vocabulary's on a tie; with where it is from. Not a word of so many names that a search passes over it
    ("jpg", ``TextStore.name_hits``): "Did you mean" would find nothing."""
    near = []
    for order, (source, vocabulary) in enumerate(vocabularies):
        found = vocabulary.closest(word, partial(_specific, vocabulary.store) if source is WordSource.NAME else None)
        if found is not None:
            near.append((found[0], found[1], order, found[2]))
    if not near:
        return None
    best = min(near)
    return best[3], vocabularies[best[2]][0]


def _specific(store: LibraryStore) -> float:
    """The most names a word may be in for a search to look for it (``TextStore.name_hits``' rule)."""
    return max(1, NAME_WORD_MAX_SHARE * int(store.select("SELECT COUNT(*) FROM names")[0][0]))


def _photos(store: LibraryStore, word: str, source: WordSource) -> int:
    """Library photos whose read text (or name) holds ``word`` or a word it begins (as a search finds them)."""
    term = ('"' + word.replace('"', '""') + '"*',)
    if source is WordSource.NAME:  # a name's row is its file's: removed with it
        rows = store.select("SELECT COUNT(*) FROM names_fts WHERE names_fts MATCH ?", term)
    else:
        rows = store.select(
            "SELECT COUNT(DISTINCT l.file_id) FROM text_fts t JOIN text_lines l ON l.id = t.rowid "
            "JOIN files f ON f.id = l.file_id WHERE text_fts MATCH ?",
            term,
        )
    return int(rows[0][0]) if rows else 0


def _as_typed(source: str, folded: str) -> str:
    """The word of ``source`` that folds to ``folded``, as the user typed it (``Recipt``)."""
    for match in re.finditer(r"\w+", source):
        if fold(match[0]) == folded:
            return match[0]
    return folded


def _replaced(source: str, typed: str, word: str) -> str:
    """``source`` with the word ``typed`` replaced by ``word`` (the query "Did you mean" runs)."""
    return re.sub(rf"(?<!\w){re.escape(typed)}(?!\w)", word, source, count=1)


def date_span_words(span: tuple[float, float]) -> str:
    """'your photos run from Jan 2020 to Dec 2026' (months in English, whatever the locale)."""
    first, last = (time.localtime(t) for t in span)
    start, end = f"{_MONTHS[first.tm_mon - 1]} {first.tm_year}", f"{_MONTHS[last.tm_mon - 1]} {last.tm_year}"
    return f"your photos are all from {start}" if start == end else f"your photos run from {start} to {end}"
