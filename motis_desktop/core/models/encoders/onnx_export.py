"""Any pair of torch towers → two ONNX files (dynamic batch; dynamic sequence for the text tower).

The one place models become what the runtime runs (``core.models.engine``): our CLIP, TorchScript pairs
(seed files after the XNNPACK conversion, exported pairs) and any other architecture given as an image
``nn.Module`` and a text ``nn.Module``. Eager modules are traced; scripted ones are replayed node by node
(:mod:`.torchscript_replay`) and traced. Each file is checked against torch on inputs of another batch
size (cosine ≥ :data:`MIN_EXPORT_COSINE`); whether text ids may be cut after the end-of-text token is
decided by comparing the ONNX text tower on cut ids with torch on full ones.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from motis_desktop.core.errors import ModelError, short_reason
from motis_desktop.core.models.engine import cut_after_end, make_session
from motis_desktop.core.models.manifest import ONNX_FILES
from motis_desktop.core.vectors import l2_normalize

OPSET = 17
MIN_EXPORT_COSINE = 0.9999
TRUNCATION_COSINE = 0.99999
PROBE_TEXTS = ("a dog running on the beach", "sunset over the sea", "red", "a receipt from a restaurant")


@dataclass
class ExportReport:
    """What the export did, recorded in the model's manifest (``conversion``)."""

    embed_dim: int
    text_truncation: bool
    seconds: float
    cosine: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "engine": "onnx",
            "opset": OPSET,
            "torch": torch.__version__,
            "seconds": round(self.seconds, 2),
            "cosine_to_torch": {k: round(v, 7) for k, v in self.cosine.items()},
            "text_truncation": self.text_truncation,
        }


def export_towers(
    image_tower: nn.Module,
    text_tower: nn.Module,
    out_dir: str | Path,
    image_size: int,
    tokenize: Callable[[Sequence[str]], np.ndarray],
    eot_pooling: bool = True,
    label: str = "model",
) -> ExportReport:
    """Write ``image.onnx`` and ``text.onnx`` into ``out_dir`` and check them against torch.

    ``image_tower`` maps float32 ``[B, 3, S, S]`` and ``text_tower`` the int64 ids ``tokenize`` makes to
    ``[B, D]`` (either may be a ``torch.jit.ScriptModule``). ``eot_pooling``: the ids are CLIP's (end-of-text
    is the highest id), so cutting after it is tried. ModelError (one line) when a tower cannot be exported
    or its ONNX file does not compute what torch computes.
    """
    start = time.perf_counter()
    out = Path(out_dir)
    rng = np.random.default_rng(0)
    pixels = rng.normal(0, 1, (3, 3, image_size, image_size)).astype(np.float32)
    ids = tokenize(list(PROBE_TEXTS))
    cosine: dict[str, float] = {}
    dims: dict[str, int] = {}
    references: dict[str, np.ndarray] = {}
    for role, tower, inputs in (("image", image_tower, pixels), ("text", text_tower, ids)):
        path = out / ONNX_FILES[role]
        reference = _torch_run(tower, inputs, role, label)
        error: ModelError | None = None
        for module in _candidates(tower, role, label):
            try:
                _export(module, torch.from_numpy(inputs[:2]), path, role, label)
                got = _onnx_run(path, inputs, role, label)
                if got.shape != reference.shape:
                    raise ModelError(f"{label}: the ONNX {role} tower gives shape {got.shape}, not {reference.shape}")
                cosine[role] = _min_cosine(got, reference)
                if cosine[role] < MIN_EXPORT_COSINE:
                    raise ModelError(f"{label}: the ONNX {role} tower differs from torch (cosine {cosine[role]:.6f})")
                error = None
                break
            except ModelError as exc:
                error = error or exc  # the first way's reason is the telling one
        if error is not None:
            raise error
        dims[role], references[role] = int(reference.shape[1]), reference
    if dims["image"] != dims["text"]:
        raise ModelError(f"{label}: image tower gives {dims['image']}-d vectors but text tower {dims['text']}-d")
    truncation = eot_pooling and _truncation_keeps_vectors(out / ONNX_FILES["text"], ids, references["text"])
    return ExportReport(dims["image"], truncation, time.perf_counter() - start, cosine)


def _candidates(tower: nn.Module, role: str, label: str) -> Iterator[nn.Module]:
    """Ways to export ``tower``, tried in turn: eager modules are traced; a scripted one is exported as it
    is (simple graphs), else replayed node by node (graphs with control flow the exporter cannot type)."""
    if not isinstance(tower, nn.Module):
        raise ModelError(f"{label}: the {role} tower is a {type(tower).__name__}, not a torch module")
    yield tower.eval()
    if isinstance(tower, torch.jit.ScriptModule):
        from motis_desktop.core.models.encoders.torchscript_replay import Replay

        try:
            replay = Replay(tower)
        except Exception as exc:
            raise ModelError(f"{label}: cannot prepare the {role} tower for export ({short_reason(exc)})") from None
        yield replay


def _torch_run(tower: nn.Module, inputs: np.ndarray, role: str, label: str) -> np.ndarray:
    try:
        with torch.no_grad():
            out = tower(torch.from_numpy(inputs))
    except Exception as exc:
        raise ModelError(f"{label}: the {role} tower failed on a test input ({short_reason(exc)})") from None
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != inputs.shape[0]:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ModelError(f"{label}: the {role} tower must return [B, D], not {shape}")
    return out.detach().float().numpy()


def _export(module: nn.Module, example: torch.Tensor, path: Path, role: str, label: str) -> None:
    name = "pixels" if role == "image" else "ids"
    axes = {0: "batch"} if role == "image" else {0: "batch", 1: "sequence"}
    try:
        with warnings.catch_warnings(), torch.no_grad(), _quiet():
            warnings.simplefilter("ignore")  # tracer and deprecation warnings: the result is checked below
            torch.onnx.export(
                module,
                (example,),
                str(path),
                dynamo=False,  # the TorchScript-based exporter: it handles every tower we accept
                input_names=[name],
                output_names=["embedding"],
                dynamic_axes={name: axes, "embedding": {0: "batch"}},
                opset_version=OPSET,
                do_constant_folding=True,
            )
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"{label}: cannot export the {role} tower to ONNX ({short_reason(exc)})") from None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep what torch's exporter and onnxruntime print out of the user's terminal: the exporter prints whole graphs
    when a way of exporting gives up (another is tried), onnxruntime logs the error of a test input the tower
    refuses (an answer here). Both write from C++ to the process's descriptors 1 and 2, so those are pointed at
    the null device too, not only Python's ``sys.stdout``/``sys.stderr``."""
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), contextlib.redirect_stderr(null):
        saved: list[tuple[int, int]] = []
        try:
            for fd in (1, 2):
                with contextlib.suppress(OSError):  # a descriptor that is not open (no terminal): nothing to hide
                    saved.append((fd, os.dup(fd)))
                    os.dup2(null.fileno(), fd)
            yield
        finally:
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)


def _onnx_run(path: Path, inputs: np.ndarray, role: str, label: str) -> np.ndarray:
    session = make_session(path, threads=1)
    try:
        return np.asarray(session.run(None, {session.get_inputs()[0].name: inputs})[0], dtype=np.float32)
    except Exception as exc:
        raise ModelError(f"{label}: the ONNX {role} tower fails on a test input ({short_reason(exc)})") from None


def _truncation_keeps_vectors(path: Path, ids: np.ndarray, full: np.ndarray) -> bool:
    """True when the ONNX text tower on ids cut after the last end-of-text gives torch's full-length vectors."""
    cut = cut_after_end(ids)
    if cut.shape[1] == ids.shape[1]:
        return False
    try:
        with _quiet():
            short = _onnx_run(path, cut, "text", str(path))
    except ModelError:  # e.g. a fixed positional table: the tower needs the full context
        return False
    return short.shape == full.shape and _min_cosine(short, full) >= TRUNCATION_COSINE


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(l2_normalize(a.astype(np.float64)) * l2_normalize(b.astype(np.float64)), axis=1)))
