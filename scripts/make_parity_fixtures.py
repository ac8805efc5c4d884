#!/usr/bin/env python3
"""Dev-only: write the parity fixtures under tests/data/parity/ from the reference implementations.

NOT a runtime dependency. It needs open_clip and timm (and transformers for the reference
tokenizer), which the project does not install; run it in a throwaway venv:

    python3.11 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install /opt/wheels/torch-2.13.0+cpu-*.whl   # torch==2.13.0, CPU
    /tmp/refvenv/bin/pip install open_clip_torch timm transformers tokenizers safetensors pillow
    /tmp/refvenv/bin/python scripts/make_parity_fixtures.py            # writes tests/data/parity/

torchvision: open_clip and timm import it, and the Linux wheel pip brings here is a CUDA build that
does not import with the CPU torch (its compiled ops fail to register). ``_torchvision_stand_in()``
installs, before open_clip/timm are imported, a stand-in ``torchvision`` package in
``sys.modules``: ``torchvision.transforms`` (+ ``.functional``, ``.v2``), ``torchvision.ops``
(+ ``.misc``), ``torchvision.datasets``, ``torchvision.io`` and ``torchvision.utils`` holding the
names they import. Only four of those names are ever *called* here (open_clip's eval transform:
``Resize``, ``CenterCrop``, ``ToTensor``, ``Normalize``, with ``InterpolationMode``); for PIL
images torchvision's own v1 transforms are thin wrappers over PIL (``Image.resize`` with the
chosen filter, a crop at ``round((h - s) / 2)``, ``/255`` to CHW, ``(x - mean) / std``), and the
stand-in does exactly that. Everything else in the stand-in raises if called.

Each model is built by open_clip/timm from a fixed seed at TINY widths/depths (the real
architecture and code paths, fewer and narrower layers), then every norm (LayerNorm affine,
BatchNorm affine and running statistics) and layer scale is randomized so that folding and
norm handling are really exercised. Weights are rounded to float16 (stored as float16, so
the fixture is small and the float32 reference is computed on exactly the stored values) and
written in the Hugging Face layout: ``open_clip_config.json`` + ``open_clip_model.safetensors``
(+ ``tokenizer.json`` / ``tokenizer_config.json``). Beside them: ``reference.npz`` with the
inputs (preprocessed images, token ids) and open_clip's outputs (unit vectors, logit scale/bias).

Fixtures:
- ``siglip2_b32_tiny``: ``ViT-B-32-SigLIP2-256`` (timm ``vit_base_patch32_siglip_256``: patch 32,
  256 px, no class token, MAP head; SigLIP text tower, 64 tokens) at width 64, depth 2.
- ``mobileclip2_s0_tiny``: ``MobileCLIP2-S0`` (timm ``fastvit_mci0``, trained form with all
  branches; open_clip text tower without causal mask, CLIP tokenizer) at 1 block per stage.
- ``tokenizer/``: a Gemma-structured ``tokenizer.json`` (SentencePiece-style BPE with byte
  fallback, ``▁`` for spaces, ``<pad>``=0 ``<eos>``=1 ``<bos>``=2 ``<unk>``=3), trained here by
  ``tokenizers`` because Gemma's own file cannot be downloaded here and no PyPI package ships it;
  ``strings.json`` (≥ 2,000 strings in ≥ 10 languages/scripts) and ``ids.npz``, the ids open_clip's
  ``HFTokenizer`` (transformers' fast tokenizer + ``canonicalize``) gives for them at 64 tokens.
- ``preprocess/``: small images and open_clip's eval transform outputs for each model's
  preprocessing config (squash vs shortest-side + centre crop, bicubic vs bilinear, mean/std).
"""

from __future__ import annotations

import argparse
import importlib.machinery
import json
import math
import random
import sys
import types
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SEED = 20


def _torchvision_stand_in() -> None:
    """Register a stand-in ``torchvision`` (see the module docstring) unless the real one imports."""
    try:
        import torchvision  # noqa: F401
        import torchvision.transforms  # noqa: F401

        return
    except Exception:  # the CUDA build fails in many ways; any failure means: stand in
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
    from enum import Enum

    import torch
    from PIL import Image

    class InterpolationMode(Enum):
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"
        BOX = "box"
        HAMMING = "hamming"
        LANCZOS = "lanczos"

    pil = {
        InterpolationMode.NEAREST: Image.NEAREST,
        InterpolationMode.BILINEAR: Image.BILINEAR,
        InterpolationMode.BICUBIC: Image.BICUBIC,
        InterpolationMode.BOX: Image.BOX,
        InterpolationMode.HAMMING: Image.HAMMING,
        InterpolationMode.LANCZOS: Image.LANCZOS,
    }

    class _Never:
        """A name open_clip/timm import but never call here."""

        def __init__(self, *a: object, **k: object) -> None:
            raise RuntimeError(f"{type(self).__name__} is not available in the torchvision stand-in")

    class Resize:
        """torchvision v1 ``Resize`` on PIL images: an int resizes the shortest side (truncating the
        other, as torchvision does), a pair resizes to (h, w)."""

        def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
            self.size, self.interpolation, self.max_size = size, interpolation, max_size

        def __call__(self, img):
            w, h = img.size
            if isinstance(self.size, int) or len(self.size) == 1:
                s = self.size if isinstance(self.size, int) else self.size[0]
                short, long_ = (w, h) if w <= h else (h, w)
                new_short, new_long = s, int(s * long_ / short)
                if self.max_size is not None and new_long > self.max_size:
                    new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
                new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
            else:
                new_h, new_w = self.size
            if (new_w, new_h) == (w, h):
                return img
            return img.resize((new_w, new_h), pil[self.interpolation])

    class CenterCrop:
        def __init__(self, size):
            self.size = (size, size) if isinstance(size, int) else tuple(size) * (2 if len(size) == 1 else 1)

        def __call__(self, img):
            th, tw = self.size
            w, h = img.size
            if tw > w or th > h:  # torchvision pads with zeros first
                canvas = Image.new(img.mode, (max(w, tw), max(h, th)))
                canvas.paste(img, ((max(w, tw) - w) // 2, (max(h, th) - h) // 2))
                img, (w, h) = canvas, canvas.size
            top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
            return img.crop((left, top, left + tw, top + th))

    class ToTensor:
        def __call__(self, img):
            arr = np.asarray(img, dtype=np.uint8)
            if arr.ndim == 2:
                arr = arr[:, :, None]
            return torch.from_numpy(arr.transpose(2, 0, 1).copy()).float().div(255.0)

    class Normalize:
        def __init__(self, mean, std, inplace=False):
            self.mean, self.std = torch.tensor(mean).reshape(-1, 1, 1), torch.tensor(std).reshape(-1, 1, 1)

        def __call__(self, t):
            return (t - self.mean) / self.std

    class Compose:
        def __init__(self, transforms):
            self.transforms = transforms

        def __call__(self, x):
            for t in self.transforms:
                x = t(x)
            return x

    def _never_named(attr: str) -> type:
        if attr.startswith("_"):
            raise AttributeError(attr)
        return type(attr, (_Never,), {})

    def _module(name: str, **names: object) -> types.ModuleType:
        mod = types.ModuleType(name)
        mod.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=True)  # transformers looks
        mod.__dict__.update(names)
        mod.__path__ = []  # a package, so submodule imports resolve through sys.modules
        mod.__getattr__ = _never_named  # any other public name: a class that refuses to be made
        sys.modules[name] = mod
        return mod

    functional = _module("torchvision.transforms.functional", InterpolationMode=InterpolationMode, to_tensor=ToTensor())
    transforms = _module(
        "torchvision.transforms",
        InterpolationMode=InterpolationMode,
        Resize=Resize,
        CenterCrop=CenterCrop,
        ToTensor=ToTensor,
        Normalize=Normalize,
        Compose=Compose,
        functional=functional,
    )
    v2 = _module("torchvision.transforms.v2", InterpolationMode=InterpolationMode)
    transforms.v2 = v2
    ops = _module("torchvision.ops")
    ops.misc = _module("torchvision.ops.misc")
    tv = _module("torchvision", transforms=transforms, ops=ops, __version__="0.0-stand-in")
    tv.datasets = _module("torchvision.datasets")
    tv.io = _module("torchvision.io")
    tv.utils = _module("torchvision.utils")
    tv.models = _module("torchvision.models")


# ----------------------------------------------------------------------------------- strings

_PHRASES = {
    "en": [
        "a red car parked by the sea",
        "three cats on a sofa",
        "receipt from a restaurant",
        "Sunset over the mountains",
        "my daughter's birthday cake",
        "snow-covered trees in the park",
        "a dog catching a frisbee",
        "old church, Rome",
    ],
    "de": [
        "Ein roter Hund läuft über die Straße",
        "Sonnenuntergang am Strand",
        "Geburtstagskuchen mit Kerzen",
        "Straßenbahn in München",
        "Schnee auf den Bäumen",
        "Großmutter im Garten",
        "Frühstück auf der Terrasse",
    ],
    "es": [
        "un perro corriendo en la playa",
        "puesta de sol sobre el mar",
        "¿Dónde está la estación?",
        "niños jugando fútbol",
        "una tarta de cumpleaños",
        "montañas nevadas al amanecer",
        "café con leche",
    ],
    "fr": [
        "un chat noir sur le canapé",
        "la tour Eiffel la nuit",
        "pâtisseries dans une vitrine",
        "été à la plage",
        "un vélo rouge contre un mur",
        "forêt d'automne",
    ],
    "ja": [
        "海に沈む夕日",
        "ソファの上の三匹の猫",
        "東京の夜景",
        "誕生日ケーキとろうそく",
        "桜の木の下でピクニック",
        "雪の富士山",
        "ラーメンの写真",
    ],
    "zh": [
        "海边的红色汽车",
        "沙发上的三只猫",
        "餐厅的收据",
        "北京的长城",
        "下雪的公园",
        "生日蛋糕和蜡烛",
        "小狗在草地上跑",
    ],
    "ko": ["바닷가의 빨간 자동차", "소파 위의 고양이 세 마리", "서울의 야경", "생일 케이크", "눈 덮인 산"],
    "ru": ["Красная машина у моря", "Три кошки на диване", "Закат над горами", "Москва зимой", "чек из ресторана"],
    "ar": ["سيارة حمراء بجانب البحر", "ثلاث قطط على الأريكة", "غروب الشمس فوق الجبال", "كعكة عيد ميلاد"],
    "hi": ["समुद्र के किनारे लाल कार", "सोफे पर तीन बिल्लियाँ", "पहाड़ों पर सूर्यास्त", "जन्मदिन का केक"],
    "el": ["Ένα κόκκινο αυτοκίνητο δίπλα στη θάλασσα", "Τρεις γάτες στον καναπέ", "Ηλιοβασίλεμα στη Σαντορίνη"],
    "th": ["รถสีแดงริมทะเล", "แมวสามตัวบนโซฟา", "พระอาทิตย์ตกที่ภูเขา"],
    "he": ["מכונית אדומה ליד הים", "שלושה חתולים על הספה", "שקיעה מעל ההרים"],
    "tr": ["Deniz kenarında kırmızı araba", "Kanepede üç kedi", "İstanbul'da gün batımı"],
    "vi": ["Chiếc xe màu đỏ bên bờ biển", "Ba con mèo trên ghế sofa", "Hoàng hôn trên núi"],
    "pl": ["Czerwony samochód nad morzem", "Trzy koty na kanapie", "Zachód słońca w górach, Zakopane"],
}
_DECOR = [
    "",
    "!",
    "?",
    "...",
    " :)",
    " 😀",
    " #2023",
    "_photo_",
    " (IMG_0042.JPG)",
    " — best",
    " & friends",
    "\t",
    "  ",
]


def tokenizer_strings(n: int = 2400) -> list[str]:
    """Deterministic test strings: phrases of 16 languages/scripts, mixed, decorated, some very long."""
    rng = random.Random(SEED)
    langs = sorted(_PHRASES)
    out: list[str] = []
    for lang in langs:
        out.extend(_PHRASES[lang])
    while len(out) < n:
        kind = rng.random()
        lang = rng.choice(langs)
        text = rng.choice(_PHRASES[lang])
        if kind < 0.25:
            text = text.upper() if rng.random() < 0.5 else text.title()
        elif kind < 0.45:
            text = f"{text}{rng.choice(_DECOR)}{rng.choice(_PHRASES[rng.choice(langs)])}"
        elif kind < 0.55:
            text = " ".join(rng.choice(_PHRASES[rng.choice(langs)]) for _ in range(rng.randint(4, 9)))  # truncated
        elif kind < 0.65:
            text = f"{rng.randint(0, 99999)} {text} {rng.randint(1900, 2030)}-{rng.randint(1, 12):02d}"
        elif kind < 0.72:
            text = text.replace(" ", rng.choice(["_", "  ", "\n", "-", ","]))
        text = f"{rng.choice(_DECOR)}{text}{rng.choice(_DECOR)}"
        out.append(text)
    out += ["", " ", "!!!", "___", "a", "Ä", "ß", "İ", "ﬁ", "①②③", "\u200b", "e\u0301"]  # edge cases
    return out


# --------------------------------------------------------------------------------- tokenizer


def build_gemma_like_tokenizer(out: Path, vocab_size: int = 2048) -> None:
    """A small tokenizer.json with Gemma's structure (normalizer/pre-tokenizer/model/decoder).

    Gemma's file: normalizer ``Replace(" ", "▁")``, no pre-tokenizer, a BPE model with byte fallback
    (``<0x00>``..``<0xFF>``) whose merges never cross a ``▁`` (SentencePiece trains per word). Trained
    here with a per-word split so the merges have that property too, then saved without it. The
    post-processor appends ``<eos>`` so that special tokens and truncation around them are exercised
    (transformers 5 takes the post-processor from tokenizer.json, whatever tokenizer_config says).
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

    specials = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>"]
    byte_tokens = [f"<0x{b:02X}>" for b in range(256)]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Replace(" ", "▁")
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("▁"), behavior="merged_with_next")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    corpus = [canonical for ps in _PHRASES.values() for p in ps for canonical in (p.lower(), p)]
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials + byte_tokens,
        show_progress=False,
        limit_alphabet=400,
        max_token_length=8,
    )
    tok.train_from_iterator(corpus, trainer)
    tok.pre_tokenizer = None  # as Gemma's file
    tok.post_processor = processors.TemplateProcessing(single="$A:0 <eos>:0", special_tokens=[("<eos>", 1)])
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "GemmaTokenizer",
                "bos_token": "<bos>",
                "eos_token": "<eos>",
                "pad_token": "<pad>",
                "unk_token": "<unk>",
                "padding_side": "right",
                "model_max_length": 64,
            },
            indent=1,
        )
    )
    (out / "special_tokens_map.json").write_text(
        json.dumps({"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>"})
    )


def reference_ids(tok_dir: Path, strings: list[str], context: int = 64) -> np.ndarray:
    from open_clip.tokenizer import HFTokenizer

    ref = HFTokenizer(str(tok_dir), context_length=context, clean="canonicalize")
    return ref(strings).numpy().astype(np.int32)


# ------------------------------------------------------------------------------------ models


def _randomize(model, seed: int) -> None:
    """Randomize norms (affine + BN statistics) and layer scales; round every weight to float16."""
    import torch
    from torch import nn

    g = torch.Generator().manual_seed(seed)

    def rnd(shape, scale=1.0):
        return torch.randn(shape, generator=g) * scale

    with torch.no_grad():
        for mod in model.visual.modules():
            # timm's std-0.02 init makes a tiny FastViT forget its input by the last stage (every image
            # gives the same vector): He-scaled weights keep the images apart, so parity means something.
            if isinstance(mod, (nn.Conv2d, nn.Linear)) and "fastvit" in type(model.visual.trunk).__module__:
                fan_in = mod.weight[0].numel()
                mod.weight.copy_(rnd(mod.weight.shape, (2.0 / fan_in) ** 0.5))
                if mod.bias is not None:
                    mod.bias.copy_(rnd(mod.bias.shape, 0.1))
        for mod in model.modules():
            if isinstance(mod, nn.LayerNorm) or type(mod).__name__ in ("LayerNorm", "LayerNormFp32", "LayerNorm2d"):
                if getattr(mod, "weight", None) is not None:
                    mod.weight.copy_(1.0 + rnd(mod.weight.shape, 0.3))
                    mod.bias.copy_(rnd(mod.bias.shape, 0.2))
            if isinstance(mod, nn.modules.batchnorm._BatchNorm):
                mod.weight.copy_(1.0 + rnd(mod.weight.shape, 0.3))
                mod.bias.copy_(rnd(mod.bias.shape, 0.2))
                mod.running_mean.copy_(rnd(mod.running_mean.shape, 0.2))
                mod.running_var.copy_(0.5 + torch.rand(mod.running_var.shape, generator=g) * 1.5)
        for name, p in model.named_parameters():
            if name.endswith("gamma"):  # layer scales (timm/open_clip LayerScale, FastViT LayerScale2d)
                p.copy_(0.2 + torch.rand(p.shape, generator=g) * 0.8)
            if name.endswith("logit_scale"):
                p.fill_(math.log(10.0))
            if name.endswith("logit_bias"):
                p.fill_(-3.5)
        for t in list(model.parameters()) + list(model.buffers()):
            if t.is_floating_point():
                t.copy_(t.half().float())


def _save(model, cfg: dict, preprocess_cfg: dict, out: Path) -> None:
    import torch
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    sd = {
        k: v.detach().half().contiguous() if v.is_floating_point() else v.contiguous()
        for k, v in model.state_dict().items()
    }
    save_file(sd, str(out / "open_clip_model.safetensors"))
    (out / "open_clip_model.safetensors").chmod(0o644)
    (out / "open_clip_config.json").write_text(
        json.dumps({"model_cfg": cfg, "preprocess_cfg": preprocess_cfg}, indent=1)
    )
    del torch


def _images(seed: int, mean: float, std: float, n: int = 3, size: int = 256):
    """``n`` 8-bit noise images (stored as uint8) and their normalized float32 tensor ``(u8/255 - mean)/std``."""
    import torch

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    u8 = np.empty((n, 3, size, size), dtype=np.uint8)
    for i in range(n):  # different content per image (iid noise images all pool to the same vector)
        f = rng.uniform(1, 12, 3)
        pattern = [np.sin(f[0] * xx * 6 + i), xx * yy * (i + 1) % 1.0, np.cos(f[1] * (xx + f[2] * yy) * 4)]
        u8[i] = np.clip(127.5 + 110 * np.stack(pattern) + rng.normal(0, 12, (3, size, size)), 0, 255).astype(np.uint8)
    return u8, (torch.from_numpy(u8).float() / 255.0 - mean) / std


def _reference(model, images, ids, out: Path, extra: dict) -> None:
    import torch

    u8, tensor = images
    with torch.no_grad():
        img = model.encode_image(tensor, normalize=True).numpy()
        txt = model.encode_text(ids, normalize=True).numpy()
    np.savez_compressed(
        out / "reference.npz", images_u8=u8, ids=ids.numpy(), image_vectors=img, text_vectors=txt, **extra
    )


def _patched_timm(**kwargs):
    """timm.create_model with extra kwargs (tiny widths/depths) for open_clip's TimmModel."""
    import open_clip.timm_model as tm
    import timm

    original = timm.create_model

    def create(name, **kw):
        return original(name, **{**kw, **kwargs})

    tm.timm.create_model = create
    return original


def siglip2_fixture(out: Path, tok_dir: Path, strings: list[str]) -> None:
    import open_clip
    import timm
    import torch
    from open_clip.tokenizer import HFTokenizer

    base = json.loads((Path(open_clip.__file__).parent / "model_configs" / "ViT-B-32-SigLIP2-256.json").read_text())
    vocab = json.loads((tok_dir / "tokenizer.json").read_text())["model"]["vocab"]
    cfg = json.loads(json.dumps(base))
    cfg["embed_dim"] = 64
    # CLIPVisionCfg fields open_clip's timm path ignores; stated here, our loader checks them against the weights
    # (heads = width / head_width: 2 at this width, where the B rule width / 64 would give 1).
    cfg["vision_cfg"].update(width=64, layers=2, head_width=32)
    cfg["text_cfg"].update(
        width=48, heads=2, layers=2, vocab_size=len(vocab), hf_tokenizer_name="(fixture tokenizer.json)"
    )
    original = _patched_timm(embed_dim=64, depth=2, num_heads=2)
    try:
        torch.manual_seed(SEED)
        model_cfg = json.loads(json.dumps(cfg))
        model_cfg["text_cfg"].pop("hf_tokenizer_name")
        model_cfg.pop("custom_text")
        model = open_clip.model.CustomTextCLIP(**model_cfg).eval()
    finally:
        timm.create_model = original
    _randomize(model, SEED)
    pre = {
        "size": 256,
        "mean": [0.5, 0.5, 0.5],
        "std": [0.5, 0.5, 0.5],
        "interpolation": "bicubic",
        "resize_mode": "squash",
    }
    _save(model, cfg, pre, out)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        (out / name).write_bytes((tok_dir / name).read_bytes())
    images = _images(SEED + 1, mean=0.5, std=0.5)
    ids = HFTokenizer(str(tok_dir), context_length=64, clean="canonicalize")(strings[:4] + strings[-20:-16])
    extra = {"logit_scale": model.logit_scale.detach().numpy(), "logit_bias": model.logit_bias.detach().numpy()}
    _reference(model, images, ids, out, extra)


def mobileclip2_fixture(out: Path, strings: list[str]) -> None:
    import open_clip
    import timm
    import torch

    base = json.loads((Path(open_clip.__file__).parent / "model_configs" / "MobileCLIP2-S0.json").read_text())
    cfg = json.loads(json.dumps(base))
    cfg["embed_dim"] = 64
    cfg["text_cfg"].update(width=16, heads=1, layers=2)  # CLIP's 49,408-token embedding dominates the size
    original = _patched_timm(layers=(1, 1, 1, 1), embed_dims=(16, 32, 64, 64))
    try:
        torch.manual_seed(SEED + 2)
        model = open_clip.model.CustomTextCLIP(**{k: v for k, v in cfg.items() if k != "custom_text"}).eval()
    finally:
        timm.create_model = original
    _randomize(model, SEED + 2)
    pre = {
        "size": 256,
        "mean": [0.0, 0.0, 0.0],
        "std": [1.0, 1.0, 1.0],
        "interpolation": "bilinear",
        "resize_mode": "shortest",
    }
    _save(model, cfg, pre, out)
    images = _images(SEED + 3, mean=0.0, std=1.0)
    ids = open_clip.tokenize(strings[:4] + strings[-20:-16])
    _reference(model, images, ids, out, {"logit_scale": model.logit_scale.detach().numpy()})


# -------------------------------------------------------------------------------- preprocess


def preprocess_fixture(out: Path) -> None:
    import open_clip
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    sizes = [(300, 200), (200, 300), (97, 131), (1000, 60)]  # wide, tall, small (upscaled), extreme strip
    arrays = {}
    for i, (w, h) in enumerate(sizes):
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
        r = 127.5 + 127.5 * np.sin(xx / 3.1 + i)  # fine texture: the resize filter matters
        g = 255.0 * xx / w
        b = 127.5 + 127.5 * np.cos((xx + 2 * yy) / 7.3)
        arrays[f"image{i}"] = np.clip(np.rint(np.stack([r, g, b], -1)), 0, 255).astype(np.uint8)
    configs = {
        "siglip2": dict(image_size=256, mean=(0.5,) * 3, std=(0.5,) * 3, interpolation="bicubic", resize_mode="squash"),
        "mobileclip2": dict(
            image_size=256, mean=(0.0,) * 3, std=(1.0,) * 3, interpolation="bilinear", resize_mode="shortest"
        ),
        "clip": dict(
            image_size=224,
            mean=open_clip.OPENAI_DATASET_MEAN,
            std=open_clip.OPENAI_DATASET_STD,
            interpolation="bicubic",
            resize_mode="shortest",
        ),
    }
    outputs = {}
    for name, c in configs.items():
        t = open_clip.transform.image_transform(
            c["image_size"],
            is_train=False,
            mean=c["mean"],
            std=c["std"],
            interpolation=c["interpolation"],
            resize_mode=c["resize_mode"],
        )
        mean, std = np.asarray(c["mean"]).reshape(3, 1, 1), np.asarray(c["std"]).reshape(3, 1, 1)
        for key, img in arrays.items():
            x = t(Image.fromarray(img)).numpy().astype(np.float64)
            u8 = np.rint((x * std + mean) * 255.0)  # ToTensor gave k/255: stored losslessly as the 8-bit k
            assert np.abs((u8 / 255.0 - mean) / std - x).max() < 1e-5
            outputs[f"{name}/{key}"] = u8.astype(np.uint8)
    np.savez_compressed(out / "reference.npz", **arrays, **outputs)
    (out / "configs.json").write_text(
        json.dumps({k: {**v, "mean": list(v["mean"]), "std": list(v["std"])} for k, v in configs.items()}, indent=1)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "parity")
    args = ap.parse_args()
    _torchvision_stand_in()
    out: Path = args.out
    strings = tokenizer_strings()
    tok_dir = out / "tokenizer"
    build_gemma_like_tokenizer(tok_dir)
    (tok_dir / "strings.json").write_text(json.dumps(strings, ensure_ascii=False, indent=0))
    np.savez_compressed(tok_dir / "ids.npz", ids=reference_ids(tok_dir, strings))
    siglip2_fixture(out / "siglip2_b32_tiny", tok_dir, strings)
    mobileclip2_fixture(out / "mobileclip2_s0_tiny", strings)
    preprocess_fixture(out / "preprocess")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"wrote {out} ({total / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
