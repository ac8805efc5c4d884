"""The one door into the core: front ends hold a :class:`Services` and call its methods.

Every rule a user can see (which model becomes active after an install, what a folder must be, which
strategy names exist) is decided here once, so the GUI and the CLI cannot drift apart. The types the
front ends need for results and progress are re-exported from this module.

Threads: a ``Services`` and its library connection may be used from one thread at a time. A front end
that works in background threads gives each its own instance with :meth:`Services.spawn`, which shares
the loaded encoders (loading a model is the expensive part) but opens its own database connection.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from motis_desktop.core.errors import ModelError, MotisError
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.library.indexer import Indexer, IndexSummary, Progress, ProgressFn, Skipped
from motis_desktop.core.library.locking import LibraryBusy
from motis_desktop.core.library.store import (
    FileRecord,
    Folder,
    LibraryCorrupt,
    LibraryStore,
    LibraryUnavailable,
    PhotoDate,
    write_problem,
)
from motis_desktop.core.library.watcher import FolderWatcher, StatusFn
from motis_desktop.core.models.installed import MANIFEST, ModelInfo, ModelStore
from motis_desktop.core.models.registry import (
    InstallProgress,
    RegistryFile,
    RegistryModel,
    find_model,
    install_from_registry,
    load_registry,
)
from motis_desktop.core.ocr.text_store import PhotoText
from motis_desktop.core.paths import AppConfig, AppPaths
from motis_desktop.core.search.indexes import AUTO_EXACT_MAX, CHOICES, check_strategy
from motis_desktop.core.search.query import IMAGE_SUFFIXES, SYNTAX_HELP, Query, Term, parse_query
from motis_desktop.core.search.query_vector import query_vector
from motis_desktop.core.search.service import QueryResult, SearchHit, SearchService, TextMatch, format_date
from motis_desktop.core.search.text_cache import TextVectorCache

if TYPE_CHECKING:  # torch-free at import time: the GUI starts before the model loads
    from motis_desktop.core.models.encoders.base import Encoder

__all__ = [
    "AUTO_EXACT_MAX",
    "NO_MODEL_HINT",
    "STRATEGY_CHOICES",
    "SYNTAX_HELP",
    "IMAGE_SUFFIXES",
    "PhotoDate",
    "PhotoText",
    "TextMatch",
    "Query",
    "QueryResult",
    "format_date",
    "min_faithful_cosine",
    "FileRecord",
    "FolderReport",
    "FolderWatcher",
    "Folder",
    "IndexSummary",
    "InstallProgress",
    "LibraryBusy",
    "ModelInfo",
    "PreprocessConfig",
    "Progress",
    "RegistryFile",
    "RegistryModel",
    "SearchHit",
    "Services",
    "Skipped",
]

STRATEGY_CHOICES = CHOICES  # vector index strategies a user may choose ("auto" first)
READ_TEXT_ENV = "MOTIS_READ_TEXT"

log = logging.getLogger(__name__)

NO_MODEL_HINT = (
    "no model installed: download one with 'motis models download NAME' (list them with 'motis models available'), "
    "or import files with 'motis models import --image IMG.pt --text TXT.pt --name NAME' "
    "or 'motis models import --checkpoint FILE --name NAME'"
)


@dataclass(frozen=True)
class FolderReport:
    """One library folder as the settings show it."""

    path: str
    photos: int
    to_index: int
    failed: int
    online: bool
    failures: list[tuple[str, str]] = field(default_factory=list)  # (path, reason), filled on request


def min_faithful_cosine() -> float:
    """The cosine to fp32 a faster inference mode must keep to be chosen (imports torch)."""
    from motis_desktop.core.models.mode_select import MIN_COSINE

    return MIN_COSINE


class Services:
    """The app's state and services for one home folder (library, models, search)."""

    def __init__(self, paths: AppPaths, background_rebuilds: bool = False) -> None:
        self.paths = paths
        self.background_rebuilds = background_rebuilds
        paths.ensure()
        self.config = AppConfig(paths.config_file)
        self.models = ModelStore(paths.models_dir)
        self._store: LibraryStore | None = None
        self._search: SearchService | None = None
        self._encoders: dict[str, Encoder] = {}
        self.text_cache = TextVectorCache()  # outlives search services rebuilt for another strategy
        self.recovery: str | None = None  # set when a damaged library was replaced at start
        self._lock = threading.Lock()

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None) -> Services:
        return cls(AppPaths.resolve(home))

    def spawn(self, background_rebuilds: bool | None = None) -> Services:
        """A new instance for another thread: same home and loaded encoders, its own library connection."""
        other = Services(self.paths, self.background_rebuilds if background_rebuilds is None else background_rebuilds)
        other._encoders, other._lock = self._encoders, self._lock
        return other

    @property
    def home(self) -> Path:
        """The app's data folder (front ends keep their own settings and logs here)."""
        return self.paths.home

    def cache_dir(self, name: str) -> Path:
        """A folder for a front end's disposable cache (e.g. thumbnails) under the home's cache."""
        return self.paths.cache_dir / name

    @property
    def store(self) -> LibraryStore:
        """The library database; a damaged one is set aside and a fresh library started (see ``recovery``)."""
        if self._store is None:
            try:
                self._store = LibraryStore(self.paths.library_db)
            except LibraryCorrupt as exc:
                self._store = self._recover(exc)
        return self._store

    def open_library(self) -> None:
        """Open the library now (a damaged one is set aside and restarted, see ``recovery``)."""
        _ = self.store

    def _recover(self, exc: LibraryCorrupt) -> LibraryStore:
        db = self.paths.library_db
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
        folders = [f for f in self.config.get("library_folders", []) if isinstance(f, str)]
        for folder in folders:
            store.add_folder(folder)
        self.recovery = (
            f"the library database was damaged ({exc}); it was kept as {backup} and a fresh "
            f"library was started with your {len(folders)} folder(s) — indexing rebuilds it from "
            "the photos"
        )
        log.warning(self.recovery)
        return store

    @property
    def search_service(self) -> SearchService:
        if self._search is None:
            self._search = SearchService(
                self.store,
                self.paths.cache_dir / "indexes",
                self.index_strategy(),
                background=self.background_rebuilds,
                text_cache=self.text_cache,
            )
        return self._search

    def index_strategy(self) -> str:
        """The configured vector index strategy ("auto" unless the user chose one)."""
        strategy = self.config.get("index_strategy", "auto")
        return strategy if strategy in CHOICES else "auto"

    def set_index_strategy(self, strategy: str) -> None:
        """Choose the vector index strategy (one of ``STRATEGY_CHOICES``); UnknownStrategy otherwise."""
        self.config.set("index_strategy", check_strategy(strategy))
        log.info("index strategy set to %s", strategy)
        if self._search is not None:
            self._search = None  # rebuilt with the new strategy on next use

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
            self._search = None

    # -- models ----------------------------------------------------------------

    def active_model(self) -> ModelInfo | None:
        """The chosen model; if none is chosen (or it was removed), the only/first installed one."""
        installed = self.models.list()
        chosen = self.config.get("active_model")
        for info in installed:
            if info.name == chosen:
                return info
        if isinstance(chosen, str) and chosen and (self.paths.models_dir / chosen / MANIFEST).is_file():
            self.models.get(chosen)  # installed but unusable: its ModelError names the manifest
        return installed[0] if installed else None

    def use_model(self, name: str) -> ModelInfo:
        """Make an installed model the active one."""
        info = self.models.get(name)
        self.config.set("active_model", info.name)
        log.info("active model: %s", info.name)
        return info

    def installed_models(self) -> list[ModelInfo]:
        return self.models.list()

    def remove_model(self, name: str) -> None:
        self.models.remove(name)

    def export_model(self, name: str, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
        """Write a model as a seed-format TorchScript pair; returns (image file, text file)."""
        return self.models.export_pair(name, out_dir)

    def available_models(self) -> list[RegistryModel]:
        """The models that can be downloaded, in the registry's order."""
        return load_registry()

    def import_checkpoint(self, checkpoint: str | os.PathLike[str], name: str, replace: bool = False) -> ModelInfo:
        """Install an OpenAI/open_clip checkpoint as ``name`` (activation: see :meth:`_installed`)."""
        return self._installed(self.models.import_checkpoint(checkpoint, name, replace=replace))

    def import_pair(
        self,
        image_file: str | os.PathLike[str],
        text_file: str | os.PathLike[str],
        name: str,
        preprocess_config: PreprocessConfig | None = None,
        replace: bool = False,
        any_order: bool = False,
    ) -> ModelInfo:
        """Install a TorchScript pair as ``name``; with ``any_order`` the swapped order is tried if the given
        one does not load (the GUI's file picker cannot tell the towers apart)."""
        try:
            info = self.models.import_pair(image_file, text_file, name, preprocess_config, replace=replace)
        except ModelError:
            if not any_order:
                raise
            log.info("the pair did not load as (image=%s, text=%s); trying the other order", image_file, text_file)
            info = self.models.import_pair(text_file, image_file, name, preprocess_config, replace=replace)
        return self._installed(info)

    def download_model(
        self,
        name: str,
        progress: Callable[[InstallProgress], None] | None = None,
        cancel: threading.Event | None = None,
        timeout_s: float = 30.0,
        replace: bool = False,
    ) -> ModelInfo:
        """Download the registry model ``name``, verify and install it (activation: see :meth:`_installed`)."""
        model = find_model(name)
        downloads = self.paths.cache_dir / "downloads"
        info = install_from_registry(model, self.models, downloads, progress, cancel, timeout_s, replace)
        return self._installed(info)

    def _installed(self, info: ModelInfo) -> ModelInfo:
        """The one activation rule, for every front end: a new model becomes active only when no installed
        model is active yet. Switching models means re-encoding the library, so it is always the user's call."""
        chosen = self.config.get("active_model")
        if chosen is None or not any(m.name == chosen for m in self.models.list() if m.name != info.name):
            self.use_model(info.name)
        else:
            log.info("installed model %s; the active model stays %s", info.name, chosen)
        return info

    def model_info(self, name: str | None = None) -> ModelInfo:
        """The named model, or the active one; ModelError with a hint when none is installed."""
        if name:
            return self.models.get(name)
        info = self.active_model()
        if info is None:
            raise ModelError(NO_MODEL_HINT)
        return info

    def encoder(self, name: str | None = None) -> Encoder:
        """Load (once) and return the encoder of the named or active model, in its chosen inference mode."""
        info = self.model_info(name)
        with self._lock:
            enc = self._encoders.get(info.model_id)
            if enc is None:
                enc = self._in_chosen_mode(info, self.models.load_encoder(info.name))
                self._encoders[info.model_id] = enc
            return enc

    def _in_chosen_mode(self, info: ModelInfo, base: Encoder) -> Encoder:
        from motis_desktop.core.models.mode_select import MODE_ENV

        forced = os.environ.get(MODE_ENV)
        choice = self.mode_choice(info, base) if not forced else {"mode": forced, "text_truncation": False}
        base.truncate_text = bool(choice.get("text_truncation"))
        mode = str(choice.get("mode", "fp32"))
        if mode == "fp32":
            return base
        try:
            return base.in_mode(mode)
        except Exception as exc:  # never lose the model over a mode: fp32 always works
            log.warning("model %s: inference mode %s failed (%s); using fp32", info.name, mode, exc)
            return base

    def mode_choice(self, info: ModelInfo, base: Encoder | None = None, refresh: bool = False) -> dict:
        """The model's measured inference-mode choice: cached in ``cache/modes/``, measured when missing,
        made on another machine or torch, or ``refresh`` is set (slow: runs every mode)."""
        from motis_desktop.core.models import mode_select

        path = self.paths.cache_dir / "modes" / f"{info.model_id}.json"
        fingerprint = mode_select.machine_fingerprint()
        if not refresh:
            cached = mode_select.read_choice(path, fingerprint)
            if cached is not None:
                return cached
        base = base or self.models.load_encoder(info.name)
        paths = self.store.sample_paths(mode_select.PROBE_PHOTOS * 2)
        choice = mode_select.measure_and_choose(base, paths, fingerprint)
        mode_select.write_choice(path, choice)
        log.info("model %s: inference mode %s chosen by measurement", info.name, choice["mode"])
        return choice

    def bench_model(self, name: str | None = None) -> dict:
        """Measure every inference mode of a model now, cache the choice and return it with the table."""
        info = self.model_info(name)
        choice = self.mode_choice(info, refresh=True)
        with self._lock:
            self._encoders.pop(info.model_id, None)  # the next use loads the new choice
        return choice

    # -- library ---------------------------------------------------------------

    def require_writable(self) -> None:
        """LibraryUnavailable (one line, nothing changed) when the library can only be read here."""
        if self.store.read_only:
            raise LibraryUnavailable(
                f"the library is read-only here: {self.store.read_only}; searching works, "
                "indexing and folder changes need write access"
            )

    def folders(self) -> list[Folder]:
        """The library's folders with their file counts."""
        return self.store.folders()

    def files(self) -> list[FileRecord]:
        """Every file of the library."""
        return self.store.files()

    def photo_dates(self, file_ids: Iterable[int]) -> dict[int, PhotoDate]:
        """When each photo was taken (EXIF, else mtime; see ``PhotoDate.source``)."""
        return self.store.dates(file_ids)

    def counts(self, model_id: str | None) -> dict[str, int]:
        """``files``, ``indexed`` (for ``model_id``) and ``errors`` counts of the library."""
        return self.store.counts(model_id)

    def add_folders(self, folders: list[str]) -> list[Folder]:
        """Add library roots; each must be an existing folder."""
        self.require_writable()
        added = []
        for folder in folders:
            path = os.path.abspath(folder)
            if not os.path.isdir(path):
                raise MotisError(f"not a folder: {folder}")
            added.append(self.store.add_folder(path))
        self._remember_folders()
        return added

    def remove_folder(self, folder: str) -> int:
        """Forget a library folder and its entries (the photos stay on disk)."""
        self.require_writable()
        removed = self.store.remove_folder(folder)
        self._remember_folders()
        log.info("removed folder %s (%d files) from the library", folder, removed)
        return removed

    def set_folders(self, folders: list[str]) -> None:
        """Make the library's folders exactly ``folders``: others are forgotten (photos stay), new ones added."""
        wanted = {os.path.abspath(f) for f in folders}
        current = {f.path for f in self.store.folders()}
        for gone in sorted(current - wanted):
            self.remove_folder(gone)
        if wanted - current:
            self.add_folders(sorted(wanted - current))

    def _remember_folders(self) -> None:
        # A copy outside the database, so a damaged library can be rebuilt from the same folders.
        folders = [f.path for f in self.store.folders()]
        if self.config.get("library_folders") != folders:
            self.config.set("library_folders", folders)

    def index(
        self,
        model: str | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_size: int = 16,
        roots: Iterable[str] | None = None,
        read_text: bool | None = None,
    ) -> IndexSummary:
        """Bring every library folder (or just the ``roots`` a watcher saw change) up to date for a model;
        then read the text in the photos unless ``read_text`` (default: the setting) is off."""
        self.require_writable()
        text = self.text_reading() if read_text is None else read_text
        indexer = Indexer(self.store, self.encoder(model), batch_size=batch_size, read_text=text)
        return indexer.run(progress, cancel, roots)

    # -- text in photos (core/ocr) -------------------------------------------------------

    def text_reading(self) -> bool:
        """Whether indexing reads the words in photos: the ``read_text`` setting (on by default); the
        ``MOTIS_READ_TEXT`` environment variable (0/1) overrides it (the test suite turns it off)."""
        forced = os.environ.get(READ_TEXT_ENV, "").strip().lower()
        if forced in ("0", "off", "false", "no", "1", "on", "true", "yes"):
            return forced in ("1", "on", "true", "yes")
        return self.config.get("read_text", True) is not False

    def set_text_reading(self, on: bool) -> None:
        """Turn reading the words in photos on or off (text already read stays searchable)."""
        self.config.set("read_text", bool(on))
        log.info("reading text in photos: %s", "on" if on else "off")

    def photo_text(self, path: str | os.PathLike[str], read_now: bool = True) -> PhotoText:
        """The text in a photo: what indexing stored for a library photo whose file is unchanged, else
        (``read_now``) read now in this process. MotisError (one line) for a file that cannot be read."""
        from motis_desktop.core.ocr.text_store import photo_text

        return photo_text(self.store, os.path.abspath(os.fspath(path)), read_now)

    def text_status(self) -> dict[str, int]:
        """``read``, ``with_text`` and ``failed`` counts of the library's photos."""
        from motis_desktop.core.ocr.text_store import TextStore

        return TextStore(self.store).counts()

    def folder_reports(self, model: str | None = None, failures: bool = False) -> list[FolderReport]:
        """Per library folder: photo count, still to index, failed, online (and the failures' paths/reasons)."""
        info = self.active_model() if model is None else self.models.get(model)
        counts = self.store.folder_counts(info.model_id if info else None)
        reports = []
        for folder in self.store.folders():
            photos, to_index, failed = counts.get(folder.id, (0, 0, 0))
            listed = [(r.path, r.error or "") for r in self.store.failed([folder.id])] if failures and failed else []
            reports.append(FolderReport(folder.path, photos, to_index, failed, os.path.isdir(folder.path), listed))
        return reports

    def watch(
        self, on_change: Callable[[set[str]], None], on_status: StatusFn | None = None, **options: float
    ) -> FolderWatcher:
        """Start watching every library folder: ``on_change(roots)`` after each (debounced) burst of changes,
        ``on_status(root, online)`` when a folder goes offline or comes back. Callbacks run on the watcher's
        thread; call ``set_roots`` after adding/removing folders and ``stop()`` when done."""
        watcher = FolderWatcher(on_change, on_status, ignore=[str(self.paths.home)], **options)
        watcher.set_roots(f.path for f in self.store.folders())
        return watcher

    def watch_and_index(
        self,
        stop: threading.Event,
        on_summary: Callable[[IndexSummary], None] | None = None,
        model: str | None = None,
        on_status: StatusFn | None = None,
        **options: float,
    ) -> None:
        """Keep the library current until ``stop`` is set: one indexing run per burst of changes, on this
        thread (``motis watch``). Compares the library with the disk once at start."""
        import queue

        changes: queue.Queue[set[str] | None] = queue.Queue()
        watcher = self.watch(changes.put, on_status, **options)

        def wake_on_stop() -> None:
            stop.wait()
            changes.put(None)

        stopper = threading.Thread(target=wake_on_stop, daemon=True)
        stopper.start()
        try:
            roots: set[str] | None = None  # first run: everything
            while not stop.is_set():
                summary = self.index(model, cancel=stop, roots=roots)
                if on_summary is not None:
                    on_summary(summary)
                item = changes.get()
                if item is None:
                    break
                roots = set(item)
                while not changes.empty():  # changes that queued up during the run join this one
                    more = changes.get()
                    if more is None:
                        return
                    roots |= more
        finally:
            watcher.stop()

    def query_overflow(self, text: str, model: str | None = None) -> tuple[int, int]:
        """(tokens the longest text term of the query takes, tokens the model reads); the model ignores
        what lies beyond."""
        from motis_desktop.core.models.tokenizer import token_count

        terms = [t.text for t in parse_query(text).terms if t.text]
        return max((token_count(t) for t in terms), default=0), self.model_info(model).context_length

    def warm_up(self, model: str | None = None) -> Encoder:
        """Load the named or active model, its vector index and the query path once, so the first search
        pays for none of them; returns the encoder."""
        encoder = self.encoder(model)
        self.search_service.index_for(encoder.model_id)
        encoder.encode_queries(["warm up"])
        log.debug("warmed up model %s", encoder.model_id)
        return encoder

    def update_search_index(self, model: str | None = None) -> None:
        """Bring the vector index of the named or active model up to date now (instead of at the next search)."""
        self.search_service.index_for(self.model_info(model).model_id)

    def search(self, text: str, k: int = 10, model: str | None = None, strategy: str | None = None) -> list[SearchHit]:
        """Top ``k`` photos for ``text``; ``strategy`` overrides the configured index strategy for this call."""
        return self._service_for(strategy).search_text(self.encoder(model), text, k)

    def similar(self, file_id: int, k: int = 10, model: str | None = None) -> list[SearchHit]:
        """Top ``k`` photos most like the photo ``file_id`` (by its stored embedding), itself excluded."""
        return self.search_service.similar(self.model_info(model).model_id, file_id, k)

    def _service_for(self, strategy: str | None) -> SearchService:
        service = self.search_service
        if strategy and strategy != service.strategy:
            service = SearchService(
                self.store, self.paths.cache_dir / "indexes", check_strategy(strategy), text_cache=self.text_cache
            )
        return service

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
        """Run a query in the query language (see ``core.search.query``).

        By default only the results that stand out (the relevance cut-off, at most ``limit``); with
        ``cutoff=False`` the top ``limit`` (every photo that passes the filters when ``limit`` is None).
        ``image`` adds an image file as one more term (the CLI's ``--image``); ``strategy`` overrides the
        configured vector index strategy for this call. Plain words also match the text read in the photos
        and their file/folder names, fused into one ranking (``search/fusion.py``; ``signals`` picks a subset).
        """
        parsed = parse_query(query, cwd) if isinstance(query, str) else query
        if image is not None:
            parsed = parsed.with_terms(Term(1.0, image=os.path.abspath(image)))
        from motis_desktop.core.search.fusion import fused_query

        encoder = self.encoder(model)
        if not parsed.terms and not (parsed.text_phrases or parsed.name_parts):
            query_vector(encoder, self.store, parsed, self.text_cache)  # raises: only filters
        allowed = None
        if parsed.folder_names or parsed.path_prefixes or parsed.after is not None or parsed.before is not None:
            allowed = self.store.filter_ids(
                encoder.model_id, parsed.folder_names, parsed.path_prefixes, parsed.after, parsed.before
            )
        log.info(
            "query %r: %d terms, filters=%s, cutoff=%s",
            parsed.describe(),
            len(parsed.terms),
            parsed.has_filters,
            cutoff,
        )
        service = self._service_for(strategy)
        return fused_query(service, self.store, encoder, parsed, limit, cutoff, allowed, self.text_cache, signals)
