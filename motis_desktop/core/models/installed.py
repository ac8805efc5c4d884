"""Installed models: import, list, choose, load.

Each model lives in ``<home>/models/<name>/``: ``image.onnx`` and ``text.onnx`` (what the runtime runs,
``core.models.engine``), their int8 versions ``image.int8.onnx``/``text.int8.onnx``, the source files
export needs (a TorchScript pair or ``model.safetensors``) and the ``model.json`` manifest, which says
everything the runtime needs (input size, resize rule, mean/std, tokenizer and context length, output
dimension, score kind, whether text may be cut after end-of-text) and records the conversion.

Every accepted source (CLIP checkpoints, TorchScript pairs: the seed's after the XNNPACK conversion,
exported ones; other architectures through :meth:`ModelStore.install_towers`) is converted ONCE, at
install, into a hidden ``.convert-*`` folder beside the models, checked against torch, then renamed
into place: a failed conversion leaves nothing installed. torch is imported only here, for that.
Models installed by older versions (TorchScript or checkpoint only) are converted on first load.
A model's id (``name-<sha256 prefix of its source files>``) keys its embeddings, so re-importing
different weights under the same name never mixes vectors; converting keeps the id.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from motis_desktop.core.atomic import current_umask, write_json_atomic
from motis_desktop.core.errors import ModelError, MotisError
from motis_desktop.core.images.preprocess import INTERPOLATIONS, RESIZE_MODES, PreprocessConfig
from motis_desktop.core.models.engine import Encoder, TowerSpec
from motis_desktop.core.models.staging import clean_stale, make_staging, staging_dir
from motis_desktop.core.models.tokenizer import CLIP_BPE, HF, TOKENIZER_KINDS, tokenizer_for

if TYPE_CHECKING:  # torch only where models are converted
    from torch import nn

FORMAT_ONNX = "onnx"  # what every installed model is (its source format is ``source_format``)
FORMAT_PAIR = "torchscript-pair"
FORMAT_CHECKPOINT = "openai-checkpoint"
RESIZE_CLIP = "shortest"  # shortest side to the size, centre crop ("squash": resize to S x S)
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
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

log = logging.getLogger(__name__)


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
    origin: dict = field(default_factory=dict)  # e.g. registry name, URLs, received sizes and sha256
    source_format: str = ""  # what was imported: torchscript-pair, openai-checkpoint, ...
    sources: dict[str, str] = field(default_factory=dict)  # kept source files (export needs them)
    resize: str = RESIZE_CLIP
    interpolation: str = "bicubic"  # the resize filter (MobileCLIP2: bilinear)
    tokenizer: str = CLIP_BPE
    tokenizer_clean: str = ""
    text_truncation: bool = False
    score: dict = field(default_factory=lambda: {"kind": "cosine"})
    conversion: dict = field(default_factory=dict)

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

    @property
    def spec(self) -> TowerSpec:
        return TowerSpec(
            self.model_id,
            self.embed_dim,
            self.preprocess_config,
            self.context_length,
            self.tokenizer,
            "",
            self.tokenizer_clean,
            self.text_truncation,
            dict(self.score),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ModelStore:
    """The models folder: import (converted + checked in a staging folder), list, remove, load encoders."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        clean_stale(models_dir)  # working folders of imports that were interrupted (their process is gone)

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
        """Install a seed-format TorchScript pair as ``name``, converted to ONNX towers.

        Mobile-optimized files (XNNPACK prepacked ops) are first rewritten into plain TorchScript (read as
        data, no pickle runs), which is what the model keeps for export. Without ``preprocess_config``, a
        ``preprocess.json`` beside the image file (written by :meth:`export_pair`) is used, else CLIP's.
        """
        if preprocess_config is None:
            preprocess_config = read_preprocess_json(Path(image_file).parent / PREPROCESS_JSON)
        if not 0 < preprocess_config.size <= 4096:
            raise ModelError(f"image size must be between 1 and 4096 pixels, not {preprocess_config.size}")
        sources = {"image": Path(image_file), "text": Path(text_file)}
        for src in sources.values():
            if not src.is_file():
                raise ModelError(f"model file not found: {src}")
        self._check_new_name(name, replace)  # before spending time on a conversion
        from motis_desktop.core.models.encoders.torchscript_pair import load_torchscript

        with staging_dir(self._staging_parent(), "convert", name) as tmp:
            converted = _convert_mobile_files(sources, {"image": "image_encoder.pt", "text": "text_encoder.pt"}, tmp)
            if converted:
                origin = {**(origin or {}), "converted": converted}
            towers = {role: load_torchscript(path) for role, path in sources.items()}
            return self.install_towers(
                name,
                towers["image"],
                towers["text"],
                source_format=FORMAT_PAIR,
                sources={"image_encoder.pt": sources["image"], "text_encoder.pt": sources["text"]},
                preprocess_config=preprocess_config,
                replace=replace,
                origin=origin,
                source_label=f"{image_file}, {text_file}",
            )

    def import_checkpoint(
        self, checkpoint: str | os.PathLike[str], name: str, replace: bool = False, origin: dict | None = None
    ) -> ModelInfo:
        """Load an OpenAI/open_clip state dict, keep it as safetensors, install it as ``name``
        (ONNX towers).

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

        from motis_desktop.core.models.encoders.checkpoint import build_clip, load_state_dict

        source = Path(checkpoint)
        sd = load_state_dict(source)
        model = build_clip(sd, source=str(source))  # fails before anything is copied if keys do not fit
        self._check_new_name(name, replace)
        with staging_dir(self._staging_parent(), "convert", name) as tmp:
            converted = tmp / "model.safetensors"
            save_file({k: v.contiguous() for k, v in sd.items()}, str(converted))
            return self.install_towers(
                name,
                model.visual,
                model.text_tower(),
                source_format=FORMAT_CHECKPOINT,
                sources={"model.safetensors": converted},
                preprocess_config=PreprocessConfig(size=model.config.image_resolution),
                context_length=model.config.context_length,
                replace=replace,
                origin=origin,
                source_label=str(source),
            )

    def install_towers(
        self,
        name: str,
        image_tower: nn.Module,
        text_tower: nn.Module,
        *,
        source_format: str,
        sources: dict[str, Path] | None = None,
        preprocess_config: PreprocessConfig = PreprocessConfig(),
        resize: str = RESIZE_CLIP,
        context_length: int = 77,
        tokenizer: str = CLIP_BPE,
        tokenizer_clean: str = "",
        score: dict | None = None,
        replace: bool = False,
        origin: dict | None = None,
        source_label: str | None = None,
        model_id: str | None = None,
    ) -> ModelInfo:
        """Convert any pair of torch towers into an installed model ``name`` (the one conversion path).

        ``image_tower`` maps float32 ``[B, 3, S, S]`` (``S = preprocess_config.size``) and ``text_tower``
        int64 ``[B, context_length]`` ids of ``tokenizer`` to ``[B, D]``. ``sources`` (file name in the model
        folder → file) are kept for export and hashed into the model id. ``score`` is ``{"kind": "cosine"}``
        (default) or ``{"kind": "scale-bias", "scale": s, "bias": b}``. Everything is made in a staging
        folder and renamed into place; on any error nothing is installed.
        """
        from motis_desktop.core.models.encoders.onnx_export import export_towers
        from motis_desktop.core.models.precision import quantize_towers

        self._check_new_name(name, replace)
        if tokenizer not in TOKENIZER_KINDS:
            raise ModelError(f"unknown tokenizer {tokenizer!r} (known: {', '.join(TOKENIZER_KINDS)})")
        sources = dict(sources or {})
        for src in sources.values():
            if not src.is_file():
                raise ModelError(f"model file not found: {src}")
        staging = self._staging(name)
        try:
            digest = hashlib.sha256()
            for target in sorted(sources):
                _copy_hashing(sources[target], staging / target, digest)
            tokenize = tokenizer_for(tokenizer, context_length, str(staging / TOKENIZER_FILE), tokenizer_clean)
            report = export_towers(
                image_tower,
                text_tower,
                staging,
                preprocess_config.size,
                tokenize,
                tokenizer == CLIP_BPE,
                label=source_label or name,  # the user's files, never the staging copies
            )
            quantized = quantize_towers(staging)
            if not sources:
                for role in ("image", "text"):
                    _hash_file(staging / ONNX_FILES[role], digest)
            cfg = preprocess_config
            info = ModelInfo(
                name=name,
                format=FORMAT_ONNX,
                model_id=model_id or f"{name}-{digest.hexdigest()[:12]}",
                embed_dim=report.embed_dim,
                files={key: ONNX_FILES[key] for key in ("image", "text", *quantized)},
                image_size=cfg.size,
                mean=cfg.mean,
                std=cfg.std,
                context_length=context_length,
                source=source_label or ", ".join(str(p) for p in sources.values()),
                origin=origin or {},
                source_format=source_format,
                sources={target: target for target in sorted(sources)},
                resize=resize,
                interpolation=cfg.interpolation,
                tokenizer=tokenizer,
                tokenizer_clean=tokenizer_clean,
                text_truncation=report.text_truncation,
                score=score or {"kind": "cosine"},
                conversion={**report.to_json(), "int8": quantized},
            )
            return self._commit(staging, info)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def import_open_clip(
        self, path: str | os.PathLike[str], name: str, replace: bool = False, origin: dict | None = None
    ) -> ModelInfo:
        """Install an open_clip checkpoint in the Hugging Face layout (a folder, or its safetensors file).

        SigLIP/SigLIP2 and MobileCLIP/MobileCLIP2 (``core.models.architectures.open_clip_hf``): the towers
        are built and their weights checked before anything is copied; the manifest records the family's
        preprocessing, tokenizer and score, and ``origin`` the family and (MobileCLIP) the licence notice.
        """
        from motis_desktop.core.models.architectures.open_clip_hf import load_towers, locate

        src = locate(path)
        towers = load_towers(path)
        sources = {OPEN_CLIP_FILES["config"]: src.config, OPEN_CLIP_FILES["weights"]: src.weights}
        if src.tokenizer is not None:
            sources[OPEN_CLIP_FILES["tokenizer"]] = src.tokenizer
            if (src.tokenizer.parent / OPEN_CLIP_FILES["tokenizer_config"]).is_file():
                sources[OPEN_CLIP_FILES["tokenizer_config"]] = (
                    src.tokenizer.parent / OPEN_CLIP_FILES["tokenizer_config"]
                )
        record = {
            "family": towers.family,
            "resize_mode": towers.resize_mode,
            "interpolation": towers.interpolation,
            "tokenizer": towers.tokenizer,
            "tokenizer_clean": towers.tokenizer_clean,
            "score": towers.score,
            "license_notice": towers.license_notice,
        }
        return self.install_towers(
            name,
            towers.image_tower,
            towers.text_tower,
            source_format=FORMAT_OPEN_CLIP,
            sources=sources,
            preprocess_config=PreprocessConfig(
                towers.image_size, towers.mean, towers.std, towers.resize_mode, towers.interpolation
            ),
            resize=towers.resize_mode,
            context_length=towers.context_length,
            tokenizer=towers.tokenizer,
            tokenizer_clean=towers.tokenizer_clean,
            score=towers.score,
            replace=replace,
            origin={**(origin or {}), "open_clip": record},
            source_label=str(path),
        )

    def export_pair(self, name: str, out_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
        """Write the model as a seed-format TorchScript pair (``image_encoder.pt``, ``text_encoder.pt``) from the
        source it keeps (a TorchScript pair is copied, a checkpoint's CLIP is scripted)."""
        info = self.upgrade(name)
        folder = self.models_dir / name
        if info.source_format not in (FORMAT_PAIR, FORMAT_CHECKPOINT):
            raise ModelError(f"model {name!r} ({info.source_format}) keeps no TorchScript or CLIP checkpoint to export")
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        cfg = info.preprocess_config
        write_json_atomic(out / PREPROCESS_JSON, {"size": cfg.size, "mean": list(cfg.mean), "std": list(cfg.std)})
        if info.source_format == FORMAT_PAIR:
            targets = (out / PAIR_FILES["image"], out / PAIR_FILES["text"])
            for target in targets:
                shutil.copyfile(folder / info.sources[target.name], target)  # kept plain: loads anywhere
            return targets
        from motis_desktop.core.models.encoders.checkpoint import build_clip, export_torchscript_pair, load_state_dict

        path = folder / info.sources["model.safetensors"]
        return export_torchscript_pair(build_clip(load_state_dict(path), source=str(path)), out)

    def remove(self, name: str) -> None:
        """Delete an installed model's folder."""
        info = self.get(name)
        shutil.rmtree(self.models_dir / info.name)
        log.info("removed model %s", info.name)

    def load_encoder(
        self, name: str, modes: dict[str, str] | None = None, threads: dict[str, int | None] | None = None
    ) -> Encoder:
        """The named model's encoder (ONNX towers; ``modes`` per tower, fp32 by default). A model installed
        by an older version is converted first (once; this imports torch)."""
        info = self.get(name)
        if not info.converted:
            try:
                info = self.upgrade(name)
            except ModelError as exc:  # the old install stays as it was: say what to do instead
                raise ModelError(
                    f"model {name!r} was installed by an older version and cannot be converted to ONNX here "
                    f"({exc}); import it again with 'motis models import ... --name {name} --replace' "
                    f"(or download it again)"
                ) from None
        folder = self.models_dir / name
        files = {key: folder / file for key, file in info.files.items()}
        spec = info.spec
        if info.tokenizer == HF:
            spec = replace(spec, tokenizer_file=str(folder / TOKENIZER_FILE))
        return Encoder(spec, files, modes, threads)

    def upgrade(self, name: str) -> ModelInfo:
        """Convert a model installed by an older version (TorchScript pair, checkpoint, open_clip files) to
        ONNX towers, keeping its id, so its embeddings stay valid (imports torch; once per model)."""
        info = self.get(name)
        if info.converted:
            return info
        folder = self.models_dir / name
        log.info("converting model %s (%s) to ONNX towers", name, info.format)
        options: dict[str, Any] = {}
        image: nn.Module
        text: nn.Module
        with staging_dir(self._staging_parent(), "convert", name) as tmp:
            if info.format == FORMAT_PAIR:
                from motis_desktop.core.models.encoders.torchscript_pair import load_torchscript

                files = {PAIR_FILES[role]: folder / info.files[role] for role in PAIR_FILES}
                _convert_mobile_files(files, {f: f for f in files}, Path(tmp))  # kept published where torch had XNNPACK
                image, text = load_torchscript(files["image_encoder.pt"]), load_torchscript(files["text_encoder.pt"])
            elif info.format == FORMAT_CHECKPOINT:
                from motis_desktop.core.models.encoders.checkpoint import build_clip, load_state_dict

                files = {"model.safetensors": folder / info.files["checkpoint"]}
                model = build_clip(load_state_dict(files["model.safetensors"]), source=info.source)
                image, text = model.visual, model.text_tower()
            elif info.format == FORMAT_OPEN_CLIP:
                from motis_desktop.core.models.architectures.open_clip_hf import load_towers

                files = {OPEN_CLIP_FILES[role]: folder / info.files[role] for role in info.files}
                towers = load_towers(folder)
                image, text = towers.image_tower, towers.text_tower
                options = {"resize": towers.resize_mode, "tokenizer": towers.tokenizer, "score": towers.score}
                options["tokenizer_clean"] = towers.tokenizer_clean
            else:
                raise ModelError(f"{folder / MANIFEST}: unknown model format {info.format!r}")
            return self.install_towers(
                name,
                image,
                text,
                source_format=info.format,
                sources=files,
                preprocess_config=info.preprocess_config,
                context_length=info.context_length,
                replace=True,
                origin={**info.origin, "upgraded_at": time.time()},
                source_label=info.source,
                model_id=info.model_id,
                **options,
            )

    # -- internals ---------------------------------------------------------

    def _staging_parent(self) -> Path:
        self.models_dir.mkdir(parents=True, exist_ok=True)
        return self.models_dir

    def _staging(self, name: str) -> Path:
        staging = make_staging(self._staging_parent(), "convert", name)
        staging.chmod(0o777 & ~current_umask())  # like a plain mkdir, not mkdtemp's private 0700
        return staging

    def _check_new_name(self, name: str, replace: bool) -> None:
        if not _NAME_RE.match(name):
            raise MotisError(f"invalid model name {name!r}: use letters, digits, '.', '_' or '-'")
        if (self.models_dir / name).exists() and not replace:
            raise MotisError(f"a model named {name!r} is already installed (remove it first)")

    def _commit(self, staging: Path, info: ModelInfo) -> ModelInfo:
        """Write the manifest into ``staging`` and rename it into place (over an old model of that name)."""
        info = replace(info, size_bytes=sum(p.stat().st_size for p in staging.iterdir() if p.is_file()))
        write_json_atomic(staging / MANIFEST, info.to_json())
        final = self.models_dir / info.name
        log.info(
            "installing model %s (%s from %s, %d-d)%s",
            info.name,
            info.format,
            info.source_format,
            info.embed_dim,
            " over the old one" if final.exists() else "",
        )
        if final.exists():
            old = final.with_name(f".old-{info.name}-{os.getpid()}")
            os.replace(final, old)
            os.replace(staging, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, final)
        return info

    def _read_manifest(self, folder: Path) -> ModelInfo:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["mean"], data["std"] = tuple(data["mean"]), tuple(data["std"])
            info = ModelInfo(**data)
        except RecursionError:
            raise ModelError(f"{path}: unreadable model manifest (nested too deeply)") from None
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
    if info.resize not in RESIZE_MODES or info.interpolation not in INTERPOLATIONS:
        return f"unknown resize rule {info.resize!r} / {info.interpolation!r}"
    return None


def _convert_mobile_files(sources: dict[str, Path], targets: dict[str, str], work: Path) -> dict[str, Any]:
    """Replace, in ``sources``, each mobile-optimized file this torch must convert by a plain copy in ``work``.

    Returns what was converted (recorded in the manifest's ``origin``).
    """
    from motis_desktop.core.models.encoders.archive import check_model_file
    from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript, needs_conversion

    converted: dict[str, Any] = {}
    for role, src in list(sources.items()):
        if not src.is_file():
            continue
        check_model_file(src)  # hostile declared sizes are refused before anything is read
        if not needs_conversion(src):  # prepacked ops have no ONNX form: always rewritten first
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


def _hash_file(path: Path, digest: hashlib._Hash) -> None:
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)


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
    except RecursionError:
        raise ModelError(f"{path}: unreadable preprocessing settings (nested too deeply)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path}: unreadable preprocessing settings ({exc})") from None
