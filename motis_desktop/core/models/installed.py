"""Installed models: import, list, choose, load.

Each model lives in ``<home>/models/<name>/`` with a ``model.json`` manifest.
Imports are staged in a hidden temp folder, validated by running both towers,
then renamed into place, so a half-copied model is never visible. Mobile-optimized
TorchScript (XNNPACK prepacked ops) is converted to plain TorchScript on the way
in when this torch cannot run it, so later loads are plain ``torch.jit.load``.
A model's id (``name-<sha256 prefix of its files>``) keys its embeddings, so
re-importing different weights under the same name never mixes vectors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from motis_desktop.core.atomic import current_umask, write_json_atomic
from motis_desktop.core.errors import ModelError, MotisError
from motis_desktop.core.images.preprocess import PreprocessConfig

if TYPE_CHECKING:  # torch-free at import time: the GUI starts before the model loads
    from motis_desktop.core.models.encoders.base import Encoder

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
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

log = logging.getLogger(__name__)


@dataclass
class ModelInfo:
    """One installed model as described by its manifest."""

    name: str
    format: str
    model_id: str
    embed_dim: int
    files: dict[str, str]
    image_size: int = 224
    mean: tuple[float, float, float] = PreprocessConfig().mean
    std: tuple[float, float, float] = PreprocessConfig().std
    context_length: int = 77
    source: str = ""
    installed_at: float = field(default_factory=time.time)
    size_bytes: int = 0
    origin: dict = field(default_factory=dict)  # e.g. registry name, URLs, received sizes and sha256

    @property
    def preprocess_config(self) -> PreprocessConfig:
        return PreprocessConfig(self.image_size, tuple(self.mean), tuple(self.std))  # type: ignore[arg-type]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ModelStore:
    """The models folder: import (staged + validated), list, remove, load encoders."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir

    def list(self) -> list[ModelInfo]:
        """Installed models sorted by name (folders without a valid manifest are ignored)."""
        if not self.models_dir.is_dir():
            return []
        infos = []
        for child in sorted(self.models_dir.iterdir()):
            if child.name.startswith(".") or not (child / MANIFEST).is_file():
                continue
            try:
                infos.append(self._read_manifest(child))
            except ModelError:
                continue
        return infos

    def get(self, name: str) -> ModelInfo:
        folder = self.models_dir / name
        if not _NAME_RE.match(name) or not (folder / MANIFEST).is_file():
            installed = ", ".join(m.name for m in self.list()) or "none"
            raise ModelError(f"no model named {name!r} (installed: {installed})")
        return self._read_manifest(folder)

    def import_pair(
        self,
        image_file: str | os.PathLike[str],
        text_file: str | os.PathLike[str],
        name: str,
        preprocess_config: PreprocessConfig | None = None,
        replace: bool = False,
        origin: dict | None = None,
    ) -> ModelInfo:
        """Copy a seed-format TorchScript pair in, probe it, and install it as ``name``.

        Without ``preprocess_config``, a ``preprocess.json`` beside the image file (written by
        :meth:`export_pair`) is used, else CLIP's 224 px settings.
        """
        from motis_desktop.core.models.encoders.torchscript_pair import load_pair_encoder

        if preprocess_config is None:
            preprocess_config = read_preprocess_json(Path(image_file).parent / PREPROCESS_JSON)
        if not 0 < preprocess_config.size <= 4096:
            raise ModelError(f"image size must be between 1 and 4096 pixels, not {preprocess_config.size}")

        sources = {"image": Path(image_file), "text": Path(text_file)}
        targets = {"image": "image_encoder.pt", "text": "text_encoder.pt"}
        label = ", ".join(str(p) for p in sources.values())

        def validate(files: dict[str, Path]) -> Encoder:
            return load_pair_encoder(files["image"], files["text"], name, preprocess_config)

        self._check_new_name(name, replace)  # before spending time on a conversion
        with tempfile.TemporaryDirectory(prefix=f".convert-{name}-", dir=self._staging_parent()) as tmp:
            converted = _convert_mobile_files(sources, targets, Path(tmp))
            if converted:
                origin = {**(origin or {}), "converted": converted}
            return self._install(name, FORMAT_PAIR, sources, targets, validate, replace, label, origin)

    def import_checkpoint(
        self, checkpoint: str | os.PathLike[str], name: str, replace: bool = False, origin: dict | None = None
    ) -> ModelInfo:
        """Load an OpenAI/open_clip state dict, store it as safetensors, install it as ``name``.

        A Hugging Face layout folder (or safetensors with ``open_clip_config.json`` beside it) of a SigLIP or
        MobileCLIP model goes to :meth:`import_open_clip`; of a plain ViT CLIP, its weights are read here.
        """
        from motis_desktop.core.models.architectures.open_clip_hf import family_of, is_hf_layout, locate, read_config

        if is_hf_layout(checkpoint):
            src = locate(checkpoint)
            if family_of(read_config(src.config)["model_cfg"]) is not None:
                return self.import_open_clip(checkpoint, name, replace, origin)
            checkpoint = src.weights
        from safetensors.torch import save_file

        from motis_desktop.core.models.encoders.checkpoint import build_clip, clip_encoder, load_state_dict

        source = Path(checkpoint)
        sd = load_state_dict(source)
        model = build_clip(sd, source=str(source))  # fails before anything is copied if keys do not fit
        with tempfile.TemporaryDirectory(dir=self._staging_parent()) as tmp:
            converted = Path(tmp) / "model.safetensors"
            save_file({k: v.contiguous() for k, v in sd.items()}, str(converted))

            def validate(files: dict[str, Path]) -> Encoder:
                return clip_encoder(model, name)  # the weights were loaded and checked above

            return self._install(
                name,
                FORMAT_CHECKPOINT,
                {"checkpoint": converted},
                {"checkpoint": "model.safetensors"},
                validate,
                replace,
                source_label=str(source),
                origin=origin,
            )

    def import_open_clip(
        self, path: str | os.PathLike[str], name: str, replace: bool = False, origin: dict | None = None
    ) -> ModelInfo:
        """Install an open_clip checkpoint in the Hugging Face layout (a folder, or its safetensors file).

        SigLIP/SigLIP2 and MobileCLIP/MobileCLIP2 (``core.models.architectures.open_clip_hf``): the towers
        are built and their weights checked before anything is copied; the manifest's ``origin`` records
        the family, preprocessing, tokenizer, score and (MobileCLIP) the licence notice.
        """
        from motis_desktop.core.models.architectures.open_clip_hf import load_towers, locate, towers_encoder

        src = locate(path)
        towers = load_towers(path)
        sources = {"config": src.config, "weights": src.weights}
        if src.tokenizer is not None:
            sources["tokenizer"] = src.tokenizer
            if (src.tokenizer.parent / OPEN_CLIP_FILES["tokenizer_config"]).is_file():
                sources["tokenizer_config"] = src.tokenizer.parent / OPEN_CLIP_FILES["tokenizer_config"]
        record = {
            "family": towers.family,
            "resize_mode": towers.resize_mode,
            "interpolation": towers.interpolation,
            "tokenizer": towers.tokenizer,
            "tokenizer_clean": towers.tokenizer_clean,
            "score": towers.score,
            "license_notice": towers.license_notice,
        }

        def validate(files: dict[str, Path]) -> Encoder:
            return towers_encoder(towers, name, src.tokenizer)

        return self._install(
            name,
            FORMAT_OPEN_CLIP,
            sources,
            {role: OPEN_CLIP_FILES[role] for role in sources},
            validate,
            replace,
            source_label=str(path),
            origin={**(origin or {}), "open_clip": record},
        )

    def export_pair(self, name: str, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
        """Write the model as a seed-format TorchScript pair (``image_encoder.pt``, ``text_encoder.pt``)."""
        info = self.get(name)
        folder = self.models_dir / name
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        cfg = info.preprocess_config
        write_json_atomic(out / PREPROCESS_JSON, {"size": cfg.size, "mean": list(cfg.mean), "std": list(cfg.std)})
        if info.format == FORMAT_PAIR:
            from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript, needs_conversion

            targets = (out / "image_encoder.pt", out / "text_encoder.pt")
            for src, dst in zip((folder / info.files["image"], folder / info.files["text"]), targets):
                if needs_conversion(src):  # kept as published where torch has XNNPACK; exports load anywhere
                    convert_mobile_torchscript(src, dst)
                else:
                    shutil.copyfile(src, dst)
            return targets
        from motis_desktop.core.models.encoders.checkpoint import build_clip, export_torchscript_pair, load_state_dict

        path = folder / info.files["checkpoint"]
        return export_torchscript_pair(build_clip(load_state_dict(path), source=str(path)), out)

    def remove(self, name: str) -> None:
        """Delete an installed model's folder."""
        info = self.get(name)
        shutil.rmtree(self.models_dir / info.name)
        log.info("removed model %s", info.name)

    def load_encoder(self, name: str) -> Encoder:
        """Load the named model's encoder (slow: reads weights)."""
        info = self.get(name)
        folder = self.models_dir / name
        if info.format == FORMAT_PAIR:
            from motis_desktop.core.models.encoders.torchscript_pair import load_pair_encoder

            return load_pair_encoder(
                folder / info.files["image"],
                folder / info.files["text"],
                info.model_id,
                info.preprocess_config,
                info.context_length,
                info.embed_dim,
            )
        if info.format == FORMAT_CHECKPOINT:
            from motis_desktop.core.models.encoders.checkpoint import checkpoint_encoder

            return checkpoint_encoder(folder / info.files["checkpoint"], info.model_id, info.preprocess_config)
        if info.format == FORMAT_OPEN_CLIP:
            from motis_desktop.core.models.architectures.open_clip_hf import load_towers, towers_encoder

            tokenizer = folder / OPEN_CLIP_FILES["tokenizer"]
            towers = load_towers(folder)
            return towers_encoder(towers, info.model_id, tokenizer if tokenizer.is_file() else None)
        raise ModelError(f"{folder / MANIFEST}: unknown model format {info.format!r}")

    # -- internals ---------------------------------------------------------

    def _staging_parent(self) -> Path:
        self.models_dir.mkdir(parents=True, exist_ok=True)
        return self.models_dir

    def _check_new_name(self, name: str, replace: bool) -> None:
        if not _NAME_RE.match(name):
            raise MotisError(f"invalid model name {name!r}: use letters, digits, '.', '_' or '-'")
        if (self.models_dir / name).exists() and not replace:
            raise MotisError(f"a model named {name!r} is already installed (remove it first)")

    def _install(
        self,
        name: str,
        fmt: str,
        sources: dict[str, Path],
        targets: dict[str, str],
        validate: Any,
        replace: bool,
        source_label: str | None = None,
        origin: dict | None = None,
    ) -> ModelInfo:
        self._check_new_name(name, replace)
        final = self.models_dir / name
        for src in sources.values():
            if not src.is_file():
                raise ModelError(f"model file not found: {src}")
        encoder = validate(sources)  # errors name the user's files, and nothing is copied yet
        staging = Path(tempfile.mkdtemp(prefix=f".import-{name}-", dir=self._staging_parent()))
        try:
            staging.chmod(0o777 & ~current_umask())  # like a plain mkdir, not mkdtemp's private 0700
            digest = hashlib.sha256()
            staged: dict[str, Path] = {}
            for role in sorted(sources):
                staged[role] = staging / targets[role]
                _copy_hashing(sources[role], staged[role], digest)
            model_id = f"{name}-{digest.hexdigest()[:12]}"
            cfg = encoder.preprocess_config
            info = ModelInfo(
                name=name,
                format=fmt,
                model_id=model_id,
                embed_dim=encoder.embed_dim,
                files=targets,
                image_size=cfg.size,
                mean=cfg.mean,
                std=cfg.std,
                context_length=encoder.context_length,
                source=source_label or ", ".join(str(p) for p in sources.values()),
                size_bytes=sum(p.stat().st_size for p in staged.values()),
                origin=origin or {},
            )
            write_json_atomic(staging / MANIFEST, info.to_json())
            log.info(
                "installing model %s (%s, %d-d)%s",
                name,
                info.format,
                info.embed_dim,
                " over the old one" if final.exists() else "",
            )
            if final.exists():
                old = final.with_name(f".old-{name}-{os.getpid()}")
                os.replace(final, old)
                os.replace(staging, final)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(staging, final)
            return info
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def _read_manifest(self, folder: Path) -> ModelInfo:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["mean"], data["std"] = tuple(data["mean"]), tuple(data["std"])
            info = ModelInfo(**data)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ModelError(f"{path}: unreadable model manifest ({exc})") from None
        problem = _manifest_problem(info)
        if problem:
            raise ModelError(f"{path}: invalid model manifest ({problem})")
        return info


def _manifest_problem(info: ModelInfo) -> str | None:
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
    return None


def _convert_mobile_files(sources: dict[str, Path], targets: dict[str, str], work: Path) -> dict[str, Any]:
    """Replace, in ``sources``, each mobile-optimized file this torch must convert by a plain copy in ``work``.

    Returns what was converted (recorded in the manifest's ``origin``).
    """
    from motis_desktop.core.models.encoders.archive import check_model_file
    from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript, must_convert

    converted: dict[str, Any] = {}
    for role, src in list(sources.items()):
        if not src.is_file():
            continue
        check_model_file(src)  # hostile declared sizes are refused before anything is read
        if not must_convert(src):
            continue
        report = convert_mobile_torchscript(src, work / targets[role])
        sources[role] = work / targets[role]
        converted[role] = {
            "from": "XNNPACK prepacked ops (optimize_for_mobile)",
            "source": str(src),
            "op_contexts": report.contexts,
            "ops": dict(report.ops),
            "seconds": round(report.seconds, 3),
        }
    return converted


def _copy_hashing(src: Path, dst: Path, digest: hashlib._Hash) -> None:
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(1 << 20):
            digest.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())


def read_preprocess_json(path: Path) -> PreprocessConfig:
    """Preprocessing settings from a ``preprocess.json`` (CLIP's defaults if absent)."""
    if not path.is_file():
        return PreprocessConfig()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return PreprocessConfig(int(data["size"]), tuple(data["mean"]), tuple(data["std"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: unreadable preprocessing settings ({exc})") from None
