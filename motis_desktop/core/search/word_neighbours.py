"""The words of one of the library's FTS5 word indexes (the text read in photos, the file and folder names) that a
typed word is likely a typo of: fewest edits away, then in the most rows. For "Did you mean …?" (``suggest.py``).

The method: FTS5's vocabulary table (``fts5vocab``: the index's words in order, each with the rows holding it)
read by *ranges* of words sharing a beginning, never whole (200k words at 100k photos; reading and comparing each
took most of a second), and an edit-distance bound that says which ranges can hold a candidate:

- a word a few edits from the typed one keeps its first ``kept`` letters (two; a third of a long word, up to
  four) when no edit falls among them: one range, every word in it compared (:func:`edits`, up to
  :func:`max_edits`);
- a single edit *among* those first letters (the first letter wrong: "ueceipt") is spelt out: for each place,
  the letter left out, two letters swapped, and each letter of the index's alphabet put in or instead (the
  letters its words begin with: ``kept`` × 2 × ~30 short range look-ups, one statement).

So every word one edit away is found wherever the edit is, and two edits after the first ``kept`` letters
(``benchmarks/bench_suggest.py``: 200k words, tens of ms on a loaded machine where comparing a whole letter's range
took 0.1-0.4 s). OCR glues words to numbers ("INVOICE 2024" read as invoice2024): a word's
letters before its first digit are what is compared.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from motis_desktop.core.library.store import LibraryStore

MAX_ALPHABET = 64  # letters an index's words begin with, read at most (a page of CJK text has thousands)
_LETTERS = re.compile(r"[^\W\d_]+")


def max_edits(word: str) -> int:
    """Edits allowed between a typed word and a suggestion: one for a short word, two from six letters on."""
    return 1 if len(word) < 6 else 2


def edits(a: str, b: str, limit: int) -> int:
    """The optimal string alignment distance of ``a`` and ``b`` (insertions, deletions, substitutions and swaps of
    two neighbours: "recieve"), or ``limit + 1`` as soon as it exceeds ``limit``. Their common beginning and end
    are left out first (they change no distance, and the words of a range share their first letters)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end = 0
    while end < len(a) - start and end < len(b) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
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
    return min(row[-1], limit + 1)


def kept_letters(word: str) -> int:
    """How many first letters of ``word`` the range compared whole shares: a third of it, two to four (past four,
    the look-ups spelt out would grow with a long word, and its range is short already)."""
    return min(4, max(2, len(word) // 3))


def one_edit_starts(word: str, kept: int, alphabet: str) -> set[str]:
    """The beginnings of the words one edit from ``word`` that edit among its first ``kept`` letters: that letter
    left out, swapped with the next, each letter of ``alphabet`` put before it or in its place."""
    starts = set()
    for at in range(min(kept, len(word))):
        head = word[:at]
        starts.add(head + word[at + 1 :])
        if at + 1 < len(word):
            starts.add(head + word[at + 1] + word[at] + word[at + 2 :])
        for letter in alphabet:
            starts.update((head + letter + word[at + 1 :], head + letter + word[at:]))
    starts.discard(word)
    return {s for s in starts if s}


class Vocabulary:
    """One FTS5 index's words (``index``: ``text_fts``, ``names_fts``), through a temporary ``fts5vocab`` table
    over it: nothing is written to the library."""

    def __init__(self, store: LibraryStore, index: str) -> None:
        # 'row': a row per word, with the rows holding it, counted along its whole list (a word in 100k names:
        # ms); 'instance': a row per occurrence, nothing counted: what finds a word, not how often, reads this
        self.store, self.table, self.words = store, f"temp.{index}_vocab", f"temp.{index}_words"
        for table, kind in ((self.table, "row"), (self.words, "instance")):
            store.select(f"CREATE VIRTUAL TABLE IF NOT EXISTS {table} USING fts5vocab(main, '{index}', '{kind}')")
        self._alphabet: str | None = None

    def holds(self, word: str) -> bool:
        """Whether a word of the index is ``word`` or begins with it (a search finds those)."""
        sql = f"SELECT 1 FROM {self.words} WHERE term >= ? AND term < ? LIMIT 1"
        return bool(self.store.select(sql, (word, word + "\uffff")))

    def closest(self, word: str, most_rows: Callable[[], float] | None = None) -> tuple[int, int, str] | None:
        """The word of the index fewest edits from ``word`` (at most :func:`max_edits`), then in the most rows:
        ``(edits, -rows, word)``, or None. Words in more than ``most_rows()`` rows are passed over (asked only
        when a word is near)."""
        limit, kept = max_edits(word), kept_letters(word)
        rows = self.store.select(  # edits after the first ``kept`` letters
            f"SELECT term, doc FROM {self.table} WHERE term >= ? AND term < ? AND length(term) >= ?",
            (word[:kept], word[:kept] + "\uffff", len(word) - limit),
        )
        starts = sorted(one_edit_starts(word, kept, self.alphabet() + word))
        if starts:  # one edit among them: each beginning a short range (CROSS JOIN: the ranges lead, one by one)
            values = ",".join("(?)" for _ in starts)
            rows += self.store.select(
                f"WITH s(lo) AS (VALUES {values}) SELECT v.term, v.doc FROM s CROSS JOIN {self.table} v "
                "ON v.term >= s.lo AND v.term < s.lo || char(65535)",
                starts,
            )
        lines: dict[str, int] = {}
        for term, doc in dict(rows).items():  # the letters of a word glued to a number count ("invoice2024")
            letters = _LETTERS.match(str(term))
            if letters is not None and letters[0] != word and abs(len(letters[0]) - len(word)) <= limit:
                lines[letters[0]] = lines.get(letters[0], 0) + int(doc)
        scored = [(edits(word, term, limit), -doc, term) for term, doc in lines.items()]
        near = sorted(s for s in scored if s[0] <= limit)
        bound = most_rows() if near and most_rows is not None else None
        return next((s for s in near if bound is None or -s[1] <= bound), None)

    def alphabet(self) -> str:
        """The letters the index's words begin with (up to :data:`MAX_ALPHABET`), each found by one look-up
        past the last: a skip along the index's order."""
        if self._alphabet is None:
            found: list[str] = []
            after = "\x01"
            while len(found) < MAX_ALPHABET:
                row = self.store.select(f"SELECT term FROM {self.words} WHERE term >= ? LIMIT 1", (after,))
                if not row or not str(row[0][0]):
                    break
                first = str(row[0][0])[0]
                found.append(first)
                if ord(first) >= 0x10FFFF:
                    break
                after = chr(ord(first) + 1)
            self._alphabet = "".join(c for c in found if c.isalpha())
        return self._alphabet
