"""The library's text tables (schema v4, ``library/text_schema.py``): what the text stage writes and what
search reads. All through the library database's connection and transactions (:class:`~.database.TextDatabase`)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from motis_desktop.core.ocr.database import TextDatabase
from motis_desktop.core.ocr.textnorm import PREFIX_FROM, SUFFIX_FROM, fold, name_words, word_hit, zero_for_o
from motis_desktop.core.pathnames import decode_path, is_within

if TYPE_CHECKING:  # the engine (OpenCV, onnxruntime) is imported only where text is read
    from motis_desktop.core.ocr.engine import TextLine

# Name words that occur in more than this share of the library say nothing about a photo (e.g. "img", "jpg").
NAME_WORD_MAX_SHARE = 0.2


@dataclass(frozen=True)
class TextTodo:
    file_id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str = ""  # photos with equal bytes are read once


@dataclass(frozen=True)
class TextRead:
    """The stage's outcome for one photo: its lines, or why they could not be read."""

    file_id: int
    size: int
    mtime_ns: int
    lines: tuple[TextLine, ...] = ()
    error: str | None = None
    width: int = 0  # the photo's size as shown (the boxes' pixels)
    height: int = 0


@dataclass(frozen=True)
class StoredLine:
    line: int
    text: str
    confidence: float
    box: list[list[float]]
    words: list[tuple[str, list[list[float]]]]


@dataclass(frozen=True)
class TextHit:
    """A photo that matched words of a query: how many distinct query words, and its BM25 rank score."""

    file_id: int
    matched: int
    bm25: float
    found: frozenset[str] = frozenset()  # the query words found


class TextStore:
    def __init__(self, store: TextDatabase) -> None:
        self.store = store

    # -- the text stage ------------------------------------------------------------------

    def pending(self, folder_ids: Iterable[int], engine: str) -> list[TextTodo]:
        """Photos that decoded fine (they have a content hash) whose text was never read, or was read from
        an older version of the file or by another engine."""
        ids = list(folder_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self.store.select(
            "SELECT f.id, f.path, f.size, f.mtime_ns, f.content_hash FROM files f "
            f"WHERE f.folder_id IN ({marks}) AND f.error IS NULL AND f.content_hash IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM text_files t WHERE t.file_id = f.id AND t.size = f.size "
            "AND t.mtime_ns = f.mtime_ns AND t.engine = ?) ORDER BY f.path",
            (*ids, engine),
        )
        return [TextTodo(r[0], decode_path(r[1]), r[2], r[3], r[4]) for r in rows]

    def unread_count(self, engine: str) -> int:
        """How many photos :meth:`pending` would give over every folder (their text is not read yet)."""
        row = self.store.select(
            "SELECT COUNT(*) FROM files f WHERE f.error IS NULL AND f.content_hash IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM text_files t WHERE t.file_id = f.id AND t.size = f.size "
            "AND t.mtime_ns = f.mtime_ns AND t.engine = ?)",
            (engine,),
        )[0]
        return int(row[0])

    def still_in_library(self, todo: list[TextTodo]) -> list[TextTodo]:
        """``todo`` less the photos whose row is gone (their folder was removed from the library)."""
        live: set[int] = set()
        ids = [item.file_id for item in todo]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            live.update(
                r[0]
                for r in self.store.select(f"SELECT id FROM files WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            )
        return [item for item in todo if item.file_id in live]

    def save(self, reads: list[TextRead], engine: str) -> int:
        """Store a batch of results in one transaction (replacing what earlier versions of the files said);
        returns how many were left out because their photo left the library meanwhile."""
        if not reads:
            return 0
        now = time.time()
        dropped = 0
        with self.store.transaction(photos=False) as conn:
            live = {
                r[0]
                for r in conn.execute(
                    f"SELECT id FROM files WHERE id IN ({','.join('?' * len(reads))})", [r.file_id for r in reads]
                )
            }
            for read in reads:
                if read.file_id not in live:  # removed from the library meanwhile
                    dropped += 1
                    continue
                conn.execute("DELETE FROM text_lines WHERE file_id = ?", (read.file_id,))
                conn.execute(
                    "INSERT OR REPLACE INTO text_files(file_id, size, mtime_ns, engine, lines, error, read_at, "
                    "width, height) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        read.file_id,
                        read.size,
                        read.mtime_ns,
                        engine,
                        len(read.lines),
                        read.error,
                        now,
                        read.width,
                        read.height,
                    ),
                )
                conn.executemany(
                    "INSERT INTO text_lines(file_id, line, text, norm, confidence, box, words) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            read.file_id,
                            n,
                            line.text,
                            fold(line.text),
                            round(line.confidence, 4),
                            json.dumps([[round(x, 1), round(y, 1)] for x, y in line.box]),
                            json.dumps([[w.text, [[x, y] for x, y in w.box]] for w in line.words]),
                        )
                        for n, line in enumerate(read.lines)
                    ],
                )
        return dropped

    def failed(self) -> list[tuple[str, str]]:
        """(path, reason) of photos whose text could not be read (until they change)."""
        rows = self.store.select(
            "SELECT f.path, t.error FROM text_files t JOIN files f ON f.id = t.file_id "
            "WHERE t.error IS NOT NULL ORDER BY f.path"
        )
        return [(decode_path(r[0]), r[1]) for r in rows]

    def counts(self) -> dict[str, int]:
        row = self.store.select(
            "SELECT COUNT(*), COALESCE(SUM(lines > 0), 0), COALESCE(SUM(error IS NOT NULL), 0) FROM text_files"
        )[0]
        return {"read": row[0], "with_text": row[1], "failed": row[2]}

    def sync_names(self) -> int:
        """Bring the name index in step with ``files`` (new, renamed, moved between folders); returns the
        number of rows written. Removed files leave it through the foreign-key cascade."""
        roots = {r[0]: decode_path(r[1]) for r in self.store.select("SELECT id, path FROM folders")}
        stale = self.store.select(
            "SELECT f.id, f.folder_id, f.path FROM files f LEFT JOIN names n ON n.file_id = f.id "
            "WHERE n.file_id IS NULL OR n.path != f.path"
        )
        if not stale:
            return 0
        rows = []
        for fid, folder_id, raw in stale:
            path = decode_path(raw)
            root = roots.get(folder_id, "")
            relative = os.path.relpath(path, root) if root and is_within(path, root) else os.path.basename(path)
            rows.append((fid, raw, fold(os.path.basename(path)), name_words(relative)))
        with self.store.transaction(photos=False) as conn:
            conn.executemany("DELETE FROM names WHERE file_id = ?", [(r[0],) for r in rows])
            conn.executemany("INSERT INTO names(file_id, path, name, words) VALUES (?, ?, ?, ?)", rows)
        return len(rows)

    # -- search ---------------------------------------------------------------------------

    def lines_of(self, file_id: int) -> list[StoredLine]:
        rows = self.store.select(
            "SELECT line, text, confidence, box, words FROM text_lines WHERE file_id = ? ORDER BY line", (file_id,)
        )
        return [_stored_line(*r) for r in rows]

    def lines_of_many(self, file_ids: Iterable[int]) -> dict[int, tuple[list[StoredLine], tuple[int, int]]]:
        """``lines_of`` and ``image_size`` of many photos in a few statements; only photos with text lines."""
        ids = list(file_ids)
        out: dict[int, tuple[list[StoredLine], tuple[int, int]]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = self.store.select(
                "SELECT l.file_id, l.line, l.text, l.confidence, l.box, l.words, t.width, t.height "
                "FROM text_lines l LEFT JOIN text_files t ON t.file_id = l.file_id "
                f"WHERE l.file_id IN ({','.join('?' * len(chunk))}) ORDER BY l.file_id, l.line",
                chunk,
            )
            for fid, line, text, confidence, box, words, width, height in rows:
                lines, _ = out.setdefault(fid, ([], (int(width or 0), int(height or 0))))
                lines.append(_stored_line(line, text, confidence, box, words))
        return out

    def image_size(self, file_id: int) -> tuple[int, int]:
        """(width, height) of the photo as its text was read: the pixels its boxes refer to (0, 0 if unknown)."""
        rows = self.store.select("SELECT width, height FROM text_files WHERE file_id = ?", (file_id,))
        return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)

    def text_hits(self, words: list[str], limit: int = 1000) -> list[TextHit]:
        """Photos whose text holds query words (``textnorm.word_hit``: whole, begun or ended by one), best
        first: most distinct words matched, then BM25."""
        words = [w for w in dict.fromkeys(words) if w]
        rows = self._matching("text_fts", "l.id, l.file_id, t.rank, l.norm", "text_lines l ON l.id", words, limit)
        for word in words:  # words ending with a query word: the word index knows only their starts
            if len(word) >= SUFFIX_FROM:
                rows += self.store.select(
                    "SELECT l.id, l.file_id, t.rank, l.norm FROM text_tri t JOIN text_lines l ON l.id = t.rowid "
                    "WHERE text_tri MATCH ? ORDER BY t.rank LIMIT ?",
                    (_quoted(word), limit * 4),
                )
        unique = {row[0]: row[1:] for row in rows}.values()  # a line found by both indexes counts once
        return _best(unique, words, limit, lambda norm: set(_tokens(norm)))

    def name_hits(self, words: list[str], limit: int = 1000) -> list[TextHit]:
        """Photos whose path below their library folder holds query words (non-specific words dropped)."""
        total = 0  # counted only for a word in several names: COUNT(*) over 100k names takes 2.5 ms
        specific = []
        for word in words:
            count = self.store.select("SELECT COUNT(*) FROM names_fts WHERE names_fts MATCH ?", (_fts_term(word),))
            if count[0][0] > 1 and not total:
                total = max(1, self.store.select("SELECT COUNT(*) FROM names")[0][0])
            if count[0][0] <= max(1, NAME_WORD_MAX_SHARE * total):
                specific.append(word)
        specific = [w for w in dict.fromkeys(specific) if w]
        rows = self._matching("names_fts", "n.file_id, t.rank, n.words", "names n ON n.file_id", specific, limit)
        return _best(rows, specific, limit, lambda text: set(text.split()))

    def _matching(self, index: str, columns: str, join: str, words: list[str], limit: int) -> list[tuple[Any, ...]]:
        """Rows of ``index`` (an FTS5 word index) holding any of ``words`` or words they begin, best first."""
        if not words:
            return []
        expression = " OR ".join(_fts_term(w) for w in words)
        sql = f"SELECT {columns} FROM {index} t JOIN {join} = t.rowid WHERE {index} MATCH ? ORDER BY t.rank LIMIT ?"
        return self.store.select(sql, (expression, limit * 4))

    def phrase_ids(self, phrase: str) -> set[int]:
        """Photos whose text holds ``phrase`` (folded; a substring, across word boundaries too); when none does
        and the phrase has an O or a 0, those whose text holds it with each O read as 0 (:func:`zero_for_o`)."""
        needle = " ".join(fold(phrase).split())
        if not needle:
            return set()
        found = self._holding(needle, loose=False)
        if not found and ("o" in needle or "0" in needle):
            found = self._holding(zero_for_o(needle), loose=True)
        return found

    def _holding(self, needle: str, loose: bool) -> set[int]:
        """Photos whose lines hold ``needle`` (``loose``: lines and needle with O as 0), else, for a phrase read
        as two lines (or two boxes) of one photo, every part of it in the photo's text."""
        if loose:  # no index serves it: every line is read (only after the exact search found nothing)
            rows = self.store.select(
                "SELECT file_id, norm FROM text_lines WHERE instr(replace(norm, 'o', '0'), ?) > 0", (needle,)
            )
        elif len(needle) >= 3:
            rows = self.store.select(
                "SELECT l.file_id, l.norm FROM text_tri t JOIN text_lines l ON l.id = t.rowid WHERE text_tri MATCH ?",
                (_quoted(needle),),
            )
        else:
            rows = self.store.select("SELECT file_id, norm FROM text_lines WHERE instr(norm, ?) > 0", (needle,))
        found = {fid for fid, norm in rows if needle in " ".join((zero_for_o(norm) if loose else norm).split())}
        if found or " " not in needle:
            return found
        candidates: set[int] | None = None
        for part in needle.split():
            ids = self._holding(part, loose)
            candidates = ids if candidates is None else candidates & ids
        return candidates or set()

    def name_ids(self, part: str) -> set[int]:
        """Photos whose file name (folded) contains ``part``."""
        needle = fold(part)
        if not needle:
            return set()
        return {r[0] for r in self.store.select("SELECT file_id FROM names WHERE instr(name, ?) > 0", (needle,))}


def _tokens(text: str) -> list[str]:
    from motis_desktop.core.ocr.textnorm import words

    return words(text)


def _best(
    rows: Iterable[tuple[Any, ...]], words: list[str], limit: int, tokens_of: Callable[[str], set[str]]
) -> list[TextHit]:
    """Per photo, the query words its rows ``(file_id, rank, text)`` hold; most words first, then BM25."""
    best: dict[int, tuple[set[str], float]] = {}
    for fid, rank, text in rows:
        present = tokens_of(text)
        found = {w for w in words if w in present or any(word_hit(p, w) for p in present)}
        seen, score = best.get(fid, (set(), 0.0))
        best[fid] = (seen | found, score + float(rank))
    hits = [TextHit(fid, len(found), score, frozenset(found)) for fid, (found, score) in best.items() if found]
    hits.sort(key=lambda h: (-h.matched, h.bm25))
    return hits[:limit]


def _quoted(word: str) -> str:
    """One folded word as an FTS5 string: no operator can leak in."""
    return '"' + word.replace('"', '""') + '"'


def _fts_term(word: str) -> str:
    """An FTS5 term for one folded word: quoted, a prefix from :data:`PREFIX_FROM` letters on."""
    return _quoted(word) + "*" if len(word) >= PREFIX_FROM else _quoted(word)


@dataclass(frozen=True)
class PhotoText:
    """The text in one photo (``source``: "library" when indexing stored it, "read now" otherwise)."""

    path: str
    lines: tuple[StoredLine, ...]
    source: str
    width: int = 0  # the photo's size as shown; the boxes are in its pixels
    height: int = 0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "source": self.source,
            "text": self.text,
            "size": [self.width, self.height],
            "lines": [
                {
                    "text": line.text,
                    "confidence": line.confidence,
                    "box": line.box,
                    "words": [{"text": w, "box": b} for w, b in line.words],
                }
                for line in self.lines
            ],
        }


def photo_text(store: TextDatabase, path: str, read_now: bool = True) -> PhotoText:
    """What indexing stored for this photo if its file is unchanged since, else read it now (in this process)."""
    from motis_desktop.core.errors import ImageError, MotisError
    from motis_desktop.core.ocr.engine import ENGINE_ID, OcrEngine, engine_threads
    from motis_desktop.core.ocr.worker import load_photo, to_full_size

    rows = store.select(
        "SELECT f.id, f.size, f.mtime_ns, t.size, t.mtime_ns, t.engine, t.error FROM files f "
        "JOIN text_files t ON t.file_id = f.id WHERE f.path = ?",
        (os.fsencode(path),),
    )
    try:
        st = os.stat(path)
    except OSError as exc:
        raise MotisError(f"{path}: {exc.strerror or exc}") from None
    if rows:
        fid, size, mtime, t_size, t_mtime, engine, error = rows[0]
        fresh = (size, mtime) == (t_size, t_mtime) == (st.st_size, st.st_mtime_ns) and engine == ENGINE_ID
        if fresh and error is None:
            texts = TextStore(store)
            return PhotoText(path, tuple(texts.lines_of(fid)), "library", *texts.image_size(fid))
        if fresh and not read_now:
            raise MotisError(f"{path}: the text could not be read ({error})")
    if not read_now:
        raise MotisError(f"{path}: its text has not been read yet (indexing reads it)")
    try:
        rgb, factor = load_photo(path)
        result = to_full_size(OcrEngine(engine_threads()).read(rgb), factor)
    except ImageError as exc:
        raise MotisError(f"{path}: {exc}") from None
    lines = tuple(
        StoredLine(
            n,
            line.text,
            round(line.confidence, 4),
            [[round(x, 1), round(y, 1)] for x, y in line.box],
            [(w.text, [[x, y] for x, y in w.box]) for w in line.words],
        )
        for n, line in enumerate(result.lines)
    )
    return PhotoText(path, lines, "read now", result.width, result.height)


def _stored_line(line: int, text: str, confidence: float, box: str, words: str) -> StoredLine:
    """A ``text_lines`` row (its box and words as stored JSON) as a StoredLine."""
    return StoredLine(line, text, confidence, json.loads(box), [(w, b) for w, b in json.loads(words)])
