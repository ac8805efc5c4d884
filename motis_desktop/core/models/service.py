"""The models of one home: installed models, the active one, installs, and loading encoders.

``ModelService`` wraps the models folder (``ModelStore``), the registry and the inference-mode choice. It
holds the one activation rule (*a newly installed model becomes active only when no model is active*) and
the loaded encoders, which instances made with :meth:`ModelService.spawn` share (loading is the expensive
part). Front ends reach it only through ``core.services.Services``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from motis_desktop.core.atomic import write_json_atomic
from motis_desktop.core.errors import ModelError, MotisError
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.demo import DEMO_MODEL, DEMO_ORIGIN, demo_name_problem, demo_pair, is_demo
from motis_desktop.core.models.download_folder import WaitingDownload, tidy, waiting
from motis_desktop.core.models.installed import ModelStore
from motis_desktop.core.models.manifest import MANIFEST, ModelInfo
from motis_desktop.core.models.registry import InstallProgress, RegistryModel, find_model, install_from_registry
from motis_desktop.core.models.registry import load_registry as _load_registry
from motis_desktop.core.models.staging import stop_if_cancelled
from motis_desktop.core.models.switch import PENDING_KEY
from motis_desktop.core.models.takeover import TAKEOVER_KEY
from motis_desktop.core.paths import AppConfig, AppPaths

if TYPE_CHECKING:  # onnxruntime is imported when a model loads: the GUI starts before that
    from motis_desktop.core.models.engine import Encoder

log = logging.getLogger(__name__)

ACTIVE_KEY = "active_model"  # config.json

NO_MODEL_HINT = (
    "no model installed: download one with 'motis models download NAME' (list them with 'motis models available'), "
    "or import files with 'motis models import --image IMG.pt --text TXT.pt --name NAME' "
    "or 'motis models import --checkpoint FILE --name NAME'; "
    "no internet? 'motis models demo' installs a tiny demo model that knows colour words only"
)

ProbePaths = Callable[[int], list[str]]  # up to N library photos to measure a model on
PROBE_PATHS = 64  # paths asked for: twice the probe photos the measurement keeps (some may not decode)


@dataclass(frozen=True)
class ModelRemoved:
    """What removing a model changed: ``active`` is the active model now (None: no model is installed)."""

    name: str
    was_active: bool
    active: str | None


class _Loaded:
    """Encoders loaded in their chosen mode, by model id; shared by spawned services (hence the lock)."""

    def __init__(self) -> None:
        self.encoders: dict[str, Encoder] = {}
        self.lock = threading.Lock()


class ModelService:
    """Installed models, activation, installs and encoder loading for one home."""

    def __init__(
        self, paths: AppPaths, config: AppConfig, probe_paths: ProbePaths, loaded: _Loaded | None = None
    ) -> None:
        self._paths = paths
        self._config = config
        self._store = ModelStore(paths.models_dir)
        self._probe_paths = probe_paths
        self._loaded = loaded or _Loaded()

    def spawn(self, probe_paths: ProbePaths) -> ModelService:
        """Another instance for another thread, sharing the loaded encoders."""
        return ModelService(self._paths, self._config, probe_paths, self._loaded)

    # -- installed models and the active one -------------------------------------------

    def installed(self) -> list[ModelInfo]:
        return self._store.list()

    def active(self) -> ModelInfo | None:
        """The chosen model; if none is chosen (or it was removed), the only/first installed one."""
        installed = self._store.list()
        chosen = self._config.get(ACTIVE_KEY)
        for info in installed:
            if info.name == chosen:
                return info
        if isinstance(chosen, str) and chosen and (self._paths.models_dir / chosen / MANIFEST).is_file():
            self._store.get(chosen)  # installed but unusable: its ModelError names the manifest
        return installed[0] if installed else None

    def use(self, name: str) -> ModelInfo:
        """Make an installed model the active one."""
        info = self._store.get(name)
        self._config.set(ACTIVE_KEY, info.name)
        self._config.set(TAKEOVER_KEY, None)  # a choice made, or the takeover done: nothing waits any more
        log.info("active model: %s", info.name)
        return info

    def takeover(self) -> str | None:
        """The model installed while the demo model was active, waiting to take over from it once the library is
        indexed with it (``switch.TAKEOVER_KEY``); None when none waits (or it was removed meanwhile)."""
        name = self._config.get(TAKEOVER_KEY)
        if not isinstance(name, str) or name == self._config.get(ACTIVE_KEY):
            return None
        return name if any(m.name == name for m in self._store.list()) else None

    def pending(self) -> str | None:
        """The model a switch in progress is encoding the library for (``core.models.switch``)."""
        value = self._config.get(PENDING_KEY)
        return value if isinstance(value, str) and value else None

    def set_pending(self, name: str | None) -> None:
        self._config.set(PENDING_KEY, name)

    def info(self, name: str | None = None) -> ModelInfo:
        """The named model, or the active one; ModelError with a hint when none is installed."""
        if name:
            return self._store.get(name)
        info = self.active()
        if info is None:
            raise ModelError(NO_MODEL_HINT)
        return info

    def remove(self, name: str) -> ModelRemoved:
        """Delete an installed model. When it was the active one, the first model left becomes active (and is
        saved as the choice, so the activation rule of the next install sees it), or none when none is left."""
        chosen = self._config.get(ACTIVE_KEY)
        before = [m.name for m in self._store.list()]
        was_active = chosen == name or (chosen not in before and before[:1] == [name])
        self._store.remove(name)
        left = [m.name for m in self._store.list()]
        if not was_active:
            return ModelRemoved(name, False, chosen if chosen in left else (left[0] if left else None))
        active = left[0] if left else None
        self._config.set(ACTIVE_KEY, active)
        log.info("removed the active model %s; active now: %s", name, active)
        return ModelRemoved(name, True, active)

    def export(self, name: str, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
        """Write a model as a seed-format TorchScript pair; returns (image file, text file)."""
        return self._store.export_pair(name, out_dir)

    @staticmethod
    def available() -> list[RegistryModel]:
        """The models that can be downloaded, in the registry's order."""
        return _load_registry()

    def waiting_downloads(self) -> list[WaitingDownload]:
        """The catalogue models whose download was started and can be resumed (``download`` resumes it); none
        when the catalogue cannot be read (``download`` says why)."""
        try:
            names = [m.name for m in _load_registry()]
        except (OSError, ValueError, KeyError, TypeError, MotisError):
            return []
        return waiting(self._downloads, names)

    @property
    def _downloads(self) -> Path:
        return self._paths.cache_dir / "downloads"

    # -- installs -------------------------------------------------------------------

    def import_checkpoint(
        self,
        checkpoint: str | os.PathLike[str],
        name: str,
        replace: bool = False,
        cancel: threading.Event | None = None,
    ) -> ModelInfo:
        """Install an OpenAI/open_clip checkpoint (``cancel``: between its steps, ``InstallCancelled``)."""
        _own_name(name)
        return self._installed(self._store.import_checkpoint(checkpoint, name, replace=replace, cancel=cancel))

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
        """Install a TorchScript pair; with ``any_order`` the swapped order is tried if the given one fails
        (``cancel``: between its steps, ``InstallCancelled``)."""
        _own_name(name)
        try:
            info = self._store.import_pair(
                image_file, text_file, name, preprocess_config, replace=replace, cancel=cancel
            )
        except ModelError:
            if not any_order:
                raise
            log.info("the pair did not load as (image=%s, text=%s); trying the other order", image_file, text_file)
            info = self._store.import_pair(
                text_file, image_file, name, preprocess_config, replace=replace, cancel=cancel
            )
        return self._installed(info)

    def download(
        self,
        name: str,
        progress: Callable[[InstallProgress], None] | None = None,
        cancel: threading.Event | None = None,
        timeout_s: float = 30.0,
        replace: bool = False,
    ) -> ModelInfo:
        """Download the registry model ``name``, verify and install it."""
        model = find_model(name)
        tidy(self._downloads, (m.name for m in _load_registry()))  # what no later download will resume
        info = install_from_registry(model, self._store, self._downloads, progress, cancel, timeout_s, replace)
        return self._installed(info)

    def install_demo(self, cancel: threading.Event | None = None) -> ModelInfo:
        """Build and install the demo model (``models.demo``: colour words only); MotisError if it is installed.
        ``cancel`` set stops it between its steps (``InstallCancelled``): the first build in a process imports torch
        and converts the towers, 2-3 s on a loaded 2-core machine."""
        stop_if_cancelled(cancel)
        installed = self._store.list()
        if any(is_demo(m) for m in installed):
            raise MotisError(f"the demo model {DEMO_MODEL!r} is already installed")
        if any(m.name == DEMO_MODEL for m in installed):  # imported under its name by an older version
            raise MotisError(
                f"a model of yours is named {DEMO_MODEL!r}, the demo model's name: "
                f"remove it first ('motis models remove {DEMO_MODEL}') to install the demo"
            )
        with demo_pair(self._paths.cache_dir) as (image, text):
            stop_if_cancelled(cancel)
            return self._installed(self._store.import_pair(image, text, DEMO_MODEL, origin=DEMO_ORIGIN, cancel=cancel))

    def _installed(self, info: ModelInfo) -> ModelInfo:
        """The one activation rule, for every front end: a new model becomes active only when no installed
        model is active yet. Switching models means re-encoding the library, so it is always the user's call;
        except from the demo model (``models.demo``), which is for trying the app, not for keeping: the new model
        waits to take over from it (:meth:`takeover`) while the demo answers, as a switch does (the front end or
        the next indexing run encodes the library with it; QA walk 6: search found nothing until then)."""
        chosen = self._config.get(ACTIVE_KEY)
        others = [m for m in self._store.list() if m.name != info.name]
        demo_active = any(m.name == chosen and is_demo(m) for m in others)  # by its origin, not its name
        if demo_active and not is_demo(info):
            self._config.set(TAKEOVER_KEY, info.name)
            log.info("installed model %s; it takes over from the demo model once the library is indexed", info.name)
        elif chosen is None or not any(m.name == chosen for m in others):
            self.use(info.name)
        else:
            log.info("installed model %s; the active model stays %s", info.name, chosen)
        return info

    # -- encoders ----------------------------------------------------------------------

    def encoder(self, name: str | None = None, cancel: threading.Event | None = None) -> Encoder:
        """Load (once) and return the encoder of the named or active model, in its chosen inference mode. A first
        use here measures the modes; ``cancel`` (an indexing run's) set meanwhile stops that and gives the fp32
        encoder, kept for nothing and with nothing cached: the run then ends cancelled at once."""
        return self.encoder_of(self.info(name), cancel=cancel)

    def encoder_of(
        self, info: ModelInfo, choice: dict[str, Any] | None = None, cancel: threading.Event | None = None
    ) -> Encoder:
        """:meth:`encoder` of a model whose manifest the caller has just read (a query reads it once);
        ``choice``: its cached precision choice, where the caller has read that too."""
        with self._loaded.lock:
            enc = self._loaded.encoders.get(info.model_id)
            if enc is None:
                base = self._store.load_encoder(info.name)
                base.copies = self._paths.cache_dir / "onnx" / info.model_id  # the text tower's optimized copy
                enc = self._in_chosen_mode(info, base, choice, cancel)
                # not the fp32 stand-in a cancelled first use gave (its modes were not measured): measured next time
                if enc is not base or cancel is None or not cancel.is_set():
                    self._loaded.encoders[info.model_id] = enc
            return enc

    def prepared_encoder(self, name: str | None = None) -> Encoder | None:
        """:meth:`encoder`, or None when loading it here would first measure the model (its first use on this
        machine: seconds to a minute; :meth:`prepare` does that part without the library)."""
        from motis_desktop.core.models import precision

        info = self.info(name)
        with self._loaded.lock:
            if info.model_id in self._loaded.encoders:
                return self._loaded.encoders[info.model_id]
        if os.environ.get(precision.MODE_ENV):
            return self.encoder_of(info)
        if not self._store.int8_fits(info):
            return None
        choice = precision.read_choice(self._choice_path(info), precision.machine_fingerprint())
        return None if choice is None else self.encoder_of(info, choice)  # read once: encoder_of does not again

    def prepare(self, name: str, probes: list[str]) -> None:
        """Do what the model's first load here does before loading: make its int8 towers for this CPU and
        measure its inference modes on ``probes`` (photo paths; generated images make up the rest), unless its
        cached choice still holds. Model files and the cache only: the caller took the probes from the library."""
        self.mode_choice(self.info(name), probes=probes)

    def _choice_path(self, info: ModelInfo) -> Path:
        return self._paths.cache_dir / "modes" / f"{info.model_id}.json"

    def reference_encoder(self, name: str | None = None) -> Encoder:
        """A fresh load of the named or active model in its reference mode (fp32), not kept."""
        return self._store.load_encoder(self.info(name).name)

    def _in_chosen_mode(
        self, info: ModelInfo, base: Encoder, choice: dict[str, Any] | None, cancel: threading.Event | None = None
    ) -> Encoder:
        from motis_desktop.core.models.precision import MODE_ENV, MeasureCancelled, forced_modes

        forced = os.environ.get(MODE_ENV)
        if forced and self._store.fit_int8(info.name):
            base = self._store.load_encoder(info.name)  # not the old int8 towers' sessions
        try:
            modes = forced_modes(forced) if forced else (choice or self.mode_choice(info, base, cancel=cancel))["modes"]
        except MeasureCancelled:  # fp32 for a run that ends at once; measured by the next first use
            return base
        if modes == base.modes:
            return base
        try:
            return base.with_modes(**modes)
        except Exception as exc:  # never lose the model over a mode: fp32 always works
            log.warning("model %s: inference modes %s failed (%s); using fp32", info.name, modes, exc)
            return base

    def mode_choice(
        self,
        info: ModelInfo,
        base: Encoder | None = None,
        refresh: bool = False,
        probes: list[str] | None = None,
        cancel: threading.Event | None = None,
    ) -> dict[str, Any]:
        """The model's measured per-tower precision choice: cached in ``cache/modes/``, measured when missing,
        made on another machine or onnxruntime, made before its int8 towers were made again for this CPU, or
        ``refresh`` is set (slow: runs every mode). ``probes``: the photos to measure on (default: the
        library's)."""
        from motis_desktop.core.models import precision

        path = self._choice_path(info)
        fingerprint = precision.machine_fingerprint()
        remade = self._store.fit_int8(info.name)  # int8 towers made for the other kind of CPU: made again
        if not refresh and not remade:
            cached = precision.read_choice(path, fingerprint)
            if cached is not None:
                return cached
        if remade:
            base = None  # it may hold sessions of the old int8 towers
        base = base or self._store.load_encoder(info.name)
        if probes is None:
            probes = self._probe_paths(PROBE_PATHS)
        choice = precision.measure_and_choose(base, probes, fingerprint, cancel)
        try:
            write_json_atomic(path, choice)  # makes cache/modes/ too
        except OSError as exc:  # a read-only home: the choice holds for this process, measured again next time
            log.warning("model %s: precision choice not cached (%s)", info.name, exc)
        log.info("model %s: precision %s chosen by measurement", info.name, choice["modes"])
        return choice

    def bench(self, name: str | None = None) -> dict[str, Any]:
        """Measure every inference mode of a model now, cache the choice and return it with the table."""
        info = self.info(name)
        choice = self.mode_choice(info, refresh=True)
        with self._loaded.lock:
            self._loaded.encoders.pop(info.model_id, None)  # the next use loads the new choice
        return choice


def _own_name(name: str) -> None:
    """A model a person imports may not take the demo's name (``demo.demo_name_problem``)."""
    problem = demo_name_problem(name)
    if problem is not None:
        raise MotisError(problem)
