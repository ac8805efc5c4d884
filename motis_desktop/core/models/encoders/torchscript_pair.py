"""Seed-format models: two TorchScript files (image tower, text tower), read only to be converted to ONNX towers
(the seed's XNNPACK files are first made plain by :mod:`.mobile_convert`).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch

from motis_desktop.core.errors import ModelError, short_reason
from motis_desktop.core.models.encoders.archive import check_model_file, not_a_model_reason


def load_torchscript(path: str | os.PathLike[str]) -> torch.jit.ScriptModule:
    """``torch.jit.load`` on the CPU, once the archive's declared sizes passed :func:`~.archive.check_model_file`;
    ModelError naming the file if it is not TorchScript."""
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    check_model_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecation of TorchScript, and torch's notes on a bad file
            module = torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:  # torch raises RuntimeError/ValueError/... for bad archives
        plain = not_a_model_reason(path, torchscript=True)
        if plain is not None:
            raise ModelError(f"{path} is not a TorchScript model ({plain})") from None
        raise ModelError(f"{path}: not a TorchScript model ({short_reason(exc)})") from None
    module.eval()
    return module
