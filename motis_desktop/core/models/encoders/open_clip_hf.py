"""open_clip checkpoints in the Hugging Face layout, read into our towers.

A source is a folder with ``open_clip_config.json`` and ``open_clip_model.safetensors`` (and ``tokenizer.json``
where the text tower needs one), or that ``.safetensors`` with the config beside it. The config names the
family (a timm ``vit_*`` trunk with ``map`` pooling: SigLIP/SigLIP2; ``fastvit_mci*``: MobileCLIP/MobileCLIP2);
sizes come from the config where it states them, else from the weights' shapes, so variants and fine-tunes load
too. OpenAI-named ViT CLIP weights in this layout go through the checkpoint import.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from motis_desktop.core.atomic import read_json
from motis_desktop.core.errors import ModelError
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.architectures.fastvit import FastViTTower, FoldError, fold_state_dict
from motis_desktop.core.models.architectures.siglip import SigLIPVisionConfig, SigLIPVisionTower
from motis_desktop.core.models.architectures.text import TextConfig, TextTower
from motis_desktop.core.models.architectures.transformer import count_layers, rename_timm
from motis_desktop.core.models.encoders.checkpoint import load_state_dict, load_strictly
from motis_desktop.core.models.manifest import OPEN_CLIP_FILES

CONFIG_NAME, WEIGHTS_NAME, TOKENIZER_NAME = (OPEN_CLIP_FILES[k] for k in ("config", "weights", "tokenizer"))
FAMILY_SIGLIP = "siglip"
FAMILY_MOBILECLIP = "mobileclip"
MOBILECLIP_LICENSE = (
    "MobileCLIP/MobileCLIP2 weights are Apple's, under the Apple Machine Learning Research Model licence: "
    "research use only. Import your own copy; MoTIS does not download or redistribute them."
)


@dataclass(frozen=True)
class HFSource:
    """Where the files of one HF-layout checkpoint are."""

    config: Path
    weights: Path
    tokenizer: Path | None


@dataclass
class OpenClipTowers:
    """Both towers of an open_clip-family model, with everything the runtime manifest needs."""

    family: str
    image_tower: nn.Module
    text_tower: nn.Module
    embed_dim: int
    preprocess: PreprocessConfig  # resize_mode "squash" (resize to S×S) or "shortest" (shortest side to S, crop)
    context_length: int
    tokenizer: str  # "clip-bpe" or "hf" (tokenizer.json)
    tokenizer_clean: str
    score: dict[str, Any] = field(default_factory=dict)  # {"kind": "cosine"} or {"kind": "scale-bias", ...}
    license_notice: str = ""


def is_hf_layout(path: str | os.PathLike[str]) -> bool:
    p = Path(path)
    return (p.is_dir() and (p / CONFIG_NAME).is_file()) or (
        p.suffix == ".safetensors" and (p.parent / CONFIG_NAME).is_file()
    )


def locate(path: str | os.PathLike[str]) -> HFSource:
    p = Path(path)
    if p.is_dir():
        config, weights = p / CONFIG_NAME, p / WEIGHTS_NAME
        if not weights.is_file():
            found = sorted(p.glob("*.safetensors"))
            if len(found) != 1:
                raise ModelError(f"{p}: expected {WEIGHTS_NAME} beside {CONFIG_NAME}")
            weights = found[0]
    else:
        config, weights = p.parent / CONFIG_NAME, p
    if not config.is_file():
        raise ModelError(f"{p}: no {CONFIG_NAME} beside the weights")
    if not weights.is_file():
        raise ModelError(f"{weights}: weights not found")
    tok = config.parent / TOKENIZER_NAME
    return HFSource(config, weights, tok if tok.is_file() else None)


def read_config(path: Path) -> dict[str, Any]:
    data = read_json(path, "open_clip config", ModelError)
    if not isinstance(data, dict) or not isinstance(data.get("model_cfg"), dict):
        raise ModelError(f"{path}: not an open_clip config (no model_cfg)")
    return data


def family_of(model_cfg: dict[str, Any]) -> str | None:
    """``siglip``, ``mobileclip`` or None (not one of the new families)."""
    vision = model_cfg.get("vision_cfg") or {}
    name = str(vision.get("timm_model_name") or "")
    if name.startswith("fastvit_mci"):
        return FAMILY_MOBILECLIP
    if name.startswith("vit_") and vision.get("timm_pool") == "map":
        return FAMILY_SIGLIP
    return None


def load_towers(path: str | os.PathLike[str]) -> OpenClipTowers:
    """Read an HF-layout checkpoint and build both towers with its weights loaded strictly."""
    src = locate(path)
    data = read_config(src.config)
    cfg = data["model_cfg"]
    vision_cfg, text_options = cfg.get("vision_cfg") or {}, cfg.get("text_cfg") or {}
    family = family_of(cfg)
    if family is None:
        name = vision_cfg.get("timm_model_name") or "a plain open_clip ViT"
        raise ModelError(f"{src.config}: {name} is not a SigLIP/SigLIP2 or MobileCLIP model")
    sd = load_state_dict(src.weights)
    label = str(src.weights)
    visual = {k.removeprefix("visual.trunk."): v for k, v in sd.items() if k.startswith("visual.trunk.")}
    text = {k.removeprefix("text."): v for k, v in sd.items() if k.startswith("text.")}
    if not visual or not text:
        raise ModelError(f"{label}: expected visual.trunk.* and text.* weights (open_clip's custom-text layout)")
    embed_dim = int(cfg.get("embed_dim") or 0)
    text_cfg = _text_config(text_options, text, label)
    if embed_dim and text_cfg.embed_dim != embed_dim:
        raise ModelError(f"{label}: config embed_dim {embed_dim} but the text projection gives {text_cfg.embed_dim}")
    text_tower = TextTower(text_cfg)
    load_strictly(text_tower, text, label, "text tower")
    preprocess = _preprocess(data.get("preprocess_cfg") or {}, vision_cfg, family, src.config)
    image_tower, out_dim = _image_tower(family, vision_cfg, visual, label, preprocess.size)
    if out_dim != text_cfg.embed_dim:
        raise ModelError(f"{label}: image tower gives {out_dim}-d vectors, text tower {text_cfg.embed_dim}-d")
    tk = text_options.get("tokenizer_kwargs") or {}
    uses_hf = bool(text_options.get("hf_tokenizer_name"))
    if uses_hf and src.tokenizer is None:
        raise ModelError(f"{src.config.parent}: this model needs its {TOKENIZER_NAME} beside the config")
    return OpenClipTowers(
        family=family,
        image_tower=image_tower.eval(),
        text_tower=text_tower.eval(),
        embed_dim=text_cfg.embed_dim,
        preprocess=preprocess,
        context_length=text_cfg.context_length,
        tokenizer="hf" if uses_hf else "clip-bpe",
        tokenizer_clean=str(tk.get("clean") or ("canonicalize" if uses_hf else "lower")),
        score=_score(sd),
        license_notice=MOBILECLIP_LICENSE if family == FAMILY_MOBILECLIP else "",
    )


def _image_tower(
    family: str, vision_cfg: dict[str, Any], visual: dict[str, torch.Tensor], label: str, image_size: int
) -> tuple[nn.Module, int]:
    """The family's image tower with its weights loaded strictly, and the width of its vectors."""
    if family == FAMILY_SIGLIP:
        vcfg = _siglip_config(vision_cfg, visual, label, image_size)
        siglip = SigLIPVisionTower(vcfg)
        load_strictly(siglip, rename_timm(visual), label, "image tower")
        return siglip, vcfg.width
    try:
        folded = fold_state_dict(visual)
        fastvit = FastViTTower(folded)
    except (FoldError, KeyError) as exc:
        raise ModelError(f"{label}: not a FastViT/MCi image tower ({exc})") from None
    load_strictly(fastvit, folded, label, "image tower")
    return fastvit, fastvit.embed_dim


def _score(sd: dict[str, torch.Tensor]) -> dict[str, Any]:
    """How similarities become scores: cosine, or SigLIP's p = sigmoid(exp(logit_scale)·cos + logit_bias)."""
    if "logit_bias" in sd and "logit_scale" in sd:
        return {
            "kind": "scale-bias",
            "scale": float(sd["logit_scale"].reshape(-1)[0].exp()),
            "bias": float(sd["logit_bias"].reshape(-1)[0]),
        }
    return {"kind": "cosine"}


def _preprocess(pre: dict[str, Any], vision_cfg: dict[str, Any], family: str, config: Path) -> PreprocessConfig:
    """``preprocess_cfg``'s image size, mean and std, resize rule and filter (the family's defaults where it says
    none)."""
    size = pre.get("size")
    image_size = int(size[0]) if isinstance(size, list) else int(size or vision_cfg.get("image_size") or 224)
    mean = tuple(float(v) for v in pre.get("mean", (0.5, 0.5, 0.5) if family == FAMILY_SIGLIP else (0.0, 0.0, 0.0)))
    std = tuple(float(v) for v in pre.get("std", (0.5, 0.5, 0.5) if family == FAMILY_SIGLIP else (1.0, 1.0, 1.0)))
    if len(mean) != 3 or len(std) != 3 or any(s <= 0 for s in std):
        raise ModelError(f"{config}: preprocess_cfg mean/std must be 3 numbers each (std positive)")
    return PreprocessConfig(
        image_size,
        (mean[0], mean[1], mean[2]),
        (std[0], std[1], std[2]),
        str(pre.get("resize_mode") or ("squash" if family == FAMILY_SIGLIP else "shortest")),
        str(pre.get("interpolation") or "bicubic"),
    )


def _stated(cfg: dict[str, Any], key: str, found: int, label: str, what: str) -> int:
    value = cfg.get(key)
    if value is not None and int(value) != found:
        raise ModelError(f"{label}: the config says {what} {key} {value} but the weights have {found}")
    return found


def _shape(sd: dict[str, torch.Tensor], key: str, label: str) -> tuple[int, ...]:
    if key not in sd:
        raise ModelError(f"{label}: missing weight {key}")
    return tuple(sd[key].shape)


def _text_config(cfg: dict[str, Any], sd: dict[str, torch.Tensor], label: str) -> TextConfig:
    vocab, width = _shape(sd, "token_embedding.weight", label)
    context = _shape(sd, "positional_embedding", label)[0]
    layers = count_layers(sd, "transformer.resblocks.")
    if not layers:
        raise ModelError(f"{label}: no text transformer blocks")
    mlp_hidden = _shape(sd, "transformer.resblocks.0.mlp.c_fc.weight", label)[0]
    proj_bias = "text_projection.bias" in sd
    proj = _shape(sd, "text_projection.weight" if proj_bias else "text_projection", label)
    embed_dim = proj[0] if proj_bias else proj[1]
    heads = int(cfg.get("heads") or max(width // 64, 1))
    if width % heads:
        raise ModelError(f"{label}: text width {width} is not divisible by {heads} heads")
    act = cfg.get("act_kwargs") or {}
    return TextConfig(
        context_length=_stated(cfg, "context_length", context, label, "text"),
        vocab_size=_stated(cfg, "vocab_size", vocab, label, "text"),
        width=_stated(cfg, "width", width, label, "text"),
        heads=heads,
        layers=_stated(cfg, "layers", layers, label, "text"),
        mlp_hidden=mlp_hidden,
        embed_dim=embed_dim,
        causal=not cfg.get("no_causal_mask", False),
        pool=str(cfg.get("pool_type") or "argmax"),
        proj_bias=proj_bias,
        gelu="quick" if cfg.get("quick_gelu") else str(act.get("approximate") or "none"),
        eps=float((cfg.get("norm_kwargs") or {}).get("eps", 1e-5)),
        layer_scale="transformer.resblocks.0.ls_1.gamma" in sd,
    )


# Heads where width // 64 is not the rule (timm names say only the family; ViT-B/L use 64-wide heads).
_SIGLIP_HEADS = {"so400m": 16, "giant": 16, "gopt": 16}


def _siglip_config(cfg: dict[str, Any], sd: dict[str, torch.Tensor], label: str, image_size: int) -> SigLIPVisionConfig:
    width, _, patch, _ = _shape(sd, "patch_embed.proj.weight", label)
    tokens = _shape(sd, "pos_embed", label)[1]
    grid = round(tokens**0.5)
    if grid * grid != tokens:
        raise ModelError(f"{label}: {tokens} position embeddings do not make a square grid")
    if "cls_token" in sd or "reg_token" in sd:
        raise ModelError(f"{label}: a ViT with a class token is not a SigLIP image tower")
    if grid * patch != image_size:
        raise ModelError(f"{label}: the weights take {grid * patch}-pixel images but the config says {image_size}")
    name = str(cfg.get("timm_model_name") or "")
    _stated(cfg, "width", width, label, "image")
    if cfg.get("head_width"):
        heads = width // int(cfg["head_width"])
    else:
        heads = next((h for k, h in _SIGLIP_HEADS.items() if k in name), max(width // 64, 1))
    if width % heads:
        raise ModelError(f"{label}: image width {width} is not divisible by {heads} heads")
    return SigLIPVisionConfig(
        image_size=image_size,
        patch_size=patch,
        width=width,
        layers=_stated(cfg, "layers", count_layers(sd, "blocks."), label, "image"),
        heads=heads,
        mlp_hidden=_shape(sd, "blocks.0.mlp.fc1.weight", label)[0],
        pool_mlp_hidden=_shape(sd, "attn_pool.mlp.fc1.weight", label)[0],
        layer_scale="blocks.0.ls1.gamma" in sd,
    )
