"""Source files read for conversion: OpenAI/open_clip ViT checkpoints loaded into our own CLIP, the seed format's
TorchScript pairs (two files: image tower, text tower; XNNPACK ones are first made plain by :mod:`.mobile_convert`),
and a CLIP written back as such a pair.

State dicts load from ``.safetensors`` or ``.pt/.pth/.bin`` with ``weights_only=True`` (no pickle code runs),
after :func:`~.archive.check_model_file`; of OpenAI's ``.pt`` files (TorchScript) only the weights are taken.
"""

from __future__ import annotations

import functools
import os
import warnings
import zipfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from motis_desktop.core.atomic import write_atomic
from motis_desktop.core.errors import ModelError
from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig
from motis_desktop.core.models.encoders.archive import load_model_file
from motis_desktop.core.models.manifest import OPEN_CLIP_FILES, PAIR_FILES

# Keys some checkpoints carry that are not parameters of our modules.
_IGNORED_KEYS = {"input_resolution", "context_length", "vocab_size", "attn_mask", "visual.attn_mask"}


def load_state_dict(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Tensors of a CLIP checkpoint as float32, with common wrappers/prefixes removed."""
    path = Path(path)
    if path.is_dir():  # not the Hugging Face layout (that is read elsewhere): say what a folder must hold
        config, weights = OPEN_CLIP_FILES["config"], OPEN_CLIP_FILES["weights"]
        raise ModelError(
            f"{path}: this folder holds no checkpoint (expected {config} and {weights} in it; "
            "or give the checkpoint file: .safetensors, .pt or .bin)"
        )
    if not path.is_file():
        raise ModelError(f"checkpoint not found: {path}")
    sd = load_model_file(path, _load, "model checkpoint", "cannot read checkpoint")
    for wrapper in ("state_dict", "model"):
        inner = sd.get(wrapper) if isinstance(sd, dict) else None
        if isinstance(inner, dict):
            sd = inner
    if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise ModelError(f"{path}: not a state dict of tensors")
    clean: dict[str, torch.Tensor] = {}
    for key, value in sd.items():
        key = key.removeprefix("module.")
        if key not in _IGNORED_KEYS:
            clean[key] = value.float() if value.is_floating_point() else value
    return clean


def load_torchscript(path: str | os.PathLike[str]) -> torch.jit.ScriptModule:
    """``torch.jit.load`` on the CPU, once the archive's declared sizes passed :func:`~.archive.check_model_file`;
    ModelError naming the file if it is not TorchScript."""
    path = Path(path)  # a file: its callers (import_pair, _load) have checked
    module = load_model_file(
        path, lambda p: torch.jit.load(str(p), map_location="cpu"), "TorchScript model", "not a TorchScript model", True
    )
    module.eval()
    return module


def _load(path: Path) -> Any:
    if path.suffix == ".safetensors" or _is_safetensors(path):
        from safetensors.torch import load_file

        return load_file(str(path), device="cpu")
    if _is_torchscript_archive(path):
        return dict(load_torchscript(path).state_dict())
    return torch.load(str(path), map_location="cpu", weights_only=True)


def build_clip(sd: dict[str, torch.Tensor], source: str = "checkpoint") -> CLIP:
    """Our CLIP with the configuration inferred from ``sd`` and its weights loaded strictly."""
    try:
        config = CLIPConfig.from_state_dict(sd)
    except KeyError as exc:
        raise ModelError(f"{source}: {exc.args[0]}") from None
    model = CLIP(config)
    load_strictly(model, sd, source, "CLIP ViT")
    return model.eval()


def load_strictly(module: nn.Module, sd: dict[str, torch.Tensor], label: str, what: str) -> None:
    """``sd`` into ``module``, every key and shape as the module has them, else a one-line ModelError."""
    own = module.state_dict()
    for key, value in sd.items():
        if key in own and own[key].shape != value.shape:
            raise ModelError(
                f"{label}: {what} weight {key} has shape {list(value.shape)}, expected {list(own[key].shape)}"
            )
    result = module.load_state_dict(sd, strict=False)
    if result.missing_keys or result.unexpected_keys:
        detail = (
            f"missing {result.missing_keys[:3]}" if result.missing_keys else f"unexpected {result.unexpected_keys[:3]}"
        )
        raise ModelError(f"{label}: {what} weights do not fit ({detail})")


def export_torchscript_pair(model: CLIP, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``image_encoder.pt`` and ``text_encoder.pt`` (scripted towers, seed format)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    image_path, text_path = out / PAIR_FILES["image"], out / PAIR_FILES["text"]
    for tower, target in ((model.visual, image_path), (model.text_tower(), text_path)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the seed format is TorchScript
            scripted = torch.jit.script(tower.eval())
        write_atomic(target, functools.partial(torch.jit.save, scripted))
    return image_path, text_path


def _is_torchscript_archive(path: Path) -> bool:
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as zf:
        return any(name.endswith("/constants.pkl") or name == "constants.pkl" for name in zf.namelist())


def _is_safetensors(path: Path) -> bool:
    """safetensors files start with an 8-byte little-endian header length, then a JSON object."""
    with open(path, "rb") as fh:
        head = fh.read(9)
    return len(head) == 9 and head[8:9] == b"{" and 0 < int.from_bytes(head[:8], "little") < (1 << 31)
