"""The one door into the core: front ends hold a :class:`Services` and call its methods.

``Services`` is a thin facade over three services with private state, each beside what it wraps:
``library.service.LibraryService`` (database, folders, indexing, watching, recovery), ``models.service.
ModelService`` (installed models, activation, installs, encoders, inference modes) and ``search.searcher.
Searcher`` (queries: plan, strategy, text-vector cache, vector indexes). Every rule a user can see is decided in
one of them once, so the GUI and the CLI cannot drift apart. The types and names front ends need are re-exported.

Threads: a ``Services`` and its library connection may be used from one thread at a time. A front end
that works in background threads gives each its own instance with :meth:`Services.spawn`, which shares
the loaded encoders (loading a model is the expensive part) but opens its own database connection.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from motis_desktop.core.file_lock import name_this_process
from motis_desktop.core.gone_door import Doors
from motis_desktop.core.images.details import PhotoDetails, read_details
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.images.sizes import SAVE_EVERY, PhotoSizes, SizeCache
from motis_desktop.core.kinds import DateSource, ProgressPhase, SortOrder
from motis_desktop.core.library.gallery import GalleryFile, GalleryPhoto, photo_chunks
from motis_desktop.core.library.gone import KEEP_DAYS as GONE_KEEP_DAYS
from motis_desktop.core.library.index_report import MAX_BATCH, IndexSummary, Progress, ProgressFn, Skipped
from motis_desktop.core.library.locking import LibraryBusy
from motis_desktop.core.library.service import FolderReport, LibraryService
from motis_desktop.core.library.store import FileRecord, Folder, PhotoDate
from motis_desktop.core.library.watcher import FolderWatcher, StatusFn, WritingFn
from motis_desktop.core.models.demo import DEMO_MODEL as DEMO_MODEL
from motis_desktop.core.models.download_folder import WaitingDownload
from motis_desktop.core.models.manifest import ModelInfo
from motis_desktop.core.models.registry import InstallProgress, RegistryFile, RegistryModel
from motis_desktop.core.models.service import NO_MODEL_HINT, PROBE_PATHS, ModelRemoved, ModelService
from motis_desktop.core.models.switch import SPEEDS, SpeedRecord, SwitchPlan, SwitchResult, plan_switch, run_switch
from motis_desktop.core.models.takeover import finish_takeover
from motis_desktop.core.ocr.text_store import PhotoText
from motis_desktop.core.paths import EMPTY_HOME, AppConfig, AppPaths
from motis_desktop.core.search.indexes import AUTO_EXACT_MAX, CHOICES
from motis_desktop.core.search.query import IMAGE_SUFFIXES, SYNTAX_HELP, Query
from motis_desktop.core.search.searcher import IndexState, Searcher
from motis_desktop.core.search.service import QueryResult, SearchHit, TextMatch, format_date

if TYPE_CHECKING:  # onnxruntime is imported when a model loads: the GUI starts before that
    from motis_desktop.core.models.engine import Encoder as Encoder  # re-exported for front ends

__all__ = [
    "AUTO_EXACT_MAX",
    "DateSource",
    "EMPTY_HOME",
    "ProgressPhase",
    "SortOrder",
    "NO_MODEL_HINT",
    "STRATEGY_CHOICES",
    "SYNTAX_HELP",
    "IMAGE_SUFFIXES",
    "PhotoDate",
    "PhotoDetails",
    "PhotoSizes",
    "PhotoText",
    "TextMatch",
    "Query",
    "QueryResult",
    "format_date",
    "FileRecord",
    "FolderReport",
    "GONE_KEEP_DAYS",
    "FolderWatcher",
    "Folder",
    "IndexState",
    "IndexSummary",
    "InstallProgress",
    "LibraryBusy",
    "MAX_BATCH",
    "name_this_process",
    "ModelInfo",
    "ModelRemoved",
    "WaitingDownload",
    "PreprocessConfig",
    "Progress",
    "RegistryFile",
    "RegistryModel",
    "SearchHit",
    "Services",
    "Skipped",
    "SwitchPlan",
]

STRATEGY_CHOICES = CHOICES  # vector index strategies a user may choose ("auto" first)

log = logging.getLogger(__name__)
_warned_homes: set[Path] = set()  # homes whose privacy warning was logged by this process


class Services(Doors):
    """The app's services for one home folder: library, models and search (photos gone lately: the mixin's)."""

    def __init__(self, paths: AppPaths, background_rebuilds: bool = False) -> None:
        paths.ensure()
        self.privacy_warning = paths.privacy_warning()  # front ends show it (one line); nothing is changed
        if self.privacy_warning and paths.home not in _warned_homes:
            _warned_homes.add(paths.home)
            log.warning(self.privacy_warning)
        self._paths, self._background = paths, background_rebuilds
        self._config = AppConfig(paths.config_file)
        self._library = LibraryService(paths, self._config)
        self._models = ModelService(paths, self._config, self._library.sample_paths)
        self._search = Searcher(self._library.database, paths.cache_dir / "indexes", self._config, background_rebuilds)
        self._sizes = SizeCache(paths.cache_dir / "sizes.bin")  # this instance's thread only, as the library

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None, create: bool = True) -> Services:
        return cls(AppPaths.resolve(home, create))  # create=False: a named home that is missing is NoLibrary

    def spawn(self, background_rebuilds: bool | None = None) -> Services:
        """A new instance for another thread: same home and loaded encoders, its own library connection."""
        other = Services(self._paths, self._background if background_rebuilds is None else background_rebuilds)
        other._models = self._models.spawn(other._library.sample_paths)
        other._library.use_decoders(self._library.decoders)  # the same workers, closed by this instance
        return other

    @property
    def home(self) -> Path:
        """The app's data folder (front ends keep their own settings and logs here)."""
        return self._paths.home

    def cache_dir(self, name: str) -> Path:
        """A folder for a front end's disposable cache (e.g. thumbnails) under the home's cache."""
        return self._paths.cache_dir / name

    def settings(self) -> dict[str, Any]:
        """A copy of the settings shared by the front ends (``config.json``: active model, strategy, folders)."""
        return self._config.read()

    def open_library(self) -> None:
        """Open the library now (a damaged one is set aside and restarted, see :meth:`recovery_notice`)."""
        self._library.database()

    def recovery_notice(self) -> str | None:
        """Once, after the library was found damaged and restarted: the line to show the user."""
        return self._library.take_recovery_notice()

    def close(self) -> None:
        if self._sizes.unsaved:
            self._sizes.save()
        self._search.close()
        self._library.close()

    # -- models ----------------------------------------------------------------

    def active_model(self) -> ModelInfo | None:
        """The chosen model; if none is chosen (or it was removed), the only/first installed one."""
        return self._models.active()

    def use_model(self, name: str) -> ModelInfo:
        """Make an installed model the active one."""
        return self._models.use(name)

    def plan_model_switch(self, name: str, measure: bool = True) -> SwitchPlan:
        """What switching the active model to ``name`` will do and how long it takes (``core.models.switch``)."""
        return plan_switch(self, name, measure)

    def switch_model(
        self,
        name: str,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_size: int = 16,
        plan: SwitchPlan | None = None,
    ) -> SwitchResult:
        """Make ``name`` the active model without emptying search: the library is encoded with it while the
        active model keeps answering; it takes over in one step once it covers every photo (``core.models.switch``)."""
        return run_switch(self, self._models.set_pending, name, progress, cancel, batch_size, plan)

    def pending_model(self) -> str | None:
        """The model a switch in progress is encoding the library for (None when no switch runs)."""
        return self._models.pending()

    def takeover_model(self) -> str | None:
        """The model waiting to take over from the demo once the library is indexed with it (``models.takeover``)."""
        return self._models.takeover()

    def installed_models(self) -> list[ModelInfo]:
        return self._models.installed()

    def remove_model(self, name: str) -> ModelRemoved:
        """Delete an installed model; removing the active one makes the first model left active (or none)."""
        return self._models.remove(name)

    def export_model(self, name: str, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
        """Write a model as a seed-format TorchScript pair; returns (image file, text file)."""
        return self._models.export(name, out_dir)

    def available_models(self) -> list[RegistryModel]:
        """The models that can be downloaded, in the registry's order."""
        return self._models.available()

    def waiting_downloads(self) -> list[WaitingDownload]:
        """Models whose download was started and not finished: ``download_model`` resumes it."""
        return self._models.waiting_downloads()

    def import_checkpoint(
        self, checkpoint: str | Path, name: str, replace: bool = False, cancel: threading.Event | None = None
    ) -> ModelInfo:  # install an OpenAI/open_clip checkpoint as ``name``, active only when none is; cancel: import_pair
        return self._models.import_checkpoint(checkpoint, name, replace, cancel)

    def import_pair(
        self,
        image_file: str | os.PathLike[str],
        text_file: str | os.PathLike[str],
        name: str,
        preprocess_config: PreprocessConfig | None = None,
        replace: bool = False,
        any_order: bool = False,
        cancel: threading.Event | None = None,
    ) -> ModelInfo:
        """Install a TorchScript pair as ``name``; with ``any_order`` the swapped order is tried if the given one does
        not load (the GUI's file picker cannot tell the towers apart); ``cancel`` set stops it between its steps."""
        return self._models.import_pair(image_file, text_file, name, preprocess_config, replace, any_order, cancel)

    def download_model(
        self,
        name: str,
        progress: Callable[[InstallProgress], None] | None = None,
        cancel: threading.Event | None = None,
        timeout_s: float = 30.0,
        replace: bool = False,
    ) -> ModelInfo:
        """Download the registry model ``name``, verify and install it; it becomes active only when none is."""
        return self._models.download(name, progress, cancel, timeout_s, replace)

    def install_demo_model(self, cancel: threading.Event | None = None) -> ModelInfo:
        """Install "colour-demo", a tiny model that knows colour words only (``models.demo``); no download."""
        return self._models.install_demo(cancel)

    def model_info(self, name: str | None = None) -> ModelInfo:
        """The named model, or the active one; ModelError with a hint when none is installed."""
        return self._models.info(name)

    def encoder(self, name: str | None = None) -> Encoder:
        """Load (once) and return the encoder of the named or active model, in its chosen inference mode."""
        return self._models.encoder(name)

    def prepared_encoder(self, name: str | None = None) -> Encoder | None:
        """:meth:`encoder`, or None when its first use on this machine must measure it first (:meth:`prepare_model`)."""
        return self._models.prepared_encoder(name)

    def prepare_model(self, name: str, probes: list[str]) -> None:
        """Measure the model's inference modes on ``probes`` (:meth:`probe_photos`) if not done here (no library)."""
        self._models.prepare(name, probes)

    def probe_photos(self) -> list[str]:
        """Library photos to measure a model on (:meth:`prepare_model`)."""
        return self._library.sample_paths(PROBE_PATHS)

    def reference_encoder(self, name: str | None = None) -> Encoder:
        """A fresh load of the named or active model in its reference mode (fp32), not kept (benchmarks)."""
        return self._models.reference_encoder(name)

    def bench_model(self, name: str | None = None) -> dict[str, Any]:  # every inference mode measured, choice cached
        return self._models.bench(name)

    # -- library ---------------------------------------------------------------

    def require_writable(self) -> None:
        """LibraryWriteError (one line, nothing changed) when the library can only be read here."""
        self._library.require_writable()

    def folders(self) -> list[Folder]:  # the library's folders with their file counts
        return self._library.folders()

    def files(self) -> list[FileRecord]:  # every file of the library
        return self._library.files()

    def photo_details(self, path: str) -> PhotoDetails:
        """One photo's facts for a details panel: date taken and its field, camera, lens, exposure, size, GPS."""
        return read_details(path)

    def gallery(self) -> list[GalleryFile]:  # every file, by path: (id, path, error, date taken, its source, mtime)
        return self._library.gallery()

    def gallery_photos(self, missing: list[tuple[str, int]]) -> Generator[list[GalleryPhoto], None, None]:
        """:meth:`gallery` in chunks of one snapshot, mtimes as aspects, those the cache lacks added to ``missing``."""
        return photo_chunks(self._library.gallery_chunks(), self._sizes, missing)

    def photo_dates(self, file_ids: Iterable[int]) -> dict[int, PhotoDate]:
        """When each photo was taken (EXIF, else mtime; see ``PhotoDate.source``)."""
        return self._library.photo_dates(file_ids)

    def photo_sizes(self, files: Iterable[tuple[str, int]], read: int = 0) -> PhotoSizes:
        """Upright (width, height) of (path, mtime_ns) from the size cache; up to ``read`` others read now, kept."""
        sizes = self._sizes.lookup(files, read)
        if self._sizes.unsaved >= SAVE_EVERY:
            self._sizes.save()
        return sizes

    def photo_aspects(self, files: Iterable[tuple[str, int]]) -> tuple[list[float | None], list[tuple[str, int]]]:
        """Width / height of each (path, mtime_ns) in the size cache, in order (None: not in it), and those it lacks."""
        return self._sizes.aspects(files)

    def save_photo_sizes(self) -> None:
        """Write the header-size cache, forgetting photos no longer in the library (after a round of reads)."""
        self._sizes.save(keep=(file[1] for chunk in self._library.gallery_chunks() for file in chunk))

    def counts(self, model_id: str | None) -> dict[str, int]:  # files, indexed (for model_id) and errors
        return self._library.counts(model_id)

    def embeddings(self, model: str | None = None) -> tuple[np.ndarray, np.ndarray]:  # (file ids, unit vectors)
        return self._library.embeddings(self._models.info(model).model_id)

    def add_folders(self, folders: list[str]) -> list[Folder]:
        """Add library roots; each must be an existing folder."""
        return self._library.add_folders(folders)

    def remove_folder(self, folder: str) -> int:
        """Forget a library folder and its entries (the photos stay on disk)."""
        return self._library.remove_folder(folder)

    def set_folders(self, folders: list[str]) -> None:
        """Make the library's folders exactly ``folders``: others are forgotten (photos stay), new ones added."""
        self._library.set_folders(folders)

    def index(
        self,
        model: str | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_size: int = 16,
        roots: Iterable[str] | None = None,
        read_text: bool | None = None,
        on_indexed: Callable[[IndexSummary], None] | None = None,
    ) -> IndexSummary:
        """Bring every library folder (or the ``roots`` a watcher saw change) up to date for a model (none named: the
        one taking over from the demo, ``models.takeover``, if one waits); then read the text in the photos unless
        ``read_text`` (default: the setting) is off (``on_indexed``: before)."""
        self._library.require_writable()
        takeover = None if model else self._models.takeover()  # encodes for the model to take over from the demo
        encoder = self._models.encoder(takeover or model, cancel)  # a cancel stops a first use's measuring too
        speed = SpeedRecord(self.cache_dir(SPEEDS), encoder.model_id, progress)  # for the next model switch's plan
        try:
            summary = self._library.index(encoder, speed, cancel, batch_size, roots, read_text, on_indexed)
        finally:
            speed.save()
        if takeover and finish_takeover(self, takeover, summary.cancelled):
            summary.took_over = takeover  # said by ``motis watch``
        return summary

    def scan(self, progress: ProgressFn | None = None, cancel: threading.Event | None = None) -> IndexSummary:
        """The library's list of photos brought up to date while no model is ready (:meth:`index` encodes them)."""
        return self._library.scan(progress, cancel)

    def text_reading(self) -> bool:
        """Whether indexing reads the words in photos (setting ``read_text``; ``MOTIS_READ_TEXT`` overrides)."""
        return self._library.text_reading()

    def text_reading_forced(self) -> bool:
        """Whether ``MOTIS_READ_TEXT`` is set: it decides, and the setting has no effect."""
        return self._library.text_reading_forced()

    def set_text_reading(self, on: bool) -> None:
        """Turn reading the words in photos on or off (text already read stays searchable)."""
        self._library.set_text_reading(on)

    def photo_text(self, path: str | os.PathLike[str], read_now: bool = True) -> PhotoText:
        """The text in a photo: what indexing stored (file unchanged since), else (``read_now``) read now."""
        return self._library.photo_text(path, read_now)

    def text_status(self) -> dict[str, int]:
        """``read``, ``with_text`` and ``failed`` counts of the library's photos."""
        return self._library.text_status()

    def folder_reports(self, model: str | None = None, failures: bool = False) -> list[FolderReport]:
        """Per library folder: photo count, still to index, failed, online (and the failures' paths/reasons)."""
        info = self._models.active() if model is None else self._models.info(model)
        return self._library.folder_reports(info.model_id if info else None, failures)

    def watch(
        self, on_change: Callable[[set[str]], None], on_status: StatusFn | None = None, **options: float
    ) -> FolderWatcher:
        """Watch every library folder: ``on_change(roots)`` after each (debounced) burst of changes, ``on_status(root,
        online)`` when one goes offline or comes back; on the watcher's thread. ``set_roots``, ``stop()`` after."""
        return self._library.watch(on_change, on_status, on_writing=None, **options)

    def watch_and_index(
        self,
        stop: threading.Event,
        on_summary: Callable[[IndexSummary], None] | None = None,
        model: str | None = None,
        on_status: StatusFn | None = None,
        on_busy: Callable[[LibraryBusy], None] | None = None,
        on_writing: WritingFn | None = None,
        **options: float,
    ) -> None:
        """Keep the library current with :meth:`index` runs until ``stop`` (``LibraryService.watch_and_index``)."""
        run = lambda roots: self.index(model, cancel=stop, roots=roots)  # noqa: E731 (one line, one use)
        self._library.watch_and_index(stop, run, on_summary, on_status, on_busy, on_writing, **options)

    # -- search ------------------------------------------------------------------

    def index_strategy(self) -> str:
        """The configured vector index strategy ("auto" unless the user chose one)."""
        return self._search.strategy()

    def set_index_strategy(self, strategy: str) -> None:
        """Choose the vector index strategy (one of ``STRATEGY_CHOICES``); UnknownStrategy otherwise."""
        self._search.set_strategy(strategy)

    def query_overflow(self, text: str, model: str | None = None) -> tuple[int, int]:
        """(tokens the longest text term of the query takes, tokens the model reads: it ignores those beyond)."""
        return self._search.longest_text_term(text), self._models.info(model).context_length

    def warm_up(self, model: str | None = None) -> Encoder:
        """Load the model, its vector index and the query path once (the first search pays for none); its encoder."""
        encoder = self._models.encoder(model)
        self._search.warm_up(encoder)
        log.debug("warmed up model %s", encoder.model_id)
        return encoder

    def update_search_index(self, model: str | None = None, strategy: str | None = None) -> IndexState:
        """Bring the vector index of the named or active model up to date now (instead of at the next search)."""
        return self._search.update_index(self._models.info(model).model_id, strategy)

    def query(
        self,
        query: str | Query,
        limit: int | None = None,
        cutoff: bool = True,
        model: str | None = None,
        image: str | None = None,
        cwd: str | None = None,
        strategy: str | None = None,
        signals: tuple[str, ...] = ("meaning", "text", "name"),
    ) -> QueryResult:
        """Run a query in the query language (``core.search.query``), the one way to search: only the results that
        stand out (the relevance cut-off, at most ``limit``); with ``cutoff=False`` the top ``limit`` (all that pass
        the filters when None). ``image``: one more term (``--image``); ``strategy`` overrides the configured one.
        Plain words also match the text read in the photos and file names (``search/fusion.py``; ``signals``)."""
        info = self._models.info(model)
        return self._search.query(
            self._models.encoder_of(info), query, limit, cutoff, image, cwd, strategy, signals, model=info
        )
