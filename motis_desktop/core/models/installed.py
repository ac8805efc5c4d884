"""Installed models with every source format: import (TorchScript pair, OpenAI/open_clip checkpoint, open_clip's
Hugging Face layout), export, conversion of installs made by older versions (on first load), encoders.

A model's id (``name-<sha256 prefix of its source files>``) keys its embeddings, so re-importing different
weights under one name never mixes vectors; converting an older install keeps its id.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from motis_desktop.core.atomic import write_json_atomic
from motis_desktop.core.errors import ModelError
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.engine import Encoder
from motis_desktop.core.models.manifest import (
    FORMAT_CHECKPOINT,
    FORMAT_OPEN_CLIP,
    FORMAT_PAIR,
    MANIFEST,
    OPEN_CLIP_FILES,
    PAIR_FILES,
    PREPROCESS_JSON,
    ModelInfo,
    read_preprocess_json,
)
from motis_desktop.core.models.model_folder import ModelFolder
from motis_desktop.core.models.staging import staging_dir, stop_if_cancelled

log = logging.getLogger(__name__)


class ModelStore(ModelFolder):
    """The models folder (:class:`ModelFolder`) with every source format."""

    def import_pair(
        self,
        image_file: str | os.PathLike[str],
        text_file: str | os.PathLike[str],
        name: str,
        preprocess_config: PreprocessConfig | None = None,
        replace: bool = False,
        origin: dict[str, Any] | None = None,
        keep: ModelInfo | None = None,
        cancel: threading.Event | None = None,
    ) -> ModelInfo:
        """Install a seed-format TorchScript pair as ``name``, converted to ONNX towers (``cancel``: see
        :meth:`install_towers`).

        Mobile-optimized files (XNNPACK prepacked ops) are first rewritten into plain TorchScript (read as
        data, no pickle runs), which is what the model keeps for export. Without ``preprocess_config``, a
        ``preprocess.json`` beside the image file (written by :meth:`export_pair`) is used, else CLIP's.
        ``keep``: the older install of ``name`` this converts (:meth:`upgrade`), whose id and source stay.
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
        from motis_desktop.core.models.encoders.checkpoint import load_torchscript
        from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_files

        with staging_dir(self.models_dir, "convert", name) as tmp:
            converted = convert_mobile_files(sources, tmp)
            if converted:
                origin = {**(origin or {}), "converted": converted}
            towers = {role: load_torchscript(path) for role, path in sources.items()}
            stop_if_cancelled(cancel)  # read and converted: each step may take seconds for a large model
            return self.install_towers(
                name,
                towers["image"],
                towers["text"],
                source_format=FORMAT_PAIR,
                sources={PAIR_FILES[role]: path for role, path in sources.items()},
                preprocess_config=preprocess_config,
                replace=replace,
                origin=origin,
                cancel=cancel,
                **_identity(f"{image_file}, {text_file}", keep),
            )

    def import_checkpoint(
        self,
        checkpoint: str | os.PathLike[str],
        name: str,
        replace: bool = False,
        origin: dict[str, Any] | None = None,
        keep: ModelInfo | None = None,
        cancel: threading.Event | None = None,
    ) -> ModelInfo:
        """Load an OpenAI/open_clip state dict, keep it as safetensors, install it as ``name``
        (ONNX towers; ``cancel``: see :meth:`install_towers`).

        A Hugging Face layout folder (or safetensors with ``open_clip_config.json`` beside it) of a SigLIP or
        MobileCLIP model goes to :meth:`import_open_clip`; of a plain ViT CLIP, its weights are read here.
        """
        from motis_desktop.core.models.encoders.open_clip_hf import family_of, is_hf_layout, locate, read_config

        if is_hf_layout(checkpoint):
            src = locate(checkpoint)
            if family_of(read_config(src.config)["model_cfg"]) is not None:
                return self.import_open_clip(checkpoint, name, replace, origin, keep, cancel)
            checkpoint = src.weights
        from safetensors.torch import save_file

        from motis_desktop.core.models.encoders.checkpoint import build_clip, load_state_dict

        source = Path(checkpoint)
        sd = load_state_dict(source)
        model = build_clip(sd, source=str(source))  # fails before anything is copied if keys do not fit
        self._check_new_name(name, replace)
        stop_if_cancelled(cancel)
        with staging_dir(self.models_dir, "convert", name) as tmp:
            converted = tmp / "model.safetensors"
            save_file({k: v.contiguous() for k, v in sd.items()}, str(converted))
            stop_if_cancelled(cancel)
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
                cancel=cancel,
                **_identity(str(source), keep),
            )

    def import_open_clip(
        self,
        path: str | os.PathLike[str],
        name: str,
        replace: bool = False,
        origin: dict[str, Any] | None = None,
        keep: ModelInfo | None = None,
        cancel: threading.Event | None = None,
    ) -> ModelInfo:
        """Install an open_clip checkpoint in the Hugging Face layout (a folder, or its safetensors file).

        SigLIP/SigLIP2 and MobileCLIP/MobileCLIP2 (``core.models.encoders.open_clip_hf``): the towers
        are built and their weights checked before anything is copied; the manifest records the family's
        preprocessing, tokenizer and score, and ``origin`` the family and (MobileCLIP) the licence notice.
        """
        from motis_desktop.core.models.encoders.open_clip_hf import load_towers, locate

        src = locate(path)
        towers = load_towers(path)
        stop_if_cancelled(cancel)
        found = {"config": src.config, "weights": src.weights}
        if src.tokenizer is not None:  # the tokenizer, with its settings where there are any
            found["tokenizer"] = src.tokenizer
            found["tokenizer_config"] = src.tokenizer.with_name(OPEN_CLIP_FILES["tokenizer_config"])
        sources = {OPEN_CLIP_FILES[role]: file for role, file in found.items() if file.is_file()}
        record = {
            "family": towers.family,
            "resize_mode": towers.preprocess.resize_mode,
            "interpolation": towers.preprocess.interpolation,
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
            preprocess_config=towers.preprocess,
            context_length=towers.context_length,
            tokenizer=towers.tokenizer,
            tokenizer_clean=towers.tokenizer_clean,
            score=towers.score,
            replace=replace,
            origin={**(origin or {}), "open_clip": record},
            cancel=cancel,
            **_identity(str(path), keep),
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

    def load_encoder(self, name: str) -> Encoder:
        """The named model's encoder (ONNX towers in fp32). A model installed by an older version is converted
        first (once; this imports torch)."""
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
        return Encoder(info, self.models_dir / name)

    def upgrade(self, name: str) -> ModelInfo:
        """Convert a model installed by an older version (TorchScript pair, checkpoint, open_clip files) to
        ONNX towers, keeping its id, so its embeddings stay valid (imports torch; once per model)."""
        info = self.get(name)
        if info.converted:
            return info
        folder = self.models_dir / name
        log.info("converting model %s (%s) to ONNX towers", name, info.format)
        origin = {**info.origin, "upgraded_at": time.time()}
        if info.format == FORMAT_PAIR:
            image, text = (folder / info.files[role] for role in PAIR_FILES)
            return self.import_pair(image, text, name, info.preprocess_config, True, origin, keep=info)
        if info.format == FORMAT_CHECKPOINT:
            return self.import_checkpoint(folder / info.files["checkpoint"], name, True, origin, keep=info)
        if info.format == FORMAT_OPEN_CLIP:
            return self.import_open_clip(folder, name, True, origin, keep=info)
        raise ModelError(f"{folder / MANIFEST}: unknown model format {info.format!r}")


def _identity(label: str, keep: ModelInfo | None) -> dict[str, Any]:
    """An install's ``source_label`` and ``model_id``: the user's files (a new id), or those of the older install
    ``keep`` that :meth:`ModelStore.upgrade` converts (its id keys its embeddings)."""
    if keep is None:
        return {"source_label": label}
    return {"source_label": keep.source, "model_id": keep.model_id}
