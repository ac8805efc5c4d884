"""The gallery's rows as columns: a few numpy arrays for the whole library instead of one tuple per photo.

At 1M photos the gallery as :class:`Row` tuples held ~540 MB of the window (a tuple, an id, a path string, two
floats per photo, and a 1M-entry dict of each path's place). Here a photo is ~70 B: its id, date, aspect ratio and
date source in arrays, its folder as an index into the distinct folders, its file name as UTF-8 in one bytes
object, the hash of its path for the look-up by path; errors (a few) in a dict. :class:`GalleryRows` is a
``Sequence[Row]`` that makes a row when asked (the grid asks for the tiles on screen), so the code that reads rows
one by one needs no change; what reads every row (the sort, the lay-out, the status line's counts) reads the
columns instead (:func:`paths_of`, :func:`taken_of`, :func:`aspects_of`). A sorted gallery is the same columns
seen through a permutation (4 B a photo). Rows are never changed, except their aspect ratios, which the sizes read
since fill in (:meth:`GalleryRows.set_aspects`, written in place into the columns every view of them shares).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, NamedTuple, overload

import numpy as np

from motis_desktop.core.services import TextMatch, format_date


class Row(NamedTuple):  # a tuple: the gallery makes one per photo (100k and more) at start-up, twice as fast
    """One photo in the grid: the gallery's or a search result's."""

    file_id: int
    path: str
    error: str | None = None
    score: float | None = None
    date_source: str | None = None  # where ``taken_at`` comes from (``DateSource``)
    taken_at: float | None = None  # when the photo was taken, unix time (the gallery's date order)
    matches: tuple[TextMatch, ...] = ()  # words a search matched in the photo's text or name (gui/text_overlay)
    aspect: float | None = None  # width / height as shown (upright); None: not known yet (the timeline guesses)
    also_at: tuple[str, ...] = ()  # a search result's copies: the same bytes at these paths (core/search/copies.py)
    also_more: str = ""  # and at this many more ("297 more"), not named

    @property
    def date(self) -> str | None:
        """When the photo was taken, as shown in the tooltip (made when asked: 100k labels cost ~0.5 s)."""
        return date_label(self.taken_at, self.date_source)


DATE_SOURCES = {"exif": "taken", "mtime": "file date", "file": "file date"}


def date_label(taken_at: float | None, source: str | None) -> str | None:
    """ "Taken 2021-08-15 12:30" (EXIF) or "File date …" (no EXIF date) for tooltips."""
    if taken_at is None:
        return None
    return f"{DATE_SOURCES.get(source or '', 'date').capitalize()} {format_date(taken_at)[:16].replace('T', ' ')}"


NAME_CODEC = ("utf-8", "surrogateescape")  # a name's bytes as the file system gave them (paths stay Python strings)


def _name_starts(path: str) -> int:
    """Where the file name starts in ``path`` (``os.path.basename``'s cut; inlined on POSIX: 1M calls)."""
    return path.rfind("/") + 1 if os.sep == "/" else len(path) - len(os.path.basename(path))


MADE_KEPT = 4_096  # rows kept made per GalleryRows (a screen of tiles asks for ~50-500)
CHUNK = 16_384  # photos turned into arrays at a time while a read is made columns (the lists stay small)


class Columns:
    """Every photo of a gallery read, by its place in the read (``j``)."""

    def __init__(self, rows: Iterable[tuple[int, str, str | None, float | None, Any, float | None]]) -> None:
        """``rows``: (id, path, error or None, date taken or None, date source, aspect or None) per photo, turned
        into arrays ``CHUNK`` photos at a time."""
        self.errors: dict[int, str] = {}
        self.version = 0  # moves when sizes are written in (:meth:`GalleryRows.set_aspects`)
        self._heads: dict[str, int] = {}
        self._sources: dict[Any, int] = {}
        parts: list[tuple[np.ndarray, ...]] = []
        names: list[bytes] = []
        rows = iter(rows)
        while chunk := list(islice(rows, CHUNK)):
            parts.append(self._take(chunk, len(parts) * CHUNK, names))
        self.heads, self.sources = list(self._heads), list(self._sources)
        del self._heads, self._sources
        ids, folder, lengths, taken, source, aspects, hashes = (
            np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, dtype)
            for k, dtype in enumerate((np.int64, np.int32, np.int64, np.float64, np.uint8, np.float64, np.int64))
        )
        self.ids, self.folder, self.taken, self.source, self.aspects = ids, folder, taken, source, aspects
        self.names = b"".join(names)
        self.ends = np.cumsum(lengths)
        self.starts = self.ends - lengths
        self.by_hash = np.argsort(hashes, kind="stable").astype(np.int32)
        self.hashes = hashes[self.by_hash]  # sorted: a path's rows are found by a binary search

    def _take(self, chunk: list[tuple[Any, ...]], first: int, names: list[bytes]) -> tuple[np.ndarray, ...]:
        """One chunk's columns (``first``: its first photo's place); its names' bytes joined onto ``names``. List
        comprehensions, one per column: at 1M photos this is most of the read's Python time."""
        heads, sources, nan, n = self._heads, self._sources, float("nan"), len(chunk)
        paths = [r[1] for r in chunk]
        cuts = [p.rfind("/") + 1 for p in paths] if os.sep == "/" else [_name_starts(p) for p in paths]
        # the folder as written, with its separator: head + name is the path
        folder = [heads.setdefault(p[:c], len(heads)) for p, c in zip(paths, cuts, strict=True)]
        chunk_names = [p[c:] for p, c in zip(paths, cuts, strict=True)]
        joined = "".join(chunk_names)
        if joined.isascii():  # one encode for the chunk; a name's length in bytes is its length
            names.append(joined.encode("ascii"))
            lengths = np.fromiter(map(len, chunk_names), dtype=np.int64, count=n)
        else:
            encoded = [name.encode(*NAME_CODEC) for name in chunk_names]
            names.append(b"".join(encoded))
            lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=n)
        for j in [j for j, r in enumerate(chunk) if r[2]]:
            self.errors[first + j] = chunk[j][2]
        for kind in {r[4] for r in chunk}:
            sources.setdefault(kind, len(sources))
        return (
            np.fromiter((r[0] for r in chunk), dtype=np.int64, count=n),
            np.array(folder, dtype=np.int32),
            lengths,
            np.fromiter((nan if r[3] is None else r[3] for r in chunk), dtype=np.float64, count=n),
            np.fromiter((sources[r[4]] for r in chunk), dtype=np.uint8, count=n),
            np.fromiter((nan if r[5] is None else r[5] for r in chunk), dtype=np.float64, count=n),
            np.fromiter(map(hash, paths), dtype=np.int64, count=n),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def path_hashes(self) -> np.ndarray:
        """Each photo's path's hash, by its place in the read."""
        hashes = np.empty_like(self.hashes)
        hashes[self.by_hash] = self.hashes
        return hashes

    def path(self, j: int) -> str:
        return self.heads[self.folder[j]] + self.names[self.starts[j] : self.ends[j]].decode(*NAME_CODEC)

    def row(self, j: int) -> Row:
        taken, aspect = float(self.taken[j]), float(self.aspects[j])
        return Row(
            int(self.ids[j]),
            self.path(j),
            self.errors.get(j),
            None,
            self.sources[self.source[j]],
            None if taken != taken else taken,  # NaN: none
            (),
            None if aspect != aspect else aspect,
        )

    def find(self, paths: Sequence[str]) -> np.ndarray:
        """Each path's place in the read, -1 where it is none of the gallery's photos."""
        wanted = np.fromiter((hash(p) for p in paths), dtype=np.int64, count=len(paths))
        at = np.searchsorted(self.hashes, wanted)
        found = np.full(len(paths), -1, dtype=np.int64)
        n = len(self.hashes)
        for k, (path, h, i) in enumerate(zip(paths, wanted.tolist(), at.tolist(), strict=True)):
            while i < n and self.hashes[i] == h:  # paths of one hash (hardly ever more than one)
                if self.path(j := int(self.by_hash[i])) == path:
                    found[k] = j
                    break
                i += 1
        return found


class GalleryRows(Sequence[Row]):
    """The gallery's rows in one order: ``columns`` seen through ``order`` (None: as read)."""

    def __init__(self, columns: Columns, order: np.ndarray | None = None) -> None:
        self.columns, self.order = columns, order
        self._places: np.ndarray | None = None  # each photo's row here, by its place in the read (made when asked)
        # Rows made lately: the grid asks for a tile's row once per role, several times a paint (~2 µs to make one)
        self._made: dict[int, Row] = {}
        self._made_at = columns.version

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> GalleryRows:
        """Rows given as :class:`Row` tuples (tests, benchmarks)."""
        return cls(Columns((r.file_id, r.path, r.error, r.taken_at, r.date_source, r.aspect) for r in rows))

    def __len__(self) -> int:
        return len(self.columns) if self.order is None else len(self.order)

    def _j(self, i: int) -> int:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return i % len(self) if self.order is None else int(self.order[i])

    @overload
    def __getitem__(self, i: int) -> Row: ...
    @overload
    def __getitem__(self, i: slice) -> list[Row]: ...
    def __getitem__(self, i: int | slice) -> Row | list[Row]:
        if isinstance(i, slice):
            return [self.columns.row(self._j(k)) for k in range(*i.indices(len(self)))]
        made = self._made
        if (row := made.get(i)) is not None and self._made_at == self.columns.version:
            return row
        if len(made) >= MADE_KEPT or self._made_at != self.columns.version:
            made.clear()  # (a dict's clear and get are atomic: the LAYOUT lane's reads are safe)
            self._made_at = self.columns.version
        made[i] = row = self.columns.row(self._j(i))
        return row

    def __iter__(self) -> Iterator[Row]:
        return (self.columns.row(self._j(k)) for k in range(len(self)))

    def path_at(self, i: int) -> str:
        row = self._made.get(i)  # a tile's row, made for its error: its path at hand
        return row.path if row is not None else self.columns.path(self._j(i))

    def reordered(self, places: np.ndarray) -> GalleryRows:
        """These rows in another order: row ``k`` of the result is row ``places[k]`` here."""
        return GalleryRows(self.columns, places.astype(np.int32) if self.order is None else self.order[places])

    def rows_of(self, paths: Sequence[str]) -> np.ndarray:
        """Each path's row here, -1 where it is none of the gallery's."""
        found = self.columns.find(paths)
        if self.order is None:
            return found
        if self._places is None:
            places = np.full(len(self.columns), -1, dtype=np.int32)
            places[self.order] = np.arange(len(self.order), dtype=np.int32)
            self._places = places
        rows = np.full(len(found), -1, dtype=np.int64)
        hit = found >= 0
        rows[hit] = self._places[found[hit]]
        return rows

    def set_aspects(self, aspects: Mapping[str, float]) -> None:
        """Photos' aspect ratios read since (by path), written into the columns that every view of them shares."""
        paths = list(aspects)
        found = self.columns.find(paths)
        known = found >= 0
        if known.any():
            values = np.fromiter(aspects.values(), dtype=np.float64, count=len(paths))
            self.columns.aspects[found[known]] = values[known]
            self.columns.version += 1  # rows made before lack these sizes

    def moved_since(self, before: GalleryRows) -> int:
        """How many photos of ``before`` are here at another path (their id kept; compared by the paths' hashes)."""
        old, new = before.columns, self.columns
        old_ids, new_ids = old.ids, new.ids
        both, at_old, at_new = np.intersect1d(old_ids, new_ids, assume_unique=True, return_indices=True)
        return int(np.count_nonzero(old.path_hashes()[at_old] != new.path_hashes()[at_new])) if len(both) else 0

    def unreadable_rows(self) -> tuple[int, ...]:
        """The rows of the photos whose file could not be read, ascending (no row made: the viewer's count)."""
        errors = np.fromiter(self.columns.errors, dtype=np.int64, count=len(self.columns.errors))
        if self.order is None:
            return tuple(int(j) for j in np.sort(errors))
        return tuple(int(k) for k in np.sort(np.flatnonzero(np.isin(self.order, errors))))

    @property
    def unreadable(self) -> int:
        """Photos whose file could not be read (permanently): no search finds them."""
        return len(self.columns.errors)

    def within(self, roots: Collection[str]) -> int:
        """How many readable photos are under one of the folders ``roots`` (a folder's head starts the same)."""
        within = tuple(os.path.join(root, "") for root in roots)
        under = np.fromiter(
            (h.startswith(within) for h in self.columns.heads), dtype=bool, count=len(self.columns.heads)
        )
        mask = under[self.columns.folder]
        if self.columns.errors:
            mask[np.fromiter(self.columns.errors, dtype=np.int64)] = False
        return int(np.count_nonzero(mask))


class PathIndex(Mapping[str, int]):
    """Each path's row in a :class:`GalleryRows` (a dict of 1M paths held ~70 MB more)."""

    def __init__(self, rows: GalleryRows) -> None:
        self.rows = rows

    def __getitem__(self, path: str) -> int:
        if not isinstance(path, str) or (i := int(self.rows.rows_of([path])[0])) < 0:
            raise KeyError(path)
        return i

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and int(self.rows.rows_of([path])[0]) >= 0

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[str]:
        return (self.rows.path_at(i) for i in range(len(self.rows)))


def paths_of(rows: Sequence[Row], start: int, end: int) -> list[str]:
    """The paths of ``rows[start:end]`` (from the columns for a gallery: no row made)."""
    if isinstance(rows, GalleryRows):
        return [rows.path_at(i) for i in range(start, min(end, len(rows)))]
    return [r.path for r in rows[start:end]]


def taken_of(rows: Sequence[Row]) -> np.ndarray:
    """When each row's photo was taken (unix time; NaN: not known)."""
    if isinstance(rows, GalleryRows):
        taken = rows.columns.taken
        return taken.copy() if rows.order is None else taken[rows.order]
    return np.fromiter((np.nan if r.taken_at is None else r.taken_at for r in rows), dtype=np.float64, count=len(rows))


def broken_of(rows: Sequence[Row]) -> np.ndarray:
    """Per row, whether its file could not be read (from a gallery's columns: no row made)."""
    if isinstance(rows, GalleryRows):
        broken = np.zeros(len(rows.columns), dtype=bool)
        broken[np.fromiter(rows.columns.errors, dtype=np.int64, count=len(rows.columns.errors))] = True
        return broken if rows.order is None else broken[rows.order]
    return np.fromiter((bool(r.error) for r in rows), dtype=bool, count=len(rows))


def aspects_of(rows: Sequence[Row], guess: float) -> np.ndarray:
    """Each row's aspect ratio, ``guess`` where not known yet (a copy)."""
    if isinstance(rows, GalleryRows):
        aspects = rows.columns.aspects if rows.order is None else rows.columns.aspects[rows.order]
        return np.where(np.isnan(aspects), guess, aspects)
    return np.fromiter((r.aspect or guess for r in rows), dtype=np.float64, count=len(rows))


def folders_of(rows: Sequence[Row]) -> list[str]:
    """Each row's folder (``os.path.dirname`` of its path): for a gallery, one string per folder, shared."""
    if not isinstance(rows, GalleryRows):
        return [os.path.dirname(r.path) for r in rows]
    names = [os.path.dirname(head + "_") for head in rows.columns.heads]  # any name: the folder's dirname
    folder = rows.columns.folder if rows.order is None else rows.columns.folder[rows.order]
    out: list[str] = []
    for start in range(0, len(folder), CHUNK):  # tolist() of 1M held the GIL ~20 ms
        out += [names[f] for f in folder[start : start + CHUNK].tolist()]
    return out


class LazyPaths(Sequence[str]):
    """The paths of a gallery's rows made when asked (the date order reads only its ties')."""

    def __init__(self, rows: GalleryRows) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self.rows.path_at(k) for k in range(*i.indices(len(self)))]
        return self.rows.path_at(i)
