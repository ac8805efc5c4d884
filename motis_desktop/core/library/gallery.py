"""The gallery: every photo of the library by path, read in chunks from one snapshot, with each photo's shape.

The window reads every photo at start-up (1M in a big library). Read as one list, the rows and the tuples made
from them were all held at once (~500 MB at 1M); here they come ``CHUNK`` at a time from one read transaction
(``LibraryDatabase.select_chunks``: a write committed by another process meanwhile changes none of them), each
chunk's paths decoded and its aspects looked up in the size cache before the next is read, and the front end
turns each chunk into its columns (``gui/gallery_rows.py``) before asking for the next.
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import closing

from motis_desktop.core.images.sizes import GalleryAspects, SizeCache
from motis_desktop.core.kinds import DateSource
from motis_desktop.core.library.database import LibraryDatabase
from motis_desktop.core.pathnames import decode_paths

CHUNK = 16_384  # photos a chunk, as the front end's columns take them (fewer at a time held less: benchmarks.md)

GalleryFile = tuple[int, str, str | None, float, DateSource, int]  # id, path, error, taken, its source, mtime_ns
GalleryPhoto = tuple[int, str, str | None, float, DateSource, float | None]  # ..., aspect (None: not known)

_SOURCES = {s.value: s for s in DateSource}
_SQL = (
    "SELECT id, path, CASE WHEN error_transient THEN NULL ELSE error END, taken_at, taken_source, mtime_ns"
    " FROM files ORDER BY path"
)


def file_chunks(store: LibraryDatabase) -> Generator[list[GalleryFile], None, None]:
    """Every file as ``(id, path, permanent error or None, date taken, its source, mtime_ns)``, by path, ``CHUNK``
    at a time, all from one read transaction: what ``files`` and ``photo_dates`` say (no date taken: the file's
    time, ``DateSource.FILE``)."""
    sources = _SOURCES
    with closing(store.select_chunks(_SQL, CHUNK)) as chunks:
        for rows in chunks:
            yield [
                (fid, path, error, taken, sources[source], mtime_ns)
                if taken is not None and source in sources
                else (fid, path, error, mtime_ns / 1e9, DateSource.FILE, mtime_ns)
                for (fid, _, error, taken, source, mtime_ns), path in zip(
                    rows, decode_paths(r[1] for r in rows), strict=True
                )
            ]


def photo_chunks(
    files: Generator[list[GalleryFile], None, None], sizes: SizeCache, missing: list[tuple[str, int]]
) -> Generator[list[GalleryPhoto], None, None]:
    """``files`` with each one's mtime turned into its aspect as the size cache knows it (None: not known; nothing
    is read), chunk by chunk; the (path, mtime) of those it lacks appended to ``missing`` (``GalleryAspects``)."""
    aspects = GalleryAspects(sizes, missing)
    with closing(files):
        for chunk in files:
            shapes = aspects.chunk([f[1] for f in chunk], [f[5] for f in chunk])
            yield [
                (fid, path, error, taken, source, shape)
                for (fid, path, error, taken, source, _mtime), shape in zip(chunk, shapes, strict=True)
            ]
    aspects.finish()  # every chunk taken: the cache may lay itself out as this gallery
