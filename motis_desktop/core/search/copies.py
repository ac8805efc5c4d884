"""One search result per content: byte-identical files (a copied backup folder) are one photo in the results.

The library keeps a content hash per file (copies are recognised at indexing and not encoded again: they take
the original's vector, so copies tie). A search ranks one file per content (``contents.py``: the cut-off, ``-k N``
and the counts are of photos, not files) and names a few of its other paths (``SearchHit.also_at``,
``also_more``). A query of filters alone lists one file per content too (``photo_table.py``).

**Cost is bounded per shown hit, whatever the copies** (a library of 100k hard links to six photos once made
every query read and ``lstat`` each copy of each hit: 478 ms instead of 8.6 ms). A hit's copies are read
through the ``files_hash`` index with a LIMIT: counted up to ``COUNTED_COPIES``, of which ``SPREAD_READ`` spread
along them have their paths read, and ``SHOWN_COPIES`` named: one per other folder first (a backup of a
backup folder is named beside the first backup, not three files of one folder). Only the named ones are looked
up on disk (a copy deleted since the last scan is passed over, at most ``SHOWN_COPIES`` more looked up); a copy
in an offline folder is left out by its folder, as the photos of offline folders are.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from motis_desktop.core.pathnames import decode_path
from motis_desktop.core.search.contents import ContentTable
from motis_desktop.core.search.service import COUNTED_COPIES, SearchHit

CHUNK = 500  # ids per SQL statement (SQLite's variable limit is 999 on old builds)
SHOWN_COPIES = 3  # other paths named per hit: "also at A, B, C and 297 more"
SPREAD_READ = 24  # of a hit's copies, the paths read to choose the named ones from (spread along the copies)
STAND_IN_TRIES = 8  # a shown file gone from disk: at most this many of its copies looked up to show instead


class Rows(Protocol):
    def select(self, sql: str, params: Iterable[object] = ()) -> list[tuple[object, ...]]: ...


def on_disk_path(path: str | None) -> str | None:
    """``path`` when something is there (a link too: ``lexists``), else None: a search's look at the few files it
    shows, not the library's."""
    return path if path is not None and os.path.lexists(path) else None


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


def with_copies(store: Rows, hits: list[SearchHit], offline: Sequence[str] = ()) -> list[SearchHit]:
    """``hits`` with a few of their other paths holding the same bytes (``also_at``: one per other folder first, on
    disk) and the number of the rest (``also_more``, counted up to ``COUNTED_COPIES``); copies in the ``offline``
    library folders left out. Per hit: one index range of at most ``COUNTED_COPIES`` entries, ``SPREAD_READ`` rows
    and at most ``2 * SHOWN_COPIES`` files looked up."""
    if not hits:
        return hits
    offline_folders = _folder_ids(store, offline) if offline else []
    pairs = list(_hashes(store, [h.file_id for h in hits]).items())
    away = f" AND folder_id NOT IN ({_marks(len(offline_folders))})" if offline_folders else ""
    others: dict[int, list[int]] = {}
    for start in range(0, len(pairs), CHUNK // 2):
        chunk = pairs[start : start + CHUNK // 2]
        values = ",".join("(?, ?)" for _ in chunk)
        flat = [x for pair in chunk for x in pair]
        # the other files of each hit's content, in id order along the index up to the cap (a LIMIT per hit)
        sql = (
            f"WITH h(id, digest) AS (VALUES {values}) SELECT h.id, f.id FROM h JOIN files f ON f.id IN "
            f"(SELECT id FROM files WHERE content_hash = h.digest AND id != h.id{away} ORDER BY id LIMIT ?)"
        )
        for fid, other in store.select(sql, [*flat, *offline_folders, COUNTED_COPIES]):
            others.setdefault(int(str(fid)), []).append(int(str(other)))
    spread = {fid: _spread(ids) for fid, ids in others.items()}
    paths = _paths(store, [c for ids in spread.values() for c in ids])
    out = []
    for hit in hits:
        if hit.file_id not in others:
            out.append(hit)
            continue
        named, gone = _named(hit.path, [paths[c] for c in spread[hit.file_id] if c in paths])
        more = max(len(others[hit.file_id]) - len(named) - gone, 0)
        out.append(replace(hit, also_at=tuple(sorted(named)), also_more=more))
    return out


def _spread(ids: list[int]) -> list[int]:
    """Up to ``SPREAD_READ`` of ``ids`` (in id order: a folder's files side by side), evenly spread along them."""
    if len(ids) <= SPREAD_READ:
        return ids
    step = len(ids) / SPREAD_READ
    return [ids[int(i * step)] for i in range(SPREAD_READ)]


def _named(shown: str, paths: list[str]) -> tuple[list[str], int]:
    """The ``SHOWN_COPIES`` of ``paths`` to name beside the ``shown`` one: one per folder not yet named first (the
    shown one's folder counts as named), then the rest in order; those gone from disk passed over (at most
    ``SHOWN_COPIES`` of them looked up). With how many were found gone."""
    seen = {os.path.dirname(shown)}
    firsts = []
    for path in paths:
        folder = os.path.dirname(path)
        if folder not in seen:
            seen.add(folder)
            firsts.append(path)
    order = firsts + [p for p in paths if p not in set(firsts)]
    named: list[str] = []
    gone = 0
    for path in order:
        if len(named) == SHOWN_COPIES or gone == SHOWN_COPIES:
            break
        if os.path.lexists(path):
            named.append(path)
        else:
            gone += 1
    return named, gone


def _paths(store: Rows, file_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for start in range(0, len(file_ids), CHUNK):
        chunk = file_ids[start : start + CHUNK]
        rows = store.select(f"SELECT id, path FROM files WHERE id IN ({_marks(len(chunk))})", chunk)
        out.update({int(str(fid)): _path(raw) for fid, raw in rows})
    return out


def standing_in(
    store: Rows, contents: ContentTable, allowed: np.ndarray | None
) -> Callable[[int, dict[int, str | None]], int | None]:
    """For a shown file gone from disk since the last scan: a copy of it on disk that the filters (``allowed``; None:
    none) let through, to show in its place (its id; ``on_disk`` filled), or None. At most ``STAND_IN_TRIES``
    copies looked up; the content's copies with a vector (``contents``), so no statement but their paths'."""

    def copy_on_disk(file_id: int, on_disk: dict[int, str | None]) -> int | None:
        group = int(contents.group_of(np.asarray([file_id]))[0])
        members = contents.ids[contents.groups == group]
        if allowed is not None:
            members = members[np.isin(members, allowed)]
        tries = [int(c) for c in members if int(c) != file_id and int(c) not in on_disk][:STAND_IN_TRIES]
        paths = _paths(store, tries)
        for copy in tries:
            path = paths.get(copy)
            on_disk[copy] = on_disk_path(path)
            if on_disk[copy] is not None:
                return copy
        return None

    return copy_on_disk


def _folder_ids(store: Rows, roots: Sequence[str]) -> list[int]:
    """The ids of the library folders ``roots`` (a few rows: the library's roots)."""
    wanted = set(roots)
    return [int(str(fid)) for fid, raw in store.select("SELECT id, path FROM folders") if _path(raw) in wanted]
