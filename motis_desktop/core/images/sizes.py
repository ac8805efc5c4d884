"""Photos' upright pixel sizes (for a timeline's justified rows), read from file headers and kept in a cache.

The size comes from the header (no pixel is decoded), turned by the EXIF orientation, so a portrait phone
photo is taller than wide (HEIC: from its container, through libheif). RAW and AVIF sizes are not read: the
timeline guesses their shape. The cache is one file of ``path → (mtime_ns, width, height)`` (``sizes_file.py``;
the ``sizes.json`` of older versions is read once and written again in that layout): a changed file is read
again, an unreadable one is kept as 0×0 so it is not read at every start. One instance per thread (each
``Services`` has its own); the front end reads sizes in chunks, in the background, and the file is written when
it is done (and every ``SAVE_EVERY`` reads before that, so a crash loses little).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from motis_desktop.core.gc_pause import gc_paused
from motis_desktop.core.images.reader import read_info
from motis_desktop.core.images.sizes_file import Entry, SizeTable, read_sizes, write_sizes
from motis_desktop.core.kinds import ImageFormat

log = logging.getLogger(__name__)

HEAD_BYTES = 256 * 1024  # EXIF and the frame header of a JPEG fit in this; the pixels are not read
SAVE_EVERY = 15_000  # sizes read between two writes of the cache file while a big library is read


def read_upright_size(path: str) -> tuple[int, int] | None:
    """(width, height) as the photo is shown, from its header; None when the header does not say."""
    with open(path, "rb") as fh:
        info = read_info(fh.read(HEAD_BYTES))
    if info.format is ImageFormat.HEIC:  # the header's size is before the container's rotation (irot)
        return _heic_size(path) or info.size
    return info.upright_size


def _heic_size(path: str) -> tuple[int, int] | None:
    """A phone's HEIC: libheif reads the container (no pixels) and reports the size already turned."""
    try:
        import pillow_heif

        w, h = pillow_heif.open_heif(path, convert_hdr_to_8bit=True).size
        return int(w), int(h)
    except (ImportError, ValueError, RuntimeError, OSError, SyntaxError):
        return None


@dataclass(frozen=True)
class PhotoSizes:
    """Known upright sizes by path, and the paths still to read (with their mtime)."""

    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    missing: list[tuple[str, int]] = field(default_factory=list)


class SizeCache:
    """The header sizes of photos by (path, mtime), loaded once; saved when asked (``unsaved``: reads since)."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self._table: SizeTable | None = None  # the file as read, while nothing has needed (or changed) entries
        self._entries: dict[str, Entry] | None = None  # the entries once needed (the table goes then)
        self.unsaved = 0  # headers read since the file was last written

    def _load_file(self) -> None:
        if self._table is not None or self._entries is not None:
            return  # read already (an error other than those below leaves both unset: the next call tries again)
        try:
            self._table = read_sizes(self.file)
        except FileNotFoundError:
            self._entries = self._from_json()
        except (OSError, ValueError) as exc:
            log.info("photo sizes read again: %s", exc)
            self._entries = {}  # damaged: sizes are read again

    def _load(self) -> dict[str, Entry]:
        """The entries by path (made from the file's table on first need; the table goes then)."""
        self._load_file()
        if self._entries is None:
            with gc_paused(keep=True):  # one (mtime, width, height) per photo
                self._entries = self._table.entries() if self._table is not None else {}
            self._table = None
        return self._entries

    def _from_json(self) -> dict[str, Entry]:
        """The cache as versions before 2026-12 wrote it (JSON), if any: written in the new layout at the next save
        (the file goes then), rather than 100k headers read again."""
        legacy = self.file.with_suffix(".json")
        try:
            with gc_paused(keep=True):
                loaded = json.loads(legacy.read_text(encoding="utf-8"))
                entries = {str(path): (int(e[0]), int(e[1]), int(e[2])) for path, e in loaded.items()}
        except (OSError, ValueError, TypeError, LookupError, AttributeError):
            return {}  # none (a new home), or damaged: sizes are read again
        self.unsaved = max(self.unsaved, 1)
        return entries

    def lookup(self, files: Iterable[tuple[str, int]], read: int = 0) -> PhotoSizes:
        """Sizes of ``files`` (path, mtime_ns) known to the cache, reading up to ``read`` missing headers now (none
        given: the file is loaded, as at start-up ahead of the gallery); those read are kept (``Services`` saves them
        at close, every ``SAVE_EVERY`` reads, and in ``save_photo_sizes``)."""
        files = list(files)
        if not files:
            self._load_file()
            return PhotoSizes()
        entries = self._load()
        found = PhotoSizes()
        for path, mtime_ns in files:
            entry = _current(entries, path, mtime_ns)
            if entry is None:
                if read <= 0:
                    found.missing.append((path, mtime_ns))
                    continue
                read -= 1
                self.unsaved += 1
                entry = entries[path] = (mtime_ns, *self._read(path))
            if entry[1] > 0 and entry[2] > 0:
                found.sizes[path] = (entry[1], entry[2])
        return found

    def aspects(self, files: Iterable[tuple[str, int]]) -> tuple[list[float | None], list[tuple[str, int]]]:
        """Width / height of each of ``files`` (path, mtime_ns) as the cache knows it, in their order (None: not
        known), and the files it does not know; nothing is read. The gallery read at once: :class:`GalleryAspects`
        (which reads it in chunks)."""
        files = list(files)
        missing: list[tuple[str, int]] = []
        gallery = GalleryAspects(self, missing)
        aspects = gallery.chunk([f[0] for f in files], [f[1] for f in files])
        gallery.finish()
        return aspects, missing

    def save(self, keep: Iterable[str] | None = None) -> None:
        """Write the cache file; with ``keep`` (the library's paths, in its order: taken only when there are
        entries to write), forget the paths not in it (photos gone from the library) and lay the others out in it."""
        if self._entries is not None:
            if keep is not None:
                entries = self._entries
                with gc_paused(keep=True):  # one entry per photo
                    self._entries = {path: entry for path in keep if (entry := entries.get(path)) is not None}
            self.unsaved = 0
            try:
                write_sizes(self.file, self._entries)
            except OSError as exc:  # a full or read-only cache costs a re-read next time
                log.warning("cannot save photo sizes to %s: %s", self.file, exc)
                return
            try:  # an older version's cache (also one it wrote again after a downgrade): its sizes are in this one
                self.file.with_suffix(".json").unlink(missing_ok=True)
            except OSError as exc:
                log.info("cannot remove the old photo-size cache: %s", exc)

    @staticmethod
    def _read(path: str) -> tuple[int, int]:
        try:
            return read_upright_size(path) or (0, 0)
        except OSError:
            return 0, 0


class GalleryAspects:
    """The aspects of every photo of the library, read in chunks in its order (the gallery at start-up: 1M photos):
    width / height of each as the cache knows it (None: not known; nothing is read), and the (path, mtime_ns) of
    those it does not know, appended to ``missing``. While the chunks line up with the cache file's columns (the
    gallery it was last written for) each is one comparison of columns; from the first that does not (photos added,
    removed, or a file of an older version) photos are looked up one by one, and when the cache knows them all,
    :meth:`finish` keeps just those, in their order, to be written at the next save: the next start compares
    columns again. (Written by the instance that read the gallery; another instance saving sizes it read meanwhile
    may be overwritten: those are read again, answers stay right, as entries are keyed by mtime.)"""

    def __init__(self, cache: SizeCache, missing: list[tuple[str, int]]) -> None:
        cache._load_file()
        self.cache, self.missing = cache, missing
        self._table = cache._table  # the file's columns, while the chunks line up with them
        self._kept: dict[str, Entry] | None = None  # once looked up one by one: the gallery's entries, all known
        self._count = 0  # photos taken so far

    def chunk(self, paths: list[str], mtimes: list[int]) -> list[float | None]:
        """The aspects of the next chunk's photos (``paths`` with their ``mtimes``)."""
        at, self._count = self._count, self._count + len(paths)
        table = self._table
        if table is not None and table is self.cache._table:
            fast = table.aspects(paths, mtimes, at)
            if fast is not None:
                self.missing += [(paths[i], mtimes[i]) for i in fast[1]]
                return fast[0]
            entries = self.cache._load()  # the table goes: photos are looked up one by one from here
            self._kept = None if self.missing else {path: entries[path] for path in table.paths[:at]}
        self._table = None
        entries, kept, missing = self.cache._load(), self._kept, self.missing
        aspects: list[float | None] = []
        for path, mtime_ns in zip(paths, mtimes, strict=True):
            entry = _current(entries, path, mtime_ns)
            if entry is None:
                missing.append((path, mtime_ns))
                aspects.append(None)
                kept = None
            else:
                aspects.append(entry[1] / entry[2] if entry[1] > 0 and entry[2] > 0 else None)
                if kept is not None:
                    kept[path] = entry
        self._kept = kept
        return aspects

    def finish(self) -> None:
        """Every chunk taken: keep the gallery's entries alone, in its order, when they are all known and they are
        not the file's already. Not for a gallery that is empty or much smaller than the cache (a library set aside
        after damage, a folder removed for a moment): its other photos' sizes stay."""
        cache, table, count = self.cache, self._table, self._count
        if table is not None and table is cache._table and not self.missing and count < len(table.paths):
            if 2 * count >= len(table.paths):  # the file's first photos: those after them left the library
                cache._entries = dict(islice(cache._load().items(), count))
                cache.unsaved = max(cache.unsaved, 1)
            return
        kept = self._kept
        if kept is not None and len(kept) == count and 2 * count >= len(cache._load()):
            cache._entries = kept  # (a path given twice could never line up)
            cache.unsaved = max(cache.unsaved, 1)


def _current(entries: dict[str, Entry], path: str, mtime_ns: int) -> Entry | None:
    """The cache's ``(mtime_ns, width, height)`` of ``path`` when it was read from the file as it is now."""
    entry = entries.get(path)
    return entry if entry is not None and entry[0] == mtime_ns else None
