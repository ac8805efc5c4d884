"""Seed-format models: two TorchScript files (image tower, text tower).

The MoTIS encoders were made with ``torch.jit.script`` + ``optimize_for_mobile``
and hold XNNPACK prepacked ops, so they are always loaded on the CPU. A torch
built without XNNPACK cannot load such a file; :mod:`.mobile_convert` turns it
into plain TorchScript (the model store does that once, at import).
They are read here only to be converted to ONNX towers (``onnx_export``).
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path

import torch

from motis_desktop.core.errors import ModelError
from motis_desktop.core.models.encoders.archive import check_model_file
from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript, needs_conversion

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
    if needs_conversion(path):
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


def _short(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if len(text) > 160 and ". " in text[20:]:
        text = text[: text.index(". ", 20) + 1]
    return text[:200]
