"""The models folder: each model in ``<home>/models/<name>/``, installed from a pair of torch towers converted
once into ONNX (and int8) in a hidden staging folder and renamed into place, so a failed conversion leaves
nothing installed; listed, read and removed. The source formats that feed it are in ``installed``."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from motis_desktop.core.atomic import current_umask, write_json_atomic
from motis_desktop.core.errors import ModelError, MotisError
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.manifest import (
    FORMAT_ONNX,
    MANIFEST,
    NAME_RE,
    ONNX_FILES,
    TOKENIZER_FILE,
    ModelInfo,
    read_manifest,
    tokenizer_for,
)
from motis_desktop.core.models.staging import clean_stale, staging_dir, stop_if_cancelled
from motis_desktop.core.models.tokenizer import CLIP_BPE

if TYPE_CHECKING:  # torch only where models are converted
    from torch import nn

    from motis_desktop.core.models.encoders.onnx_export import ExportReport

log = logging.getLogger(__name__)


class ModelFolder:
    """The models folder: install converted towers (the one conversion path), list, get, remove."""

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
                infos.append(read_manifest(child))
            except ModelError:
                continue
        return infos

    def get(self, name: str) -> ModelInfo:
        folder = self.models_dir / name
        if not NAME_RE.match(name) or not (folder / MANIFEST).is_file():
            installed = ", ".join(m.name for m in self.list()) or "none"
            raise ModelError(f"no model named {name!r} (installed: {installed})")
        return read_manifest(folder)

    def int8_fits(self, info: ModelInfo) -> bool:
        """Whether the model's int8 towers (if any) were quantized for this kind of CPU (else :meth:`fit_int8`
        makes them again)."""
        from motis_desktop.core.models.precision import int8_weight_bits

        has_int8 = any(key.endswith(".int8") for key in info.files)
        # absent: made before 7-bit weights, i.e. 8-bit ones
        return not has_int8 or info.conversion.get("int8_weight_bits", 8) == int8_weight_bits()

    def fit_int8(self, name: str) -> bool:
        """Make ``name``'s int8 towers again where they were quantized for another kind of CPU (8-bit weights
        where this one needs 7: installs before 7-bit weights, a home moved from a VNNI machine; or the reverse),
        before its precision choice is read. Each file is replaced whole; a failure leaves the old towers, which
        the rule then judges. True if towers were made again."""
        from motis_desktop.core.models.precision import int8_weight_bits, quantize_towers

        info = self.get(name)
        if self.int8_fits(info):
            return False
        bits = int8_weight_bits()
        keys = [key for key in info.files if key.endswith(".int8")]
        folder = self.models_dir / name
        log.info("model %s: making its int8 towers again with %d-bit weights for this CPU", name, bits)
        try:
            with staging_dir(self.models_dir, "int8", name) as staging:
                made = quantize_towers(folder, staging)
                if not set(keys) <= set(made):
                    log.warning("model %s: int8 towers not made again (%s); the old ones stay", name, made)
                    return False
                if self.get(name) != info:  # replaced while quantizing (another process): not ours to touch
                    return False
                for key in keys:
                    os.replace(staging / ONNX_FILES[key], folder / info.files[key])
            conversion = {**info.conversion, "int8_weight_bits": bits}
            write_json_atomic(folder / MANIFEST, replace(info, conversion=conversion).to_json())
        except (OSError, ModelError) as exc:  # a read-only models folder, a model removed meanwhile
            log.warning("model %s: int8 towers not made again (%s)", name, exc)
            return False
        return True

    def install_towers(
        self,
        name: str,
        image_tower: nn.Module,
        text_tower: nn.Module,
        *,
        source_format: str,
        sources: dict[str, Path] | None = None,
        preprocess_config: PreprocessConfig = PreprocessConfig(),
        context_length: int = 77,
        tokenizer: str = CLIP_BPE,
        tokenizer_clean: str = "",
        score: dict[str, Any] | None = None,
        replace: bool = False,
        origin: dict[str, Any] | None = None,
        source_label: str | None = None,
        model_id: str | None = None,
        cancel: threading.Event | None = None,
    ) -> ModelInfo:
        """Convert any pair of torch towers into an installed model ``name`` (the one conversion path).

        ``image_tower`` maps float32 ``[B, 3, S, S]`` (``S = preprocess_config.size``) and ``text_tower``
        int64 ``[B, context_length]`` ids of ``tokenizer`` to ``[B, D]``. ``sources`` (file name in the model
        folder → file) are kept for export and hashed into the model id. ``score`` is ``{"kind": "cosine"}``
        (default) or ``{"kind": "scale-bias", "scale": s, "bias": b}``. Made in a staging folder and renamed
        into place; on any error nothing is installed (``cancel`` set: ``InstallCancelled`` between its steps).
        """
        from motis_desktop.core.models.encoders.onnx_export import export_towers

        self._check_new_name(name, replace)
        sources, cfg = sources or {}, preprocess_config
        with staging_dir(self.models_dir, "convert", name) as staging:
            staging.chmod(0o777 & ~current_umask())  # like a plain mkdir, not mkdtemp's private 0700
            digest = hashlib.sha256()
            for target in sorted(sources):
                copy_hashing(sources[target], staging / target, digest)
            stop_if_cancelled(cancel)
            tokenize = tokenizer_for(tokenizer, context_length, str(staging / TOKENIZER_FILE), tokenizer_clean)
            label = source_label or name  # the user's files, never the staging copies
            report = export_towers(image_tower, text_tower, staging, cfg.size, tokenize, tokenizer == CLIP_BPE, label)
            quantized = _int8_towers(staging, digest, not sources, cancel)
            info = _onnx_model_info(
                name,
                model_id or f"{name}-{digest.hexdigest()[:12]}",
                report,
                quantized,
                cfg,
                context_length=context_length,
                source=source_label or ", ".join(str(p) for p in sources.values()),
                origin=origin or {},
                source_format=source_format,
                sources={target: target for target in sorted(sources)},
                tokenizer=tokenizer,
                tokenizer_clean=tokenizer_clean,
                score=score or {"kind": "cosine"},
            )
            return self._commit(staging, info, cancel)  # renamed into place; on any error, removed with the block

    def remove(self, name: str) -> None:
        """Delete an installed model's folder."""
        info = self.get(name)
        folder = self.models_dir / info.name
        try:
            shutil.rmtree(folder)
        except OSError as exc:  # a read-only home: the model's folder, not the first file that refused
            raise ModelError(
                f"{folder}: cannot remove the model: the home cannot be written ({exc.strerror or exc})"
            ) from None
        log.info("removed model %s", info.name)

    # -- internals ---------------------------------------------------------

    def _check_new_name(self, name: str, replace: bool) -> None:
        if not NAME_RE.match(name):
            raise MotisError(f"invalid model name {name!r}: use letters, digits, '.', '_' or '-'")
        if (self.models_dir / name).exists() and not replace:
            raise MotisError(f"a model named {name!r} is already installed (remove it first)")

    def _commit(self, staging: Path, info: ModelInfo, cancel: threading.Event | None = None) -> ModelInfo:
        """Write the manifest into ``staging`` and rename it into place (over an old model of that name), unless
        ``cancel`` is set (``InstallCancelled``: the last moment an install can stop)."""
        stop_if_cancelled(cancel)
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


def _int8_towers(staging: Path, digest: hashlib._Hash, hash_towers: bool, cancel: threading.Event | None) -> list[str]:
    """The step after the ONNX export (a step that runs to its end): stop there if cancelled, else make the int8
    towers (their keys); a model made without source files is known by its towers' hash (``hash_towers``)."""
    from motis_desktop.core.models.precision import quantize_towers

    stop_if_cancelled(cancel)
    quantized = quantize_towers(staging)
    if hash_towers:
        for role in ("image", "text"):
            hash_file(staging / ONNX_FILES[role], digest)
    return quantized


def _onnx_model_info(
    name: str, model_id: str, report: ExportReport, quantized: list[str], cfg: PreprocessConfig, **fields: Any
) -> ModelInfo:
    """The manifest of towers just converted (``fields``: the install's other :class:`ModelInfo` fields)."""
    from motis_desktop.core.models.precision import int8_weight_bits

    return ModelInfo(
        name=name,
        format=FORMAT_ONNX,
        model_id=model_id,
        embed_dim=report.embed_dim,
        files={key: ONNX_FILES[key] for key in ("image", "text", *quantized)},
        image_size=cfg.size,
        mean=cfg.mean,
        std=cfg.std,
        resize=cfg.resize_mode,
        interpolation=cfg.interpolation,
        text_truncation=report.text_truncation,
        conversion={**report.to_json(), "int8": quantized, "int8_weight_bits": int8_weight_bits()},
        **fields,
    )


def hash_file(path: Path, digest: hashlib._Hash) -> hashlib._Hash:
    """Feed a file to ``digest`` (returned): a model's id, a download's check."""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest


def copy_hashing(src: Path, dst: Path, digest: hashlib._Hash) -> None:
    """Copy ``src`` to ``dst`` (synced) and feed it to ``digest``."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(1 << 20):
            digest.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
