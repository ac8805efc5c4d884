"""The library of one home: its database, folders and files, indexing, watching and recovery.

``LibraryService`` owns the ``LibraryStore`` connection (opened on first use; a damaged database is set
aside and a fresh one started from the folders remembered in ``config.json``) and every rule about
folders. The other core services reach the database through :meth:`LibraryService.database`; front ends
reach this service only through ``core.services.Services``.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from motis_desktop.core.errors import MotisError
from motis_desktop.core.formatting import count
from motis_desktop.core.library.gallery import GalleryFile, file_chunks
from motis_desktop.core.library.gone import count as count_gone
from motis_desktop.core.library.gone import forget as forget_gone
from motis_desktop.core.library.index_report import IndexSummary, ProgressFn
from motis_desktop.core.library.locked_folders import LockedFolder, locked_folders
from motis_desktop.core.library.locking import LibraryBusy, busy, wait_until_free
from motis_desktop.core.library.renames import Renamed, where_now
from motis_desktop.core.library.store import (
    FileRecord,
    Folder,
    LibraryCorrupt,
    LibraryStore,
    LibraryUnavailable,
    PhotoDate,
    write_problem,
)
from motis_desktop.core.library.watcher import FolderWatcher, StatusFn, WritingFn
from motis_desktop.core.ocr.text_store import PhotoText, TextStore, photo_text
from motis_desktop.core.paths import AppConfig, AppPaths

if TYPE_CHECKING:  # torch-free at import time; the indexer, its scanner and decoder pool load with the first run
    from motis_desktop.core.library.decode_pool import DecodePool
    from motis_desktop.core.library.index_report import FolderLocated
    from motis_desktop.core.models.engine import Encoder

log = logging.getLogger(__name__)

FOLDERS_KEY = "library_folders"  # config.json: a copy of the folders, to rebuild a damaged library
READ_TEXT_KEY = "read_text"  # config.json: read the words in photos while indexing (default on)
READ_TEXT_ENV = "MOTIS_READ_TEXT"


@dataclass(frozen=True)
class FolderReport:
    """One library folder as the settings show it."""

    path: str
    photos: int
    to_index: int
    failed: int
    online: bool
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, reason), filled on request
    locked: tuple[LockedFolder, ...] = ()  # its subfolders that cannot be opened now (photos left out of searches)


class Decoders:
    """The decoder worker pool, started by the first indexing run that has photos to decode (a run with nothing to
    encode starts no process: ``motis index`` on an unchanged library) and kept until its owner closes it: later
    runs (a watched folder's changes, the next folder added) reuse the workers."""

    QUEUE = 32  # decoded files waiting for the engine (two batches of 16)

    def __init__(self) -> None:
        self._pool: DecodePool | None = None
        self._lock = threading.Lock()

    def get(self) -> DecodePool:
        from motis_desktop.core.library.indexer import make_decode_pool, plan_threads  # see LibraryService.index

        with self._lock:
            if self._pool is None:
                self._pool = make_decode_pool(plan_threads().decode_workers, self.QUEUE)
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


class LibraryService:
    """The library database of one home and the rules about its folders; one thread at a time.

    Its decoder pool is its own, closed with it, unless :meth:`use_decoders` shares another instance's.
    """

    def __init__(self, paths: AppPaths, config: AppConfig) -> None:
        self._paths = paths
        self._config = config
        self._store: LibraryStore | None = None
        self._recovery: str | None = None  # set when a damaged library was replaced, until taken
        self.decoders = Decoders()
        self._owns_decoders = True

    def use_decoders(self, decoders: Decoders) -> None:
        """Index with ``decoders`` (another instance's pool, which that instance closes)."""
        self.decoders.close()
        self.decoders, self._owns_decoders = decoders, False

    def database(self) -> LibraryStore:
        """The open library database (opened now if needed; a damaged one is set aside and restarted)."""
        if self._store is None:
            try:
                self._store = LibraryStore(self._paths.library_db)
            except LibraryCorrupt as exc:
                self._store = self._recover(exc)
        return self._store

    def take_recovery_notice(self) -> str | None:
        """The notice of a damaged library set aside at opening, once (later calls return None)."""
        notice, self._recovery = self._recovery, None
        return notice

    def close(self) -> None:
        if self._owns_decoders:
            self.decoders.close()
        if self._store is not None:
            self._store.close()
            self._store = None

    def _recover(self, exc: LibraryCorrupt) -> LibraryStore:
        db = self._paths.library_db
        why = write_problem(db)
        if why:  # never half-move a library: leave every file as it is
            raise LibraryUnavailable(f"{exc}; it cannot be set aside because {why}; no file was changed") from None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = db.with_name(f"{db.stem}.damaged-{stamp}{db.suffix}")
        for suffix in ("", "-wal", "-shm"):
            part = db.with_name(db.name + suffix)
            if part.exists():
                os.replace(part, backup.with_name(backup.name + suffix))
        store = LibraryStore(db)
        folders = [f for f in self._config.get(FOLDERS_KEY, []) if isinstance(f, str)]
        for folder in folders:
            store.add_folder(folder)
        self._recovery = (
            f"the library database was damaged ({exc}); it was kept as {backup} and a fresh "
            f"library was started with your {count(len(folders), 'folder')} — indexing rebuilds it from "
            "the photos"
        )
        log.warning(self._recovery)
        return store

    # -- reading -----------------------------------------------------------------

    def require_writable(self) -> None:
        """LibraryWriteError (one line, nothing changed; READ_ONLY, or DISK_FULL when that is why) when the
        library can only be read here."""
        self.database().check_writable()

    def folders(self) -> list[Folder]:
        return self.database().folders()

    def files(self) -> list[FileRecord]:
        return self.database().files()

    def photo_dates(self, file_ids: Iterable[int]) -> dict[int, PhotoDate]:
        return self.database().dates(file_ids)

    def gallery(self) -> list[GalleryFile]:
        """Every file as ``(id, path, permanent error or None, date taken, its source, mtime_ns)``, by path: what
        ``files`` and ``photo_dates`` say, in one read of the library (:meth:`gallery_chunks`, as one list)."""
        return [file for chunk in self.gallery_chunks() for file in chunk]

    def gallery_chunks(self) -> Generator[list[GalleryFile], None, None]:
        """:meth:`gallery` in chunks, all from one read transaction (``library/gallery.py``)."""
        return file_chunks(self.database())

    def counts(self, model_id: str | None) -> dict[str, int]:
        return self.database().counts(model_id)

    def photos_version(self) -> int:
        """The library's photos' change counter (every process's writes count)."""
        return self.database().photos_version()

    def where_now(self, shown: Mapping[int, str], known_at: float) -> list[Renamed]:
        """The photos of ``shown`` (id → path) now at another path, renamed or moved (``renames.where_now``)."""
        return where_now(self.database(), shown, known_at)

    def embeddings(self, model_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(file ids, unit vectors) stored for ``model_id``."""
        return self.database().embeddings(model_id)

    def sample_paths(self, limit: int) -> list[str]:
        """Up to ``limit`` paths of indexed photos (probe photos for measuring a model)."""
        return self.database().sample_paths(limit)

    def locked_subfolders(self) -> int:
        """``Services.locked_subfolders``."""
        return len(locked_folders(self.database()))

    def folder_reports(self, model_id: str | None, failures: bool = False) -> list[FolderReport]:
        """Per folder: photo count, still to index for ``model_id``, failed, online, its subfolders that cannot be
        opened (and failed paths/reasons)."""
        store = self.database()
        counts = store.folder_counts(model_id)
        locked = locked_folders(store)
        reports = []
        for folder in store.folders():
            photos, to_index, failed = counts.get(folder.id, (0, 0, 0))
            listed = [(r.path, r.error or "") for r in store.failed([folder.id])] if failures and failed else []
            shut = tuple(f for f in locked if f.root == folder.path)
            online = os.path.isdir(folder.path)
            reports.append(FolderReport(folder.path, photos, to_index, failed, online, listed, shut))
        return reports

    # -- folders -------------------------------------------------------------------

    def add_folders(self, folders: list[str]) -> list[Folder]:
        """Add library roots; each must be an existing folder, and none is added unless all are (QA: a mistyped
        second folder failed the command after the first had been added)."""
        self.require_writable()
        paths = [os.path.abspath(folder) for folder in folders]
        for folder, path in zip(folders, paths, strict=True):
            if not os.path.isdir(path):
                raise MotisError(f"not a folder: {folder}")
            if os.path.dirname(path) == path:  # "/" (or a drive's root): the system's files, every disk mounted
                raise MotisError(
                    f"{path} is the whole disk, system files included: add the folders that hold your photos "
                    "(for example ~/Pictures)"
                )
        added = [self.database().add_folder(path) for path in paths]
        self._remember_folders()
        return added

    def remove_folder(self, folder: str) -> int:
        """Forget a library folder and its entries (the photos stay on disk)."""
        self.require_writable()
        removed = self.database().remove_folder(folder)
        self._remember_folders()
        log.info("removed folder %s (%d files) from the library", folder, removed)
        return removed

    def move_folder(
        self, old: str, new: str, progress: ProgressFn | None = None, cancel: threading.Event | None = None
    ) -> FolderLocated:
        """Put the offline library folder ``old`` at ``new``, with the photos found there (``folder_locate``)."""
        self.require_writable()
        from motis_desktop.core.library.folder_locate import locate_folder  # the scanner: not before the first paint

        located = locate_folder(self.database(), old, new, cancel, progress)
        self._remember_folders()
        log.info("library folder %s moved to %s (%d of %d photos)", old, new, located.moved, located.photos)
        return located

    def set_folders(self, folders: list[str]) -> None:
        """Make the library's folders exactly ``folders``: others are forgotten (photos stay), new ones added."""
        wanted = {os.path.abspath(f) for f in folders}
        current = {f.path for f in self.folders()}
        for gone in sorted(current - wanted):
            self.remove_folder(gone)
        if wanted - current:
            self.add_folders(sorted(wanted - current))

    def gone_photos(self) -> int:
        """How many photos that left the library folders are remembered (``gone``: their vectors, date and text,
        up to ``gone.KEEP_DAYS`` days, so that one coming back is not read again)."""
        return count_gone(self.database())

    def forget_gone_photos(self) -> int:
        """Forget now every photo remembered after it left the library folders (one coming back is read again as
        a new photo); returns how many."""
        forgotten = forget_gone(self.database())
        log.info("forgot %d photos that left the library folders", forgotten)
        return forgotten

    def _remember_folders(self) -> None:
        # A copy outside the database, so a damaged library can be rebuilt from the same folders.
        folders = [f.path for f in self.folders()]
        if self._config.get(FOLDERS_KEY) != folders:
            self._config.set(FOLDERS_KEY, folders)

    # -- indexing and watching -------------------------------------------------------

    def index(
        self,
        encoder: Encoder,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_size: int = 16,
        roots: Iterable[str] | None = None,
        read_text: bool | None = None,
        on_indexed: Callable[[IndexSummary], None] | None = None,
    ) -> IndexSummary:
        """Bring every library folder (or just ``roots``) up to date for ``encoder``'s model, decoding in the
        kept worker pool, then read the words in the photos when ``read_text`` (default: :meth:`text_reading`);
        ``on_indexed`` hears what the run did before that stage begins."""
        self.require_writable()
        # The indexer asks for the workers once its scan has found photos to decode (they start while the image
        # session is made). Imported with the first run: the indexer brings the scanner and the decoder pool, whose
        # imports (~35 ms) would otherwise come before the window's first paint.
        from motis_desktop.core.library.indexer import Indexer

        text = self.text_reading() if read_text is None else read_text
        indexer = Indexer(
            self.database(), encoder, batch_size, pool=self.decoders.get, read_text=text, on_indexed=on_indexed
        )
        return indexer.run(progress, cancel, roots)

    def scan(self, progress: ProgressFn | None = None, cancel: threading.Event | None = None) -> IndexSummary:
        """Bring the library's list of photos up to date without a model (``scan_diff.scan_only``)."""
        self.require_writable()
        from motis_desktop.core.library.scan_diff import scan_only  # as the indexer: not before the first paint

        return scan_only(self.database(), progress, cancel or threading.Event())

    def busy(self) -> LibraryBusy | None:
        """Who indexes this library now (another process holds the indexer's lock), or None when no one does."""
        return busy(self._paths.library_db.parent / "index.lock")

    def wait_until_free(self, cancel: threading.Event) -> bool:
        """Wait until no other process indexes this library (the indexer's lock, beside the database, is free):
        True, or False when ``cancel`` was set first."""
        return wait_until_free(self._paths.library_db.parent / "index.lock", cancel)

    # -- text in photos (core/ocr) -------------------------------------------------------

    def text_reading(self) -> bool:
        """Whether indexing reads the words in photos: the ``read_text`` setting (on by default); the
        ``MOTIS_READ_TEXT`` environment variable (0/1) overrides it (the test suite turns it off)."""
        forced = _forced_text_reading()
        return forced if forced is not None else self._config.get(READ_TEXT_KEY, True) is not False

    def text_reading_forced(self) -> bool:
        """Whether ``MOTIS_READ_TEXT`` is set, so that it decides rather than the setting."""
        return _forced_text_reading() is not None

    def set_text_reading(self, on: bool) -> None:
        """Turn reading the words in photos on or off (text already read stays searchable)."""
        self._config.set(READ_TEXT_KEY, bool(on))
        log.info("reading text in photos: %s", "on" if on else "off")

    def photo_text(self, path: str | os.PathLike[str], read_now: bool = True) -> PhotoText:
        """What indexing stored for a library photo whose file is unchanged since, else (``read_now``) read
        now in this process. MotisError (one line) for a file that cannot be read."""
        return photo_text(self.database(), os.path.abspath(os.fspath(path)), read_now)

    def text_status(self) -> dict[str, int]:
        """``read``, ``with_text`` and ``failed`` counts of the library's photos."""
        return TextStore(self.database()).counts()

    def watch(
        self,
        on_change: Callable[[set[str]], None],
        on_status: StatusFn | None = None,
        *,
        on_writing: WritingFn | None = None,
        **options: float,
    ) -> FolderWatcher:
        """Start watching every library folder (see ``Services.watch``; ``on_writing``: ``FolderWatcher``'s)."""
        watcher = FolderWatcher(on_change, on_status, ignore=[str(self._paths.home)], on_writing=on_writing, **options)
        watcher.set_roots(f.path for f in self.folders())
        return watcher

    def watch_and_index(
        self,
        stop: threading.Event,
        run: Callable[[set[str] | None], IndexSummary],
        on_summary: Callable[[IndexSummary], None] | None = None,
        on_status: StatusFn | None = None,
        on_busy: Callable[[LibraryBusy], None] | None = None,
        on_writing: WritingFn | None = None,
        **options: float,
    ) -> None:
        """Keep the library current until ``stop`` is set: one indexing run per burst of changes, on this
        thread (``run(roots)``: an indexing run of those roots, None: all; ``Services.index``, with the model active
        then, which also finishes a take-over from the demo model). Compares the library with the disk once at
        start. A run that finds another process indexing (``on_busy`` hears who) waits for it to end and then runs.
        ``on_writing`` hears of photos still being copied in (``FolderWatcher``), on the watcher's thread."""
        changes: queue.Queue[set[str] | None] = queue.Queue()
        watcher = self.watch(changes.put, on_status, on_writing=on_writing, **options)

        def wake_on_stop() -> None:
            stop.wait()
            changes.put(None)

        threading.Thread(target=wake_on_stop, daemon=True).start()
        try:
            roots: set[str] | None = None  # first run: everything
            while not stop.is_set():
                summary = self._index_when_free(run, stop, roots, on_busy)
                if summary is None:
                    break
                if on_summary is not None:
                    on_summary(summary)
                more = _next_burst(changes)
                if more is None:
                    break
                roots = more
        finally:
            watcher.stop()

    def _index_when_free(
        self,
        run: Callable[[set[str] | None], IndexSummary],
        stop: threading.Event,
        roots: set[str] | None,
        on_busy: Callable[[LibraryBusy], None] | None,
    ) -> IndexSummary | None:
        """One indexing run, after any other process's run has ended; None when stopped while waiting."""
        while True:
            try:
                return run(roots)
            except LibraryBusy as held:
                if on_busy is not None:
                    on_busy(held)
                if not self.wait_until_free(stop):
                    return None


def _next_burst(changes: queue.Queue[set[str] | None]) -> set[str] | None:
    """The roots of the next burst of changes (with any that queued up meanwhile); None when stopped."""
    item = changes.get()
    if item is None:
        return None
    roots = set(item)
    while not changes.empty():  # changes that queued up during the run join this one
        more = changes.get()
        if more is None:
            return None
        roots |= more
    return roots


def _forced_text_reading() -> bool | None:
    """What ``MOTIS_READ_TEXT`` says (None: not set, or not a yes/no)."""
    forced = os.environ.get(READ_TEXT_ENV, "").strip().lower()
    if forced in ("1", "on", "true", "yes"):
        return True
    if forced in ("0", "off", "false", "no"):
        return False
    return None
