"""The search query language, shared by the CLI and the GUI.

A query is parsed into weighted *terms* (text, or an image) and *filters*::

    beach - people              text terms: +1 "beach", -1 "people"
    dog + snow                  two positive terms
    2:red + blue                a weight before a term
    "/photos/cat.jpg" + snow    an image file as a term (quote paths with spaces)
    red folder:Trips            only photos under a folder named "Trips" (any depth); a name no folder
                                has whole: folders with a word starting so (folder:Italy: "2019 Italy
                                trip"); folder:2022/Summer: those folders one in the other
    red folder:~/Pictures/2021  only photos under that path (a path prefix; a bare
                                existing folder path works too)
    after:2021-06 before:2022   taken on/after June 2021 and before 2022 (YYYY, YYYY-MM, YYYY-MM-DD)
    sort:date | sort:score      newest first, or best match first (the default)
    text:"wifi password"        only photos whose text (read by OCR) contains these words, in this order
    name:invoice                only photos whose file name contains "invoice"

Plain words are also matched against the text in the photos and their file and folder names; the
ranking that fuses the three is explained in ``search/fusion.py``.

Any other ``word:`` (``Re: invoice``) and a time of day (``10:30``) are plain words; a ``word:`` close to an
operator (``foldr:``, ``afer:``) is refused with the operator it is probably a typo of.

Words next to each other form one text term; ``+`` and ``-`` (alone or glued to
the next word, as in ``-people``) start a new term. The query vector is the
weighted sum of the terms' unit vectors, normalized (see ``query_vector``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field, replace

from motis_desktop.core.errors import MotisError
from motis_desktop.core.kinds import SortOrder

SYNTAX_HELP = """\
query syntax:
  red car               words form one text term
  beach - people        '+ text' adds a term, '- text' subtracts one (also '-people')
  -red                  only subtracted terms: every photo that is not red, least red first
  2:red + 0.5:blue      a weight before a term
  /photos/cat.jpg       an image file as a term ("quote paths" with spaces); mixes with text: cat.jpg + snow
  folder:Trips          only photos under a folder of that name (else one with a word starting so:
                        folder:Italy finds "2019 Italy trip"; folder:2022/Summer a sub-path);
                        folder:~/Pictures/2021 or a bare folder path: only photos under that path
  after:2021-06         taken on or after June 2021 (YYYY, YYYY-MM or YYYY-MM-DD; the date taken is
                        from EXIF, else the file's modification time)
  before:2022           taken before 2022 (before: is exclusive)
  sort:date             newest first (default sort:score, best match first)
  text:"platform 9"     only photos showing this text (case and accents ignored)
  name:receipt          only photos whose file name contains this
  plain words also match the text in photos and file/folder names (ranked together)
  Re: invoice           any other word: is a plain word (a time like 10:30 too)"""

SORTS = tuple(s.value for s in SortOrder)
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".heic", ".heif", ".avif"}
)
_OPERATORS = ("folder", "after", "before", "sort", "text", "name")
_WEIGHT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)):(.*)$", re.DOTALL)
_OPERATOR = re.compile(r"^([A-Za-z][\w-]*):(.*)$", re.DOTALL)
_DATE_WORDS = frozenset({"date", "year", "month", "day", "taken", "when"})  # filters by date are after:/before:
_CLOCK = re.compile(r"^\d+(?::\d+)*$")  # after "10:", a time of day ("train at 10:30"): a word, not a weight
_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


class QueryError(MotisError):
    """A query that cannot be searched (a file it names is missing, …); the message is one line for the user."""


class QuerySyntaxError(QueryError):
    """A query the parser cannot read (an unknown operator or sort:, a bad date, after: not before before:): a
    usage error."""

    usage = True


@dataclass(frozen=True)
class Term:
    """One part of the query vector: a text, an image file, or a library photo (by file id)."""

    weight: float
    text: str | None = None
    image: str | None = None
    file_id: int | None = None

    def label(self) -> str:
        what = self.text if self.text is not None else (self.image or f"photo #{self.file_id}")
        return what if self.weight == 1 else f"{self.weight:g}:{what}"


@dataclass(frozen=True)
class Query:
    """A parsed query: terms whose weighted sum is the query vector, and filters applied before top-K."""

    terms: tuple[Term, ...] = ()
    folder_names: tuple[str, ...] = ()  # a path component (case-insensitive) the photo must lie under
    path_prefixes: tuple[str, ...] = ()  # absolute folders the photo must lie under
    after: float | None = None  # unix time, inclusive
    before: float | None = None  # unix time, exclusive
    sort: SortOrder = SortOrder.SCORE
    source: str = field(default="", compare=False)
    text_phrases: tuple[str, ...] = ()  # text:"…": the photo's OCR text must contain each (folded)
    name_parts: tuple[str, ...] = ()  # name:…: the file name must contain each (folded)
    filters: tuple[str, ...] = field(default=(), compare=False)  # the filters as typed, for messages

    @property
    def has_filters(self) -> bool:
        return bool(self.places_or_dates or self.text_phrases or self.name_parts)

    @property
    def places_or_dates(self) -> bool:
        """A folder or date filter (``folder:``, ``in:``, ``after:``, ``before:``)."""
        return bool(self.folder_names or self.path_prefixes or self.after is not None or self.before is not None)

    @property
    def words(self) -> str:
        """The text of the positive text terms (what is matched against photo text and names)."""
        return " ".join(t.text for t in self.terms if t.text is not None and t.weight > 0)

    @property
    def only_subtracts(self) -> bool:
        """Every term is subtracted (``-red``: photos that are not red; see ``cutoff.opposite``)."""
        return any(t.weight < 0 for t in self.terms) and not any(t.weight > 0 for t in self.terms)

    def with_terms(self, *terms: Term) -> Query:
        """This query with extra terms (e.g. a photo dropped on the search box)."""
        return replace(self, terms=self.terms + terms)

    def describe(self) -> str:
        """A short label for status lines."""
        return self.source or " + ".join(t.label() for t in self.terms)


def parse_query(text: str, cwd: str | None = None) -> Query:
    """Parse ``text``; QueryError (one line) for anything the language does not know."""
    parser = _Parser(cwd)
    queue = _tokens(text)
    while queue:
        token, quoted = queue.pop(0)
        if not quoted and token in ("+", "-"):
            parser.flush()
            parser.sign = 1.0 if token == "+" else -1.0
            continue
        if not quoted and len(token) > 1 and token[0] in "+-" and not token[1].isdigit():
            parser.flush()
            parser.sign = 1.0 if token[0] == "+" else -1.0
            queue.insert(0, (token[1:], False))
            continue
        if not quoted and (m := _WEIGHT.match(token)) and not _CLOCK.match(m.group(2)):
            parser.flush()
            parser.weight = float(m.group(1))
            if m.group(2):
                queue.insert(0, (m.group(2), False))
            continue
        if not quoted and (m := _OPERATOR.match(token)) and not _looks_like_path(token):
            if m.group(1).lower() in _OPERATORS:
                parser.operator(m.group(1).lower(), m.group(2))
                continue
            _refuse_misspelt_operator(m.group(1))  # "Re: invoice", "note:" are words; "foldr:" is a typo
        if not parser.path(token, quoted):
            parser.words.append(token)
    return parser.query(text)


@dataclass
class _Parser:
    """One parse in progress: the terms so far, the text term being read (its words, sign and weight), and
    the filters."""

    cwd: str | None
    terms: list[Term] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    sign: float = 1.0
    weight: float | None = None
    folders: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    after: float | None = None
    before: float | None = None
    sort: SortOrder = SortOrder.SCORE
    phrases: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    typed: list[str] = field(default_factory=list)  # the filters as the user wrote them

    def flush(self) -> None:
        """End the text term being read (a weight with no words after it is an error)."""
        if self.words:
            self.terms.append(
                Term(self.sign * (1.0 if self.weight is None else self.weight), text=" ".join(self.words))
            )
        elif self.weight is not None:
            raise QuerySyntaxError(f"weight {self.weight:g}: needs a term after it, e.g. '{self.weight:g}:red'")
        self.words, self.weight = [], None

    def operator(self, key: str, value: str) -> None:
        """Apply one ``key:value`` filter."""
        if key != "sort":
            self.typed.append(_as_typed(f"{key}:", value))
        if key == "folder":
            if not value:
                raise QuerySyntaxError("folder: needs a name or a path, e.g. folder:Trips")
            if _looks_like_path(value):
                self.prefixes.append(_folder_path(value, self.cwd))
            else:
                self.folders.append(value)
        elif key == "after":
            self.after = _parse_date(value, key)
        elif key == "before":
            self.before = _parse_date(value, key)
        elif key in ("text", "name"):
            if not value.strip():
                raise QuerySyntaxError(
                    f'{key}: needs words, e.g. {key}:"platform 9"'
                    if key == "text"
                    else "name: needs part of a file name, e.g. name:receipt"
                )
            (self.phrases if key == "text" else self.names).append(value.strip())
        elif key == "sort":
            if value.lower() not in SORTS:
                raise QuerySyntaxError(f"sort:{value} is not known; use sort:date or sort:score")
            self.sort = SortOrder(value.lower())

    def path(self, token: str, quoted: bool) -> bool:
        """Take ``token`` as a folder (a path filter) or an image file (a term) if it names one; False when it
        is a plain word."""
        cwd = self.cwd
        if not (
            _looks_like_path(token) or _has_image_suffix(token) or (quoted and os.path.exists(_expand(token, cwd)))
        ):
            return False
        path = _expand(token, cwd)
        if os.path.isdir(path):
            self.prefixes.append(os.path.normpath(path))
            self.typed.append(_as_typed("", token))
            return True
        if os.path.isfile(path) or os.path.splitext(path)[1].lower() in IMAGE_SUFFIXES:
            if not os.path.isfile(path):
                raise QueryError(f"no such image file: {token}")
            self.flush()
            self.terms.append(
                Term(self.sign * (1.0 if self.weight is None else self.weight), image=os.path.normpath(path))
            )
            self.weight = None
            return True
        if _looks_like_path(token) and ("/" in token or os.sep in token):
            raise QueryError(f"no such file or folder: {token}")
        return False

    def query(self, text: str) -> Query:
        """The parsed query (after the last term is ended)."""
        self.flush()
        if self.terms and not any(t.weight for t in self.terms) and not (self.phrases or self.names):
            zero = " ".join(t.label() for t in self.terms)
            raise QuerySyntaxError(f"a term with weight 0 adds nothing, so there is nothing to search for ({zero})")
        if self.after is not None and self.before is not None and self.after >= self.before:
            raise QuerySyntaxError("after: must be earlier than before:")
        return Query(
            tuple(self.terms),
            tuple(self.folders),
            tuple(self.prefixes),
            self.after,
            self.before,
            self.sort,
            text.strip(),
            tuple(self.phrases),
            tuple(self.names),
            tuple(self.typed),
        )


def _refuse_misspelt_operator(word: str) -> None:
    """QueryError suggesting the operator ``word`` is a typo of (``foldr``, ``afer``, ``fólder``); any other
    ``word:`` is a plain word. Short words must keep their first letter and be one edit away, so that ``note:``
    or ``port:`` stay words (``txt:``, ``nam:`` are typos); ``date:`` and its kin say how dates are filtered."""
    typed = word.lower()
    folded = "".join(c for c in unicodedata.normalize("NFKD", typed) if not unicodedata.combining(c))
    if folded in _DATE_WORDS:  # a photo search's "date:2024" means a date filter (QA), not the words
        raise QuerySyntaxError(f"there is no {word}: filter — after:2024 before:2025 keeps the photos taken in 2024")
    for op in _OPERATORS:
        if folded == op or (
            len(typed) >= 3
            and _edits(typed, op) <= (2 if len(typed) >= 6 else 1)
            and (len(typed) >= 6 or typed[0] == op[0])
        ):
            raise QuerySyntaxError(f"unknown operator '{word}:' — did you mean {op}:?")


def _edits(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn ``a`` into ``b``."""
    # Hand-written: the standard library has no edit distance (difflib's ratio counts matching blocks, so
    # "foldr" and "flder" would need a threshold per length), and a dependency for two short words is not worth
    # its place in the bundle.
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb)))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Whitespace-separated tokens; double quotes group one (the flag says it was quoted); an operator's
    quoted value (``text:"two words"``) stays one unquoted operator token."""
    out: list[tuple[str, bool]] = []
    for m in re.finditer(r'([A-Za-z][\w-]*:)"([^"]*)"?|"([^"]*)"?|(\S+)', text):
        if m.group(1) is not None:
            out.append((m.group(1) + m.group(2), False))
            continue
        m_quoted, m_plain = m.group(3), m.group(4)
        if m_quoted is not None:
            if m_quoted.strip():
                out.append((m_quoted, True))
        else:
            out.append((m_plain, False))
    return out


def _as_typed(key: str, value: str) -> str:
    """``key`` and ``value`` as one token of the language (quoted when the value has spaces)."""
    return f'{key}"{value}"' if any(c.isspace() for c in value) else key + value


def _has_image_suffix(token: str) -> bool:
    """``cat.jpg``, ``Pictures/cat.jpg``: an image file named relative to the current folder."""
    return os.path.splitext(token)[1].lower() in IMAGE_SUFFIXES


def _looks_like_path(token: str) -> bool:
    return token.startswith(("/", "~", "./", "../", ".\\", "..\\")) or bool(re.match(r"^[A-Za-z]:[\\/]", token))


def _expand(token: str, cwd: str | None) -> str:
    path = os.path.expanduser(token)
    return path if os.path.isabs(path) else os.path.join(cwd or os.getcwd(), path)


def _folder_path(value: str, cwd: str | None) -> str:
    return os.path.normpath(_expand(value, cwd))


def _parse_date(value: str, key: str) -> float:
    """Start of a YYYY / YYYY-MM / YYYY-MM-DD period, in local time."""
    m = _DATE.match(value)
    if not m:
        raise QuerySyntaxError(f"{key}:{value} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD (e.g. {key}:2021-06)")
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        start = dt.datetime(year, month, day)
    except ValueError:
        raise QuerySyntaxError(f"{key}:{value}: {_what_is_wrong(year, month, day)} (use YYYY-MM-DD)") from None
    return time.mktime(start.timetuple())


def _what_is_wrong(year: int, month: int, day: int) -> str:
    """Why YYYY-MM-DD is no date, in words (QA walk 5: "is not a valid date" said nothing of what)."""
    if year < dt.MINYEAR:
        return f"there is no year {year}"
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if day == 0 or day > 31:
        return f"there is no day {day}"
    name = _MONTHS[month - 1] + (f" {year}" if month == 2 else "")  # the year decides February's days
    return f"there is no day {day} in {name}"


# English, as every message (calendar.month_name follows the locale, which Qt sets from the desktop's)
_MONTHS = "January February March April May June July August September October November December".split()
