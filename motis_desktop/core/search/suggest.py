"""What to say when a search found nothing (QA walk 6 #8): "Did you mean …?" for a word looked for in the photos'
text that no photo holds, from the words read in them (their FTS5 index's vocabulary), and the span of the photos'
dates for a date filter that let nothing through. The one owner of both: the searcher attaches them to an empty
result (``QueryResult.suggestions``, ``QueryResult.date_span``) and the front ends say :meth:`WordSuggestion.
sentence` and :func:`date_span_words` (the window makes the suggested query a button).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from motis_desktop.core.formatting import count
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.ocr.textnorm import fold, words
from motis_desktop.core.search.query import Query

MIN_LENGTH = 4  # shorter words have too many neighbours one edit away to guess from
MAX_SUGGESTIONS = 2  # typed words with a suggestion, per query
_VOCAB = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.text_vocab USING fts5vocab(main, 'text_fts', 'row')"
_LETTERS = re.compile(r"[^\W\d_]+")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class WordSuggestion:
    """A typed word no photo's text holds, and the word read in the photos it most likely meant."""

    typed: str  # as typed in the query
    word: str  # a word read in the photos (folded), one or two edits away
    photos: int  # photos whose text holds ``word``
    query: str  # the query with ``typed`` replaced by ``word``: what "Did you mean" searches for

    def sentence(self) -> str:
        """'No photo shows the text “invoce”. Did you mean invoice (3 photos)?'"""
        return f"No photo shows the text “{self.typed}”. Did you mean {self.word} ({count(self.photos, 'photo')})?"

    def to_json(self) -> dict[str, object]:
        return {"typed": self.typed, "word": self.word, "photos": self.photos, "query": self.query}


def max_edits(word: str) -> int:
    """Edits allowed between a typed word and a suggestion: one for a short word, two from six letters on."""
    return 1 if len(word) < 6 else 2


def edits(a: str, b: str, limit: int) -> int:
    """The optimal string alignment distance of ``a`` and ``b`` (insertions, deletions, substitutions and swaps of
    two neighbours: "recieve"), or ``limit + 1`` as soon as it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before, row = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def suggest_words(store: LibraryStore, query: Query) -> tuple[WordSuggestion, ...]:
    """For each word of ``query``'s ``text:`` phrases and plain terms that no photo's text holds (nor begins), the
    word read in the photos closest to it (fewest edits, then in the most lines); () when the text index has none."""
    typed = [w for phrase in query.text_phrases for w in words(phrase)]
    typed += [w for t in query.terms if t.text and t.weight > 0 for w in words(t.text)]
    store.select(_VOCAB)  # a temporary table over the index: nothing is written to the library
    found: list[WordSuggestion] = []
    for word in dict.fromkeys(typed):
        if len(word) < MIN_LENGTH or word.isdigit() or _known(store, word):
            continue
        best = _closest(store, word)
        if best is not None:
            found.append(WordSuggestion(_as_typed(query.source, word), best, _photos(store, best), ""))
        if len(found) == MAX_SUGGESTIONS:
            break
    return tuple(
        WordSuggestion(s.typed, s.word, s.photos, _replaced(query.source, s.typed, s.word)) for s in found if s.photos
    )


def _known(store: LibraryStore, word: str) -> bool:
    """Whether a word read in the photos is ``word`` or begins with it (a search finds those)."""
    rows = store.select("SELECT 1 FROM temp.text_vocab WHERE term >= ? AND term < ? LIMIT 1", (word, word + "\uffff"))
    return bool(rows)


def _closest(store: LibraryStore, word: str) -> str | None:
    """The word read in the photos fewest edits from ``word`` (then the one in most lines). Only words that begin
    with its first letter, or with its first two swapped, are compared: a range of the index, not all of it (at
    100k words, comparing each took most of a second), and a typo in the first letter is the rarest."""
    limit = max_edits(word)
    rows = []
    for start in dict.fromkeys((word[0], word[1] + word[0])):
        rows += store.select(
            "SELECT term, doc FROM temp.text_vocab WHERE term >= ? AND term < ? AND length(term) >= ?",
            (start, start + "\uffff", len(word) - limit),
        )
    lines: dict[str, int] = {}
    for term, doc in rows:  # OCR glues words to numbers ("INVOICE 2024" read as invoice2024): its letters count
        letters = _LETTERS.match(str(term))
        if letters is not None and abs(len(letters[0]) - len(word)) <= limit:
            lines[letters[0]] = lines.get(letters[0], 0) + int(doc)
    scored = [(edits(word, term, limit), -doc, term) for term, doc in lines.items()]
    best = min((s for s in scored if s[0] <= limit), default=None)
    return None if best is None else best[2]


def _photos(store: LibraryStore, word: str) -> int:
    """Library photos whose read text holds ``word`` or a word it begins (as a search finds them)."""
    rows = store.select(
        "SELECT COUNT(DISTINCT l.file_id) FROM text_fts t JOIN text_lines l ON l.id = t.rowid "
        "JOIN files f ON f.id = l.file_id WHERE text_fts MATCH ?",
        ('"' + word.replace('"', '""') + '"*',),
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
