"""The query thread (:class:`Backend`) and the jobs it runs for the window.

Every job runs on the task runner's ``LIBRARY`` lane (see :mod:`motis_desktop.gui.tasks`, which states
the one rule for which thread may touch the library): one thread, never retired, with its own
:class:`Services`, so its SQLite connection is used by that thread only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from motis_desktop.core.errors import LibraryWriteError, MotisError
from motis_desktop.core.gc_pause import gc_paused
from motis_desktop.core.services import Services
from motis_desktop.gui.gallery_rows import Columns, GalleryRows
from motis_desktop.gui.library_model import SortedGallery, SortOrder, sorted_gallery
from motis_desktop.gui.tasks import Lane, Task, TaskRunner

log = logging.getLogger(__name__)


class Backend(QObject):
    """The runner's ``LIBRARY`` lane with its own Services: queries, the gallery, settings, the model;
    jobs run in the order they were submitted."""

    def __init__(self, services: Services, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parent_services = services
        self.runner = runner
        self._services: Services | None = None
        self._owner: int | None = None

    @property
    def services(self) -> Services:
        """The worker's Services (call only from jobs)."""
        if self._services is None:
            self._services = self._parent_services.spawn(background_rebuilds=True)
            self._owner = threading.get_ident()
        assert self._owner == threading.get_ident(), "the backend's Services is used by its own thread only"
        return self._services

    def submit(
        self,
        fn: Callable[[Services], Any],
        on_done: Callable[[Any], object],
        on_error: Callable[[str], object] | None = None,
    ) -> Task:
        """Run ``fn(services)`` in the background; ``on_done(result)``/``on_error(msg)`` on the GUI thread."""
        return self.runner.call(Lane.LIBRARY, lambda: fn(self.services), on_done, on_error)

    def shutdown(self) -> None:
        self.runner.drop_queued(Lane.LIBRARY)
        self.runner.wait(Lane.LIBRARY, 10_000)
        if self._services is not None:
            services, self._services = self._services, None
            # The connection belongs to the worker thread: close it there.
            self.runner.call(Lane.LIBRARY, services.close)
            self.runner.wait(Lane.LIBRARY, 10_000)


def open_library(services: Services) -> str | None:
    """Open (check, migrate, or set aside a damaged) library on the backend thread; the line to show once when
    it was found damaged and set aside, else None."""
    services.open_library()
    return services.recovery_notice()


def write_problem(services: Services) -> LibraryWriteError | None:
    """Why the library can only be read here (runs in the backend thread, once it is open), or None."""
    try:
        services.require_writable()
    except LibraryWriteError as exc:
        return exc
    return None


def load_for_search(services: Services, name: str, measure: bool = False) -> Any:
    """Load the model, the library's vector index and the query path (runs in the backend thread),
    so the first search after start-up pays for none of them. None at once where the model's first use on this
    machine must measure it first and ``measure`` is False: the window does that off this thread, which the
    library's other work shares (``ModelController``)."""
    if not measure and services.prepared_encoder(name) is None:
        return None
    return services.warm_up(name)


def gallery_rows(services: Services) -> tuple[GalleryRows, list[tuple[str, int]]]:
    """Every photo of the library as grid rows (columns: gui/gallery_rows.py), and the (path, mtime) of those whose
    pixel size is not known yet (runs in the backend thread; read in chunks of one snapshot, ``gallery_photos``; it
    is most of the gallery's 1 s at 100k photos)."""
    missing: list[tuple[str, int]] = []
    with gc_paused(keep=True), closing(services.gallery_photos(missing)) as chunks:
        rows = GalleryRows(Columns(chain.from_iterable(chunks)))  # chunk by chunk: no list of every row
    return rows, missing


@dataclass(frozen=True)
class LibrarySnapshot:
    """What the window shows of the library: its rows and folders, and a recovery notice once."""

    rows: GalleryRows
    folders: list[str]
    recovery: str | None = None
    missing_sizes: list[tuple[str, int]] = field(default_factory=list)  # (path, mtime) to read sizes of
    folder_photos: dict[str, int] = field(default_factory=dict)  # a scan's photos per folder (IndexSummary's)
    ordered: SortedGallery | None = None  # the rows in the gallery's order as asked for, sorted here
    version: int = -1  # the library's photos' version read just before the rows (``Services.photos_version``)
    locked: int = 0  # subfolders that cannot be opened (permission denied): the idle status line says so


def library_snapshot(services: Services, order: SortOrder = SortOrder.DATE) -> LibrarySnapshot:
    """Rows and folders of the library, the rows also in the gallery's ``order`` (runs in the backend thread); the
    first call reports a recovery."""
    version = services.photos_version()  # first: a change landing during the read makes one more read, never none
    rows, missing = gallery_rows(services)
    with gc_paused(keep=True):
        ordered = sorted_gallery(rows, order)
    folders = [f.path for f in services.folders()]
    locked = services.locked_subfolders()
    snapshot = LibrarySnapshot(rows, folders, services.recovery_notice(), missing, ordered=ordered, version=version)
    return replace(snapshot, locked=locked)


class FirstSnapshot:
    """The gallery at start-up, read on the indexing lane (idle until the model is ready; indexing waits behind
    it) with its own connection, while the backend loads the model and the vector index: the first search then
    waits for those alone, not for 100k rows as well. Made at start: the photo-size cache (``cache/sizes.bin``,
    ~0.06 s at 100k photos) loads at once, while the backend is still opening (checking) the library; the read,
    queued behind it, begins the moment the backend has opened the library (:meth:`open_library`), not when the
    GUI thread, busy with the first paint, next gets to it. ``on_done`` gets the snapshot (not called when the
    library could not be opened: the window reports that, or when :meth:`cancel` came first)."""

    def __init__(self, runner: TaskRunner, services: Services, on_done: Callable[[LibrarySnapshot], object]) -> None:
        self.runner = runner
        self._services, self._on_done = services, on_done
        self._spawned: list[Services] = []  # popped by the read: a finished task keeps none of its caches
        self._opened = threading.Event()  # set when the open returned, failed, or the window closes
        self._recovery: str | None = None
        self._failed = self._cancelled = False

    def start(self) -> None:
        """Load the photo-size cache now and queue the read behind it (on the indexing lane)."""
        self._spawned.append(self._services.spawn())
        spawned = self._spawned
        self.runner.call(Lane.INDEXING, lambda: spawned[0].photo_sizes(()) if spawned else None)
        self.runner.call(Lane.INDEXING, self._read, self._on_done, on_error=lambda _message: None)

    def open_library(self, services: Services) -> str | None:
        """:func:`open_library` (on the backend thread), letting the read begin as soon as it returns."""
        self._failed = True  # until it returns
        try:
            self._recovery = open_library(services)
            self._failed = False
            return self._recovery
        finally:
            self._opened.set()

    def cancel(self) -> None:
        """The window is closing: the read does not wait for the open, nor read 100k rows during the quit."""
        self._cancelled = True  # its own flag: an open that returns meanwhile does not undo it
        self._opened.set()

    def _read(self) -> LibrarySnapshot:
        while not self._opened.wait(0.1):  # and a quit that did not go through the window's close
            self._cancelled = self._cancelled or self.runner.closed
            if self._cancelled:
                break
        other = self._spawned.pop()
        try:
            if self._failed or self._cancelled:
                raise MotisError("the library could not be opened, or the window closed first")
            return replace(library_snapshot(other), recovery=self._recovery)
        finally:
            other.close()  # its connection belongs to this thread


@dataclass(frozen=True)
class SettingsOutcome:
    added: list[str]
    removed: list[str]
    switch_to: str | None = None  # the model chosen instead of the active one (switched by the indexing lane)


def apply_settings(services: Services, values: dict[str, Any]) -> SettingsOutcome:
    """Apply the library side of the settings dialog (runs in the backend thread)."""
    services.set_index_strategy(str(values["strategy"]))
    before = {f.path for f in services.folders()}
    services.set_folders([str(Path(p)) for p in values["folders"]])  # removed folders' photos stay on disk
    after = {f.path for f in services.folders()}
    switch_to = None
    if values["model"]:
        active = services.active_model()
        if active is None or values["model"] != active.name:
            switch_to = str(values["model"])  # not use_model: that would empty search until re-indexed
    return SettingsOutcome(sorted(after - before), sorted(before - after), switch_to)
