"""How text is folded for matching, the same for what photos say, file names and queries.

Lower case (``casefold``: ß → ss), compatibility forms unified (NFKD: ligatures, full-width letters) and
accents removed, so "MÜLLER", "Müller" and "muller" are one word; SQLite's ``unicode61 remove_diacritics 2``
tokenizer folds the same way for the word index.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    # A file name that is not valid UTF-8 arrives with surrogate escapes (os.fsdecode); SQLite cannot store
    # those, so they become U+FFFD here: the name index only needs the readable words.
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped.casefold())


def words(text: str) -> list[str]:
    """The folded words of ``text`` (letters and digits; punctuation and underscores split)."""
    return [w for w in _WORD.findall(fold(text).replace("_", " ")) if w]


def zero_for_o(folded: str) -> str:
    """``folded`` text with each letter O as the digit 0: the OCR model reads a printed 0 as O often enough
    ("BAKERY 000" read as BAKERY OOO, "TICKET 001" as TICKET O01) that a ``text:`` phrase found nowhere as typed is
    looked for again in this form, on both sides."""
    return folded.replace("o", "0")


PREFIX_FROM = 4  # a query word this long also matches the words it begins ("rechn" finds RECHNUNG)
SUFFIX_FROM = 5  # and from this long the words it ends: OCR glues a sign's words ("BACKEREIMULLER"), and
# compounds end with their word (Hauptbahnhof); a word met only in the middle of another is too often chance
GLUED_AFTER = 3  # letters at least before such an ending: "range" is not ORANGE, STRANGE or ARRANGE


def word_hit(word: str, query_word: str) -> bool:
    """A (folded) word of a photo's text or name matches a (folded) query word: equal, starting with it from
    :data:`PREFIX_FROM` letters, or ending with it from :data:`SUFFIX_FROM` letters after at least
    :data:`GLUED_AFTER` others."""
    n = len(query_word)
    if word == query_word or (n >= PREFIX_FROM and word.startswith(query_word)):
        return True
    return n >= SUFFIX_FROM and len(word) >= n + GLUED_AFTER and word.endswith(query_word)


def name_words(relative_path: str) -> str:
    """A path below its library folder as the words the name index holds ("Trips/wifi-password.png" →
    "trips wifi password png")."""
    return " ".join(words(relative_path))
