"""Build the core's services in one place; front ends receive this object."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from motis_desktop.core.errors import ModelError, MotisError
from motis_desktop.core.library.indexer import Indexer, IndexSummary, ProgressFn
from motis_desktop.core.library.store import Folder, LibraryCorrupt, LibraryStore
from motis_desktop.core.library.watcher import FolderWatcher, StatusFn
from motis_desktop.core.models.installed import ModelInfo, ModelStore
from motis_desktop.core.paths import AppConfig, AppPaths
from motis_desktop.core.search.indexes import CHOICES
from motis_desktop.core.search.query import Query, Term, parse_query
from motis_desktop.core.search.query_vector import query_vector
from motis_desktop.core.search.service import QueryResult, SearchHit, SearchService
from motis_desktop.core.search.text_cache import TextVectorCache

if TYPE_CHECKING:  # torch-free at import time: the GUI starts before the model loads
    from motis_desktop.core.models.encoders.base import Encoder

log = logging.getLogger(__name__)

NO_MODEL_HINT = (
    "no model installed: import one with 'motis models import --image IMG.pt --text TXT.pt --name NAME' "
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

    @property
    def store(self) -> LibraryStore:
        """The library database; a damaged one is set aside and a fresh library started (see ``recovery``)."""
        if self._store is None:
            try:
                self._store = LibraryStore(self.paths.library_db)
            except LibraryCorrupt as exc:
                self._store = self._recover(exc)
        return self._store

    def _recover(self, exc: LibraryCorrupt) -> LibraryStore:
        db = self.paths.library_db
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
        if strategy not in CHOICES:
            raise MotisError(f"unknown index strategy {strategy!r} (choose from {', '.join(CHOICES)})")
        self.config.set("index_strategy", strategy)
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
        return installed[0] if installed else None

    def use_model(self, name: str) -> ModelInfo:
        info = self.models.get(name)
        self.config.set("active_model", info.name)
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

    def add_folders(self, folders: list[str]) -> list[Folder]:
        """Add library roots; each must be an existing folder."""
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
        removed = self.store.remove_folder(folder)
        self._remember_folders()
        return removed

    def _remember_folders(self) -> None:
        # A copy outside the database, so a damaged library can be rebuilt from the same folders.
        self.config.set("library_folders", [f.path for f in self.store.folders()])

    def index(
        self,
        model: str | None = None,
        progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
        batch_size: int = 16,
        roots: Iterable[str] | None = None,
    ) -> IndexSummary:
        """Bring every library folder (or just the ``roots`` a watcher saw change) up to date for a model."""
        return Indexer(self.store, self.encoder(model), batch_size=batch_size).run(progress, cancel, roots)

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
        stopper = threading.Thread(target=lambda: (stop.wait(), changes.put(None)), daemon=True)
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

    def search(self, text: str, k: int = 10, model: str | None = None, strategy: str | None = None) -> list[SearchHit]:
        """Top ``k`` photos for ``text``; ``strategy`` overrides the configured index strategy for this call."""
        return self._service_for(strategy).search_text(self.encoder(model), text, k)

    def _service_for(self, strategy: str | None) -> SearchService:
        service = self.search_service
        if strategy and strategy != service.strategy:
            if strategy not in CHOICES:
                raise MotisError(f"unknown index strategy {strategy!r} (choose from {', '.join(CHOICES)})")
            service = SearchService(self.store, self.paths.cache_dir / "indexes", strategy, text_cache=self.text_cache)
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
    ) -> QueryResult:
        """Run a query in the query language (see ``core.search.query``).

        By default only the results that stand out (the relevance cut-off, at most ``limit``); with
        ``cutoff=False`` the top ``limit`` (every photo that passes the filters when ``limit`` is None).
        ``image`` adds an image file as one more term (the CLI's ``--image``); ``strategy`` overrides the
        configured vector index strategy for this call.
        """
        parsed = parse_query(query, cwd) if isinstance(query, str) else query
        if image is not None:
            parsed = parsed.with_terms(Term(1.0, image=os.path.abspath(image)))
        encoder = self.encoder(model)
        qv = query_vector(encoder, self.store, parsed, self.text_cache)
        allowed = None
        if parsed.has_filters:
            allowed = self.store.filter_ids(
                encoder.model_id, parsed.folder_names, parsed.path_prefixes, parsed.after, parsed.before
            )
        log.info(
            "query %r: %d terms, filters=%s, cutoff=%s",
            parsed.describe(),
            len(parsed.terms),
            allowed is not None,
            cutoff,
        )
        return self._service_for(strategy).run_query(
            encoder.model_id, qv.vector, limit, cutoff, allowed, qv.library_ids, parsed.sort
        )
