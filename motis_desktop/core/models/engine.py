"""The runtime encoder: an installed model's two ONNX towers (made once at install by ``encoders.onnx_export``,
described by ``manifest.ModelInfo``) run by onnxruntime, each in ``fp32`` or ``int8`` (``precision`` chooses),
inputs and outputs as NumPy. Nothing here imports torch: indexing, search, the query service and the GUI run on
this alone (docs/engine.md).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from motis_desktop.core.cores import available_cores
from motis_desktop.core.errors import ModelError, short_reason
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.manifest import TOKENIZER_FILE, TOKENIZER_KINDS, ModelInfo, tokenizer_for
from motis_desktop.core.vectors import l2_normalize

log = logging.getLogger(__name__)

ROLES = ("image", "text")
MODES = ("fp32", "int8")
REFERENCE = "fp32"
# A query is one short run of the text tower. A second intra-op thread that spins between the operators for at most
# TEXT_SPIN_US makes it ~1.4x faster on 2 quiet cores (int8 ViT-B/32, 12 tokens: p50 7.1 vs 10.1 ms) and costs
# nothing measurable on busy ones (6 busy loops on 2 cores: 29.8 vs 28.4 ms); unbounded spinning made queries 2-3x
# slower there, and a second thread that sleeps between operators gains little (docs/benchmarks.md, "New query").
TEXT_THREADS = min(2, available_cores())
TEXT_SPIN_US = 300
BOUNDED_SPIN_FROM = (1, 32)  # onnxruntime versions that read spin_duration_us (checked); older ones would spin on
STALE_TMP_S = 600  # an optimized copy's temporary file older than this was left by a killed process


class Encoder:
    """The towers of the model ``info`` describes, in ``folder``; outputs are L2-normalized float32 ``[B, D]``.

    ``files`` maps ``"image"``/``"text"`` and, where made, ``"image.int8"``/``"text.int8"`` to ONNX files.
    Sessions are made on first use of a tower (:meth:`load` makes them now), each with its own intra-op threads (the
    image tower's share the cores with decoding: :meth:`set_threads`; the text tower's: ``TEXT_THREADS``). Thread-safe.
    """

    def __init__(
        self,
        info: ModelInfo,
        folder: Path,
        modes: dict[str, str] | None = None,
        threads: dict[str, int | None] | None = None,
        spinning: bool | None = None,
    ) -> None:
        self.info, self.folder = info, folder
        self.files = {key: folder / name for key, name in info.files.items()}
        self.modes = {role: (modes or {}).get(role, REFERENCE) for role in ROLES}
        for role, mode in self.modes.items():
            if mode not in MODES:
                raise ModelError(f"unknown inference mode {mode!r} (choose from {', '.join(MODES)})")
            if self._file_key(role) not in self.files:
                raise ModelError(f"model {info.model_id} has no {mode} {role} tower")
        given = threads or {}
        self.threads: dict[str, int | None] = {"image": given.get("image"), "text": given.get("text") or TEXT_THREADS}
        self.spinning = spinning
        # The text tower's session is made from an optimized copy kept in this cache folder (``make_session``),
        # set by the model service; None for encoders made only to be measured (precision) or without a home.
        self.copies: Path | None = None
        self._sessions: dict[str, Any] = {}
        self._tokenize: Callable[[Sequence[str]], np.ndarray] | None = None
        self._lock = threading.Lock()
        if info.tokenizer not in TOKENIZER_KINDS:
            raise ModelError(f"model {info.model_id}: unknown tokenizer {info.tokenizer!r}")

    # -- what the rest of the app reads ------------------------------------------------------

    @property
    def model_id(self) -> str:
        return self.info.model_id

    @property
    def embed_dim(self) -> int:
        return self.info.embed_dim

    @property
    def preprocess_config(self) -> PreprocessConfig:
        return self.info.preprocess_config

    @property
    def truncate_text(self) -> bool:
        return self.info.text_truncation

    @property
    def mode(self) -> str:
        """``fp32``, ``int8``, or ``image-int8/text-fp32`` when the towers differ."""
        image, text = self.modes["image"], self.modes["text"]
        return image if image == text else f"image-{image}/text-{text}"

    # -- variants ----------------------------------------------------------------------------

    def with_modes(self, image: str | None = None, text: str | None = None) -> Encoder:
        """The same model with the towers in other modes (sessions of unchanged towers are shared)."""
        modes = {"image": image or self.modes["image"], "text": text or self.modes["text"]}
        other = Encoder(self.info, self.folder, modes, self.threads, self.spinning)
        other.copies = self.copies
        with self._lock:
            for role in ROLES:
                if modes[role] == self.modes[role] and role in self._sessions:
                    other._sessions[role] = self._sessions[role]
        return other

    def set_threads(self, image: int | None = None, spinning: bool | None = None) -> None:
        """The image tower's intra-op threads and whether they spin when idle (None: as it is); a change gives it
        a new session. Indexing turns spinning off, so the engine's threads leave the cores to the decoders while
        they wait for the next batch."""
        with self._lock:
            new = (self.threads["image"] if image is None else image, self.spinning if spinning is None else spinning)
            if new != (self.threads["image"], self.spinning):
                self.threads["image"], self.spinning = new
                self._sessions.pop("image", None)

    @property
    def loaded(self) -> frozenset[str]:
        """The towers whose sessions are made (each holds its weights and arena in memory)."""
        with self._lock:
            return frozenset(self._sessions)

    def load(self, roles: Sequence[str] = ROLES) -> Encoder:
        """Make the sessions of ``roles`` now (otherwise the first encode does)."""
        for role in roles:
            self._session(role)
        return self

    # -- encoding ----------------------------------------------------------------------------

    def encode_images(self, batch: np.ndarray) -> np.ndarray:
        """``float32 [B, 3, S, S]`` preprocessed images → ``[B, D]`` unit vectors."""
        pixels = np.ascontiguousarray(batch, dtype=np.float32)
        if pixels.ndim == 3:
            pixels = pixels[None]
        return self._run("image", pixels)

    def encode_texts(self, ids: np.ndarray) -> np.ndarray:
        """``int64 [B, L]`` token ids → ``[B, D]`` unit vectors (cut after end-of-text where allowed)."""
        tokens = np.ascontiguousarray(ids, dtype=np.int64)
        if tokens.ndim == 1:
            tokens = tokens[None]
        if self.truncate_text and tokens.size:
            tokens = cut_after_end(tokens)
        return self._run("text", tokens)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Tokenize (with the model's tokenizer) and encode query strings."""
        return self.encode_texts(self.tokenize(texts))

    def tokenize(self, texts: Sequence[str]) -> np.ndarray:
        """The model's token ids for ``texts``: int64 ``[N, context_length]``."""
        if self._tokenize is None:
            info, file = self.info, str(self.folder / TOKENIZER_FILE)
            self._tokenize = tokenizer_for(info.tokenizer, info.context_length, file, info.tokenizer_clean)
        return self._tokenize(list(texts))

    def _run(self, role: str, inputs: np.ndarray) -> np.ndarray:
        if inputs.shape[0] == 0:
            return np.zeros((0, self.embed_dim), dtype=np.float32)
        session = self._session(role)
        out = session.run(None, {session.get_inputs()[0].name: inputs})[0]
        if out.ndim != 2 or out.shape[0] != inputs.shape[0] or out.shape[1] != self.embed_dim:
            raise ModelError(
                f"model {self.model_id}: {role} tower returned shape {tuple(out.shape)}, "
                f"expected [{inputs.shape[0]}, {self.embed_dim}]"
            )
        return l2_normalize(np.asarray(out, dtype=np.float32))

    def _file_key(self, role: str) -> str:
        return role if self.modes[role] == REFERENCE else f"{role}.{self.modes[role]}"

    def _session(self, role: str) -> Any:
        with self._lock:
            session = self._sessions.get(role)
            if session is None:
                # The text tower's threads spin only briefly (TEXT_SPIN_US); the image tower keeps the caller's
                # choice (indexing turns spinning off).
                text = role == "text"
                spinning = (self.threads[role] or 0) > 1 and _spin_is_bounded() if text else self.spinning
                path = self.files[self._file_key(role)]
                session = make_session(
                    path, self.threads[role], spinning, self.copies if text else None, TEXT_SPIN_US if text else None
                )
                self._sessions[role] = session
                log.debug("loaded %s tower of %s (%s)", role, self.model_id, self.modes[role])
            return session


def cut_after_end(ids: np.ndarray) -> np.ndarray:
    """``ids`` cut after the last end-of-text token: CLIP's has the highest id, and a causal tower never looks
    past it (a model may be run so only where its conversion checked that: ``text_truncation``)."""
    return np.ascontiguousarray(ids[:, : int(ids.argmax(axis=1).max()) + 1])


def _spin_is_bounded() -> bool:
    """Whether this onnxruntime bounds its threads' spinning (``session.intra_op.spin_duration_us``)."""
    import onnxruntime as ort

    try:
        version = tuple(int(part) for part in ort.__version__.split(".")[:2])
    except ValueError:  # a development build's version string
        return False
    return version >= BOUNDED_SPIN_FROM


def make_session(
    path: Path,
    threads: int | None = None,
    spinning: bool | None = None,
    copies: Path | None = None,
    spin_us: int | None = None,
) -> Any:
    """An onnxruntime CPU session over ``path``; ModelError naming the file if it cannot be loaded.

    ``copies``: a cache folder (``cache/onnx/<model_id>/``, safe to delete) where the optimized graph is kept,
    named by the tower's size and mtime and onnxruntime's version, written by the first session; later sessions
    are made from it without optimizing again: a one-shot search makes the text tower's session in about half
    the time. A folder that cannot be written (a read-only home) or a damaged copy: the tower itself. Not for
    towers whose best graph depends on the CPU's layout passes (the image tower's convolution): the copy is
    optimized up to ``ORT_ENABLE_EXTENDED``, which is portable."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads) if threads else (os.cpu_count() or 1)
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    if spinning is not None:  # idle intra-op threads spin (None: onnxruntime's default), for at most spin_us
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
    if spinning and spin_us is not None:
        opts.add_session_config_entry("session.intra_op.spin_duration_us", str(spin_us))
    copy = _copy_path(path, copies, ort.__version__) if copies is not None else None
    source, made = path, None
    if copy is not None and copy.is_file():
        source = copy
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    elif copy is not None and _writable(copy.parent):
        made = copy.with_name(f".{copy.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        opts.optimized_model_filepath = str(made)
    try:
        session = ort.InferenceSession(str(source), sess_options=opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph/NoSuchFile types
        if made is not None:
            made.unlink(missing_ok=True)
        if copy is not None:  # a damaged copy, or one that could not be written: the tower alone decides
            if source == copy:
                with contextlib.suppress(OSError):
                    copy.unlink(missing_ok=True)
            return make_session(path, threads, spinning, None, spin_us)
        raise ModelError(f"{path}: cannot load the ONNX model ({short_reason(exc)})") from None
    if made is not None and copy is not None:
        _keep_copy(made, copy)
    return session


def _copy_path(path: Path, copies: Path, version: str) -> Path | None:
    """Where ``path``'s optimized copy is kept: a changed tower (size or mtime) or onnxruntime gets a new one."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return copies / f"{path.stem}.{stat.st_size}-{stat.st_mtime_ns}.ort-{version}.onnx"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def _keep_copy(made: Path, copy: Path) -> None:
    """Put a freshly written optimized copy in place. Every other file in its folder goes (another mode's copy,
    an older tower's or onnxruntime's, a temporary file a killed process left, unless young: being written)."""
    try:
        os.replace(made, copy)
    except OSError as exc:
        log.debug("cannot keep %s: %s", copy, exc)
        with contextlib.suppress(OSError):
            made.unlink(missing_ok=True)
        return
    now = time.time()
    for old in copy.parent.iterdir():
        with contextlib.suppress(OSError):
            if old != copy and (not old.name.endswith(".tmp") or now - old.stat().st_mtime > STALE_TMP_S):
                old.unlink()
