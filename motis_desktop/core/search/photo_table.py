"""The photos with a vector for one model as arrays, read once per library version: what the folder and date
filters, the offline folders and the lists by date read.

At 100k photos a query with ``folder:``/``after:``/``before:`` read every photo's path and date from SQLite and
tested each in Python, and a list by date (``sort:date``, a filter alone) also looked every photo up on disk:
0.3 s (``sunset folder:Trips``) to 1.8 s (``sort:date``) per query. Here the table is read once per library
version (each committed write makes a new one), the filters are NumPy masks, folders are tested once per
folder (not once per photo), and a list by date looks on disk only for the photos it shows.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.pathnames import decode_path, is_within
from motis_desktop.core.search.query import Query
from motis_desktop.core.search.service import QueryResult, SearchHit


@dataclass(frozen=True)
class PhotoTable:
    """One row per photo with a vector for the model, in the order of their paths."""

    ids: np.ndarray  # int64
    roots: np.ndarray  # int64: the library folder (``folders.id``) each photo is in
    dirs: np.ndarray  # int32: index into ``dir_names`` of the folder holding each photo
    dir_names: tuple[str, ...]
    dates: np.ndarray  # float64: date taken, else the file's modification time (what the filters compare)
    root_ids: dict[str, int]  # library folder path -> its id

    @classmethod
    def read(cls, store: LibraryStore, model_id: str) -> PhotoTable:
        """The table of ``store``'s photos that have a vector for ``model_id`` (one statement)."""
        rows = store.photo_rows(model_id)
        dir_index: dict[bytes, int] = {}
        sep = os.sep.encode()
        dirs = np.fromiter(
            (dir_index.setdefault(raw.rpartition(sep)[0] or sep, len(dir_index)) for _, _, raw, _ in rows),
            dtype=np.int32,
            count=len(rows),
        )
        return cls(
            ids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            roots=np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)),
            dirs=dirs,
            dir_names=tuple(decode_path(raw) for raw in dir_index),
            dates=np.fromiter((r[3] for r in rows), dtype=np.float64, count=len(rows)),
            root_ids=store.folder_ids(),
        )

    def passing(self, query: Query, offline: Iterable[str] = ()) -> np.ndarray | None:
        """A mask of the photos that pass ``query``'s folder and date filters and are not in the ``offline``
        library folders; None when nothing is left out by those."""
        mask = None
        names = {n.casefold() for n in query.folder_names}
        prefixes = [p.rstrip(os.sep) for p in query.path_prefixes]
        if names or prefixes:
            mask = np.isin(self.dirs, [i for i, d in enumerate(self.dir_names) if _dir_passes(d, names, prefixes)])
        if query.after is not None or query.before is not None:
            lo = -np.inf if query.after is None else query.after
            hi = np.inf if query.before is None else query.before
            dated = (self.dates >= lo) & (self.dates < hi)
            mask = dated if mask is None else mask & dated
        away = [self.root_ids[p] for p in offline if p in self.root_ids]
        if away:
            online = ~np.isin(self.roots, away)
            mask = online if mask is None else mask & online
        return mask

    def newest_first(self, store: LibraryStore, mask: np.ndarray | None, limit: int | None) -> QueryResult:
        """The photos of ``mask`` (None: all), newest first, photos of one date by path (score 0: nothing was
        ranked); only the photos down to the shown ones are looked up on disk (a vanished one is left out and
        not counted)."""
        rows = np.arange(len(self.ids)) if mask is None else np.flatnonzero(mask)
        order = rows[np.lexsort((rows, -self.dates[rows]))]  # the rows are in path order
        hits: list[SearchHit] = []
        missing, start = 0, 0
        step = max(2 * (limit or len(order)), 256)
        while start < len(order) and (limit is None or len(hits) < limit):
            chunk = [int(i) for i in self.ids[order[start : start + step]]]
            start += step
            paths = store.paths(chunk)
            dates = store.dates(paths)
            for fid in chunk:
                path = paths.get(fid)
                if fid not in dates or path is None or not os.path.lexists(path):
                    missing += 1
                    continue
                hits.append(SearchHit(fid, path, 0.0, dates[fid].taken_at, dates[fid].source))
        total = len(order) - missing
        shown = hits[:limit] if limit else hits
        return QueryResult(shown, total - len(shown), total, scored=False)


def _dir_passes(directory: str, names: set[str], prefixes: list[str]) -> bool:
    """Whether photos in ``directory`` pass the folder filters: under one of ``prefixes`` (when given) and with a
    folder of one of ``names`` (when given) among its parts, case-insensitive."""
    if prefixes and not any(is_within(directory, p) for p in prefixes):
        return False
    return not names or bool(names.intersection(part.casefold() for part in directory.split(os.sep)))
