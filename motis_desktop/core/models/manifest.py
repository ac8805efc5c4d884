"""An installed model's manifest (``model.json``): what the runtime needs to run its towers (and its tokenizer
kinds), and the names of the files in a model folder."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from motis_desktop.core.atomic import read_json
from motis_desktop.core.errors import ModelError
from motis_desktop.core.images.preprocess import INTERPOLATIONS, RESIZE_MODES, PreprocessConfig
from motis_desktop.core.models.tokenizer import CLIP_BPE, tokenize

FORMAT_ONNX = "onnx"  # what every installed model is (its source format is ``source_format``)
FORMAT_PAIR = "torchscript-pair"
FORMAT_CHECKPOINT = "openai-checkpoint"
FORMAT_OPEN_CLIP = "open-clip-hf"  # open_clip's Hugging Face layout: SigLIP2, MobileCLIP/MobileCLIP2 (issue 20)
OPEN_CLIP_FILES = {  # role -> name in the model folder
    "config": "open_clip_config.json",
    "weights": "open_clip_model.safetensors",
    "tokenizer": "tokenizer.json",
    "tokenizer_config": "tokenizer_config.json",
}
MANIFEST = "model.json"
PREPROCESS_JSON = "preprocess.json"  # written beside an exported pair: how its image tower wants images
ONNX_FILES = {
    "image": "image.onnx",
    "text": "text.onnx",
    "image.int8": "image.int8.onnx",
    "text.int8": "text.int8.onnx",
}
PAIR_FILES = {"image": "image_encoder.pt", "text": "text_encoder.pt"}
TOKENIZER_FILE = OPEN_CLIP_FILES["tokenizer"]  # a model's own tokenizer (kind "hf"), in its folder
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

HF = "hf"  # a Hugging Face tokenizer.json in the model folder (SigLIP/SigLIP2's Gemma): core.models.hf_tokenizer
TOKENIZER_KINDS = (CLIP_BPE, HF)


@dataclass
class ModelInfo:
    """One installed model as described by its manifest."""

    name: str
    format: str
    model_id: str
    embed_dim: int
    files: dict[str, str]  # runtime files: "image", "text", "image.int8", "text.int8" → file name
    image_size: int = 224
    mean: tuple[float, float, float] = PreprocessConfig().mean
    std: tuple[float, float, float] = PreprocessConfig().std
    context_length: int = 77
    source: str = ""
    installed_at: float = field(default_factory=time.time)
    size_bytes: int = 0
    origin: dict[str, Any] = field(default_factory=dict)  # e.g. registry name, URLs, received sizes and sha256
    source_format: str = ""  # what was imported: torchscript-pair, openai-checkpoint, ...
    sources: dict[str, str] = field(default_factory=dict)  # kept source files (export needs them)
    resize: str = PreprocessConfig().resize_mode  # "shortest" (then centre crop) or "squash"
    interpolation: str = "bicubic"  # the resize filter (MobileCLIP2: bilinear)
    tokenizer: str = CLIP_BPE
    tokenizer_clean: str = ""
    text_truncation: bool = False
    score: dict[str, Any] = field(default_factory=lambda: {"kind": "cosine"})
    conversion: dict[str, Any] = field(default_factory=dict)

    @property
    def preprocess_config(self) -> PreprocessConfig:
        return PreprocessConfig(
            self.image_size,
            tuple(self.mean),  # type: ignore[arg-type]
            tuple(self.std),  # type: ignore[arg-type]
            self.resize,
            self.interpolation,
        )

    @property
    def converted(self) -> bool:
        """True once the model is ONNX towers (older installs are converted on first load)."""
        return self.format == FORMAT_ONNX

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def read_manifest(folder: Path) -> ModelInfo:
    """The model described by ``folder``'s manifest (:class:`ModelError` if it is unreadable or invalid)."""
    path = folder / MANIFEST
    data = read_json(path, "model manifest", ModelError)
    try:
        data["mean"], data["std"] = tuple(data["mean"]), tuple(data["std"])
        info = ModelInfo(**data)
    except (ValueError, TypeError, KeyError) as exc:
        raise ModelError(f"{path}: unreadable model manifest ({exc})") from None
    problem = manifest_problem(info)
    if problem:
        raise ModelError(f"{path}: invalid model manifest ({problem})")
    return info


def manifest_problem(info: ModelInfo) -> str | None:
    """What makes a parsed manifest unusable (None if it is fine)."""
    for key in ("image_size", "embed_dim", "context_length"):
        value = getattr(info, key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return f"{key} must be a positive whole number, not {value!r}"
    if info.image_size > 4096:
        return f"image_size {info.image_size} is larger than 4096"
    for key in ("mean", "std"):
        values = getattr(info, key)
        if len(values) != 3 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return f"{key} must be 3 numbers, not {list(values)!r}"
    if any(v <= 0 for v in info.std):
        return f"std values must be positive, not {list(info.std)!r}"
    if info.resize not in RESIZE_MODES or info.interpolation not in INTERPOLATIONS:
        return f"unknown resize rule {info.resize!r} / {info.interpolation!r}"
    return None


def read_preprocess_json(path: Path) -> PreprocessConfig:
    """Preprocessing settings from a ``preprocess.json`` (CLIP's defaults if absent)."""
    if not path.is_file():
        return PreprocessConfig()
    data = read_json(path, "preprocessing settings", ModelError)
    try:
        return PreprocessConfig(int(data["size"]), tuple(data["mean"]), tuple(data["std"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: unreadable preprocessing settings ({exc})") from None


def tokenizer_for(kind: str, context_length: int, file: str, clean: str = "") -> Callable[[Sequence[str]], np.ndarray]:
    """A manifest's tokenizer (``file``: the model's ``tokenizer.json``, for kind "hf"): texts → int64 ids
    ``[N, context_length]``."""
    if kind == CLIP_BPE:
        return lambda texts: tokenize(list(texts), context_length)
    if kind == HF:
        from motis_desktop.core.models.hf_tokenizer import HFTokenizer

        hf = HFTokenizer(file, context_length, clean or "canonicalize")
        return lambda texts: hf(list(texts))
    raise ModelError(f"unknown tokenizer {kind!r} (known: {', '.join(TOKENIZER_KINDS)})")
