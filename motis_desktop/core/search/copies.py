"""One search result per content: byte-identical files (a copied backup folder) are one photo in the results.

The library keeps a content hash per file (copies are recognised at indexing and not encoded again: they take
the original's vector, so copies tie). A search keeps, of each content, the best-ranked path (ties: the first
indexed, the original as a rule) and names a few of its other paths (``SearchHit.also_at``, ``also_more``), so
the relevance cut-off and ``-k N`` count photos, not files (QA walk 6, finding 7). The timeline (a listing of
filters alone) keeps every file.

**Cost is bounded per shown hit, whatever the copies** (a library of 100k hard links to six photos once made
every query read and ``lstat`` each copy of each hit: 478 ms instead of 8.6 ms). A hit's copies are read
through the ``files_hash`` index with a LIMIT: ``SHOWN_COPIES`` paths, counted up to ``COUNTED_COPIES``; the
copies are not looked up on disk (the shown path is, as every hit's): a copy in an offline folder is left out by
its folder, as the photos of offline folders are; a copy deleted since the last scan is named until the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from motis_desktop.core.pathnames import decode_path
from motis_desktop.core.search.service import COUNTED_COPIES, SearchHit

CHUNK = 500  # ids per SQL statement (SQLite's variable limit is 999 on old builds)
SHOWN_COPIES = 3  # other paths named per hit: "also at A, B, C and 297 more"
# Find similar leaves out the photo's own copies by id before ranking, at most this many (more are dropped by
# their hash after ranking; they may then fill the ranks read, and the result have fewer photos than asked).
SIMILAR_EXCLUDED = 1000


class Rows(Protocol):
    def select(self, sql: str, params: Iterable[object] = ()) -> list[tuple[object, ...]]: ...


R = TypeVar("R")


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _hashes(store: Rows, file_ids: Sequence[int]) -> dict[int, str]:
    """The content hash of each of ``file_ids`` that has one (a file that never decoded has none)."""
    out: dict[int, str] = {}
    for start in range(0, len(file_ids), CHUNK):
        chunk = list(file_ids[start : start + CHUNK])
        sql = f"SELECT id, content_hash FROM files WHERE id IN ({_marks(len(chunk))})"
        out.update({int(str(fid)): str(h) for fid, h in store.select(sql, chunk) if h})
    return out


def _path(raw: object) -> str:
    return decode_path(raw) if isinstance(raw, bytes) else str(raw)


@dataclass(frozen=True)
class OnePerContent(Generic[R]):
    """What :func:`one_per_content` kept, and the files it walked past: a kept item's copies (by its file id) and
    the items of ``dropped`` contents. Those need no look-up on disk while their kept item is there."""

    kept: list[R]
    copies: dict[int, list[int]]
    dropped: list[int]

    def passed(self) -> set[int]:
        return {fid for ids in self.copies.values() for fid in ids} | set(self.dropped)


def one_per_content(
    store: Rows,
    ranked: list[R],
    wanted: int,
    file_id: Callable[[R], int],
    tie: Callable[[R], object],
    dropped: frozenset[str] = frozenset(),
) -> OnePerContent[R]:
    """The first ``wanted`` distinct contents of ``ranked`` (best first), each as its best member: the first
    of its copies in ``ranked``, or a later one with the same ``tie`` key (the same scores) indexed before it (the
    original, as a rule: a backup is made later; the index orders equal scores as it likes); contents in
    ``dropped`` (hashes) left out. Reads each walked item's hash (one statement a chunk) and stops at the
    ``wanted``-th content: fewer than ``wanted`` come back only when ``ranked`` ran out (the caller may rank
    deeper, up to its cap)."""
    out: OnePerContent[R] = OnePerContent([], {}, [])
    kept = out.kept
    slot: dict[str, int] = {}  # content hash -> its index in ``kept``
    for start in range(0, len(ranked), CHUNK):
        chunk = ranked[start : start + CHUNK]
        hashes = _hashes(store, [file_id(r) for r in chunk])
        for r in chunk:
            fid, digest = file_id(r), hashes.get(file_id(r))
            if digest in dropped:
                out.dropped.append(fid)
                continue
            if digest is not None and digest in slot:
                at = slot[digest]
                old = file_id(kept[at])
                if fid < old and tie(r) == tie(kept[at]):
                    kept[at] = r
                    out.copies[fid] = [*out.copies.pop(old, []), old]
                else:
                    out.copies.setdefault(old, []).append(fid)
                continue
            if len(kept) == wanted:  # copies tied with the last kept rank next to it: all seen by now
                return out
            if digest is not None:
                slot[digest] = len(kept)
            kept.append(r)
    return out


def own_copies(store: Rows, file_ids: Iterable[int]) -> tuple[frozenset[int], frozenset[str]]:
    """Find similar: ``file_ids`` with up to ``SIMILAR_EXCLUDED`` files holding the same bytes as one of them (to
    leave out of the ranking: a copy is not a "similar" photo), and their content hashes (to drop the rest)."""
    ids = list(file_ids)
    hashes = sorted(set(_hashes(store, ids).values()))
    out = set(ids)
    for digest in hashes[:CHUNK]:
        sql = "SELECT id FROM files WHERE content_hash = ? ORDER BY id LIMIT ?"
        out.update(int(str(row[0])) for row in store.select(sql, (digest, SIMILAR_EXCLUDED)))
    return frozenset(out), frozenset(hashes)


def with_copies(store: Rows, hits: list[SearchHit], offline: Sequence[str] = ()) -> list[SearchHit]:
    """``hits`` with a few of their other paths holding the same bytes (``also_at``, sorted) and the number of the
    rest (``also_more``, counted up to ``COUNTED_COPIES``); copies in the ``offline`` library folders left out.
    Per hit: one index range of at most ``COUNTED_COPIES`` entries and ``SHOWN_COPIES`` rows; no file looked up."""
    if not hits:
        return hits
    offline_folders = _folder_ids(store, offline) if offline else []
    pairs = list(_hashes(store, [h.file_id for h in hits]).items())
    away = f" AND folder_id NOT IN ({_marks(len(offline_folders))})" if offline_folders else ""
    counted: dict[int, int] = {}
    named: dict[int, list[str]] = {}
    for start in range(0, len(pairs), CHUNK // 2):
        chunk = pairs[start : start + CHUNK // 2]
        values = ",".join("(?, ?)" for _ in chunk)
        flat = [x for pair in chunk for x in pair]
        # the other files of each hit's content, counted along the index up to the cap (a LIMIT per hit)
        sql = (
            f"WITH h(id, digest) AS (VALUES {values}) SELECT h.id, (SELECT COUNT(*) FROM (SELECT 1 FROM files "
            f"WHERE content_hash = h.digest AND id != h.id{away} LIMIT ?)) FROM h"
        )
        params = [*flat, *offline_folders, COUNTED_COPIES]
        counted.update({int(str(fid)): int(str(n)) for fid, n in store.select(sql, params) if n})
        # a few of them, the first indexed (the index holds a content's files in id order: no sort of them all)
        sql = (
            f"WITH h(id, digest) AS (VALUES {values}) SELECT h.id, f.path FROM h JOIN files f ON f.id IN "
            f"(SELECT id FROM files WHERE content_hash = h.digest AND id != h.id{away} ORDER BY id LIMIT ?)"
        )
        if any(fid in counted for fid, _ in chunk):
            for fid, raw in store.select(sql, [*flat, *offline_folders, SHOWN_COPIES]):
                named.setdefault(int(str(fid)), []).append(_path(raw))
    return [
        replace(h, also_at=tuple(sorted(named[h.file_id])), also_more=counted[h.file_id] - len(named[h.file_id]))
        if h.file_id in named
        else h
        for h in hits
    ]


def _folder_ids(store: Rows, roots: Sequence[str]) -> list[int]:
    """The ids of the library folders ``roots`` (a few rows: the library's roots)."""
    wanted = set(roots)
    return [int(str(fid)) for fid, raw in store.select("SELECT id, path FROM folders") if _path(raw) in wanted]
