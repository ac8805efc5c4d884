"""Seed-format models: two TorchScript files (image tower, text tower).

The MoTIS encoders were made with ``torch.jit.script`` + ``optimize_for_mobile``
and hold XNNPACK prepacked ops, so they are always loaded on the CPU. A torch
built without XNNPACK cannot load such a file; :mod:`.mobile_convert` turns it
into plain TorchScript (the model store does that once, at import).
Some scripted modules only accept a batch of one; those are run in a loop.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path

import torch

from motis_desktop.core.errors import ModelError
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.encoders.archive import check_model_file
from motis_desktop.core.models.encoders.base import Encoder
from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript, must_convert

log = logging.getLogger(__name__)


def load_torchscript(path: str | os.PathLike[str]) -> torch.jit.ScriptModule:
    """``torch.jit.load`` on the CPU; ModelError naming the file if it is not TorchScript.

    The archive's declared sizes are checked first. A mobile-optimized file that this torch cannot
    run is converted into a temporary plain copy (installed models are converted once, at import).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    check_model_file(path)
    if must_convert(path):
        log.info("%s uses XNNPACK prepacked ops; converting a temporary plain copy", path)
        with tempfile.TemporaryDirectory(prefix="motis-convert-") as tmp:
            plain = Path(tmp) / path.name
            convert_mobile_torchscript(path, plain)
            return _jit_load(plain, label=path)
    return _jit_load(path, label=path)


def _jit_load(path: Path, label: Path) -> torch.jit.ScriptModule:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecation of TorchScript, and torch's notes on a bad file
            module = torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:  # torch raises RuntimeError/ValueError/... for bad archives
        raise ModelError(f"{label}: not a TorchScript model ({_short(exc)})") from None
    module.eval()
    return module


class BatchFallback:
    """Call a scripted tower on a whole batch; if it rejects batches > 1, loop one by one."""

    def __init__(self, module: torch.jit.ScriptModule) -> None:
        self.module = module
        self.batched = True

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        if self.batched or inputs.shape[0] == 1:
            try:
                return self.module(inputs)
            except (RuntimeError, torch.jit.Error):
                if inputs.shape[0] == 1:
                    raise
                self.batched = False
        return torch.cat([self.module(inputs[i : i + 1]) for i in range(inputs.shape[0])], dim=0)


def probe_dim(image_tower: BatchFallback, text_tower: BatchFallback, image_size: int, context_length: int) -> int:
    """Run each tower once on dummy input; return the shared output dimension."""
    with torch.no_grad():
        image_out = image_tower(torch.zeros(1, 3, image_size, image_size))
        text_ids = torch.zeros(1, context_length, dtype=torch.long)
        text_ids[0, 0], text_ids[0, 1] = 49406, 49407
        text_out = text_tower(text_ids)
    if image_out.ndim != 2 or text_out.ndim != 2:
        raise ModelError(f"towers must return [B, D]; got {tuple(image_out.shape)} and {tuple(text_out.shape)}")
    if image_out.shape[1] != text_out.shape[1]:
        raise ModelError(f"image tower gives {image_out.shape[1]}-d vectors but text tower {text_out.shape[1]}-d")
    return int(image_out.shape[1])


def load_pair_encoder(
    image_path: str | os.PathLike[str],
    text_path: str | os.PathLike[str],
    model_id: str,
    preprocess_config: PreprocessConfig = PreprocessConfig(),
    context_length: int = 77,
    embed_dim: int | None = None,
    labels: tuple[str, str] | None = None,
) -> Encoder:
    """Encoder over a TorchScript pair; probes the towers when ``embed_dim`` is not known. ``labels`` name
    the files in messages when the paths given are working copies (converted at import)."""
    image_tower = BatchFallback(load_torchscript(image_path))
    text_tower = BatchFallback(load_torchscript(text_path))
    if embed_dim is None:
        try:
            embed_dim = probe_dim(image_tower, text_tower, preprocess_config.size, context_length)
        except ModelError:
            raise
        except Exception as exc:
            image_label, text_label = labels or (str(image_path), str(text_path))
            raise ModelError(
                f"{image_label} / {text_label}: towers failed on a test input ({_short(exc)}); "
                "is the first an image tower and the second a text tower?"
            ) from None
    return Encoder(model_id, embed_dim, image_tower, text_tower, preprocess_config, context_length)


def _short(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if len(text) > 160 and ". " in text[20:]:
        text = text[: text.index(". ", 20) + 1]
    return text[:200]
