"""One search result per content: byte-identical files (a copied backup folder) are one photo in the results.

The library keeps a content hash per file (copies are recognised at indexing and not encoded again). A search
keeps, of each content, the best-ranked path (ties: the earliest path) and carries the other paths with it
(``SearchHit.also_at``), so the relevance cut-off and ``-k N`` count photos, not files (QA walk 6, finding 7).
The timeline (a listing of filters alone) keeps every file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol, TypeVar

CHUNK = 500  # ids per SQL statement (SQLite's variable limit is 999 on old builds)


class Rows(Protocol):
    def select(self, sql: str, params: Iterable[object] = ()) -> list[tuple[object, ...]]: ...


R = TypeVar("R")


def hashes_of(store: Rows, file_ids: Sequence[int]) -> dict[int, str]:
    """The content hash of each of ``file_ids`` that has one (a file that never decoded has none)."""
    out: dict[int, str] = {}
    for start in range(0, len(file_ids), CHUNK):
        chunk = list(file_ids[start : start + CHUNK])
        sql = f"SELECT id, content_hash FROM files WHERE id IN ({','.join('?' * len(chunk))})"
        out.update({int(str(fid)): str(h) for fid, h in store.select(sql, chunk) if h})
    return out


def one_per_content(
    store: Rows, ranked: list[R], wanted: int, file_id: Callable[[R], int], better: Callable[[R, R], bool]
) -> list[R]:
    """The first ``wanted`` distinct contents of ``ranked`` (best first), each as its best member: the first of
    its copies in ``ranked`` unless ``better`` prefers a later one (an equal score at an earlier path). Hashes
    are read in chunks as the walk goes: a listing of 100k photos reads only its first few hundred."""
    kept: list[R] = []
    slot: dict[str, int] = {}  # content hash -> its index in ``kept``
    for start in range(0, len(ranked), CHUNK):
        chunk = ranked[start : start + CHUNK]
        hashes = hashes_of(store, [file_id(r) for r in chunk])
        for r in chunk:
            digest = hashes.get(file_id(r))
            if digest is not None and digest in slot:
                at = slot[digest]
                if better(r, kept[at]):
                    kept[at] = r
                continue
            if len(kept) == wanted:  # copies tied with the last kept rank next to it: all seen by now
                return kept
            if digest is not None:
                slot[digest] = len(kept)
            kept.append(r)
    return kept


def same_content(store: Rows, file_ids: Iterable[int]) -> frozenset[int]:
    """``file_ids`` and every file with the same bytes as one of them (find similar leaves a photo's own copies
    out of its "similar" results)."""
    ids = list(file_ids)
    hashes = sorted(set(hashes_of(store, ids).values()))
    out = set(ids)
    for start in range(0, len(hashes), CHUNK):
        chunk = hashes[start : start + CHUNK]
        sql = f"SELECT id FROM files WHERE content_hash IN ({','.join('?' * len(chunk))})"
        out.update(int(str(row[0])) for row in store.select(sql, chunk))
    return frozenset(out)


def other_paths(store: Rows, shown: dict[int, str]) -> dict[int, tuple[str, ...]]:
    """For each shown file id (-> its path), the other files on disk with the same bytes, sorted by path."""
    hashes = hashes_of(store, list(shown))
    by_hash: dict[str, list[int]] = {}
    for fid, digest in hashes.items():
        by_hash.setdefault(digest, []).append(fid)
    found: dict[int, set[str]] = {}
    digests = sorted(by_hash)
    for start in range(0, len(digests), CHUNK):
        chunk = digests[start : start + CHUNK]
        sql = f"SELECT content_hash, path FROM files WHERE content_hash IN ({','.join('?' * len(chunk))})"
        for stored_hash, raw in store.select(sql, chunk):
            path = os.fsdecode(raw if isinstance(raw, (bytes, str)) else str(raw))  # pathnames.decode_path's rule
            for fid in by_hash[str(stored_hash)]:
                if path != shown[fid] and os.path.lexists(path):
                    found.setdefault(fid, set()).add(path)
    return {fid: tuple(sorted(paths)) for fid, paths in found.items()}
