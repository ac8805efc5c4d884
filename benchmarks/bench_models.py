"""Speed and size of each catalogue model through the ONNX engine, at random weights of the real shapes.

    .venv/bin/python benchmarks/bench_models.py [--photos 32] [--models siglip2-vit-b32-256 ...] [--json OUT]

For every model of the catalogue (resources/models.json) the towers are built by our own architecture
code (core/models/architectures: SigLIP2 ViT + MAP head and its 256k-token text tower; MobileCLIP2's
folded FastViT/MCi and its text tower; our CLIP for the seed-shaped pair and OpenAI ViT-B/32) with random
weights of the published shapes, exported once to ONNX (the install path: ``export_towers``, dynamic int8
by ``quantize_towers``), and run by ``engine.Encoder`` (onnxruntime, no torch):

- photos/s: ``encode_images`` on preprocessed batches of 16 (the engine alone: no decoding), fp32 and int8;
- query ms: p50 of ``encode_texts`` for one query (SigLIP: 64 tokens; CLIP-style: cut after end-of-text
  where the export measured that safe);
- size: the ONNX files on disk, fp32 and int8 (SigLIP2's 197M-parameter token embedding is most of it).

Prints the machine's load average (``os.getloadavg``) before and after: on this 2-core shared machine
figures move with the load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig  # noqa: E402
from motis_desktop.core.models.architectures.fastvit import FastViTTower  # noqa: E402
from motis_desktop.core.models.architectures.siglip import SigLIPVisionConfig, SigLIPVisionTower  # noqa: E402
from motis_desktop.core.models.architectures.text import TextConfig, TextTower  # noqa: E402


def _siglip2(patch: int) -> tuple[torch.nn.Module, torch.nn.Module, int, int]:
    vision = SigLIPVisionTower(SigLIPVisionConfig(image_size=256, patch_size=patch, width=768, layers=12, heads=12))
    text = TextTower(
        TextConfig(
            context_length=64,
            vocab_size=256000,
            width=768,
            heads=12,
            layers=12,
            mlp_hidden=3072,
            embed_dim=768,
            causal=False,
            pool="last",
            proj_bias=True,
            gelu="tanh",
            eps=1e-6,
        )
    )
    return vision, text, 256, 64


def _mci(layers: tuple[int, ...], dims: tuple[int, ...], embed: int = 512) -> FastViTTower:
    """Random folded MCi weights (the shapes ``fold_state_dict`` gives for timm's fastvit_mci0/2)."""
    g = torch.Generator().manual_seed(0)

    def r(*shape: int) -> torch.Tensor:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        return torch.randn(*shape, generator=g) * (1.0 / fan_in) ** 0.5

    sd: dict[str, torch.Tensor] = {}

    def conv(p: str, out: int, per_group: int, k: int) -> None:
        sd[p + "weight"], sd[p + "bias"] = r(out, per_group, k, k), torch.zeros(out)

    def se(p: str, ch: int, reduced: int) -> None:
        conv(p + "fc1.", reduced, ch, 1)
        conv(p + "fc2.", ch, reduced, 1)

    d0 = dims[0]
    conv("stem.0.reparam_conv.", d0, 3, 3)
    conv("stem.1.reparam_conv.", d0, 1, 3)
    conv("stem.2.reparam_conv.", d0, d0, 1)
    prev = d0
    for i, (n, d) in enumerate(zip(layers, dims)):
        p = f"stages.{i}."
        if i > 0:
            conv(p + "downsample.proj.0.reparam_conv.", d, prev // prev, 7)
            if i >= 2:  # se_downsamples=(False, False, True, True)
                se(p + "downsample.proj.0.se.", d, d // 4)
            conv(p + "downsample.proj.1.reparam_conv.", d, d, 1)
        if i == 3:
            conv(p + "pos_emb.reparam_conv.", d, 1, 7)
        for j in range(n):
            b = f"{p}blocks.{j}."
            if i < 3:
                conv(b + "token_mixer.reparam_conv.", d, 1, 3)
                sd[b + "layer_scale.gamma"] = torch.ones(d, 1, 1)
            else:
                for key in ("weight", "running_var"):
                    sd[b + "norm." + key] = torch.ones(d)
                for key in ("bias", "running_mean"):
                    sd[b + "norm." + key] = torch.zeros(d)
                sd[b + "token_mixer.qkv.weight"] = r(3 * d, d)
                sd[b + "token_mixer.proj.weight"], sd[b + "token_mixer.proj.bias"] = r(d, d), torch.zeros(d)
                sd[b + "layer_scale_1.gamma"] = torch.ones(d, 1, 1)
                sd[b + "layer_scale_2.gamma"] = torch.ones(d, 1, 1)
            conv(b + "mlp.conv.", d, 1, 7)
            conv(b + "mlp.fc1.", 3 * d, d, 1)
            conv(b + "mlp.fc2.", d, 3 * d, 1)
        prev = d
    conv("final_conv.reparam_conv.", 2 * prev, 1, 3)
    se("final_conv.se.", 2 * prev, 2 * prev // 16)
    sd["head.fc.weight"], sd["head.fc.bias"] = r(embed, 2 * prev), torch.zeros(embed)
    tower = FastViTTower(sd)
    tower.load_state_dict(sd)
    return tower


def _mobileclip2(layers: tuple[int, ...], dims: tuple[int, ...]) -> tuple[torch.nn.Module, torch.nn.Module, int, int]:
    text = TextTower(TextConfig(context_length=77, width=512, heads=8, layers=12, mlp_hidden=2048, causal=False))
    return _mci(layers, dims), text, 256, 77


def _clip(config: CLIPConfig) -> tuple[torch.nn.Module, torch.nn.Module, int, int]:
    model = CLIP(config)
    return model.visual, model.text_tower(), config.image_resolution, config.context_length


MODELS = {
    "motis-vits16": lambda: _clip(  # the seed pair's shapes: ViT-S/16 image, 4-layer 512-wide text
        CLIPConfig.vit_b32(vision_width=384, vision_patch_size=16, text_layers=4)
    ),
    "clip-vit-b32": lambda: _clip(CLIPConfig.vit_b32()),
    "siglip2-vit-b32-256": lambda: _siglip2(32),
    "siglip2-vit-b16-256": lambda: _siglip2(16),
    "mobileclip2-s0": lambda: _mobileclip2((2, 6, 10, 2), (64, 128, 256, 512)),
    "mobileclip2-s2": lambda: _mobileclip2((4, 12, 24, 4), (80, 160, 320, 640)),
}


def bench_one(name: str, photos: int, work: Path, modes: tuple[str, ...] = ("fp32", "int8")) -> dict[str, object]:
    from motis_desktop.core.models.encoders.onnx_export import export_towers
    from motis_desktop.core.models.engine import Encoder
    from motis_desktop.core.models.manifest import FORMAT_ONNX, ModelInfo
    from motis_desktop.core.models.precision import quantize_towers
    from motis_desktop.core.models.tokenizer import tokenize

    torch.manual_seed(0)
    image, text, size, context = MODELS[name]()
    params = sum(p.numel() for p in (*image.parameters(), *text.parameters()))
    out = work / name
    out.mkdir(parents=True)
    start = time.perf_counter()
    siglip = name.startswith("siglip")
    report = export_towers(
        image.eval(), text.eval(), out, size, lambda texts: tokenize(list(texts), context), not siglip, label=name
    )
    export_s = time.perf_counter() - start
    del image, text
    made = quantize_towers(out)
    files = {"image": out / "image.onnx", "text": out / "text.onnx"}
    files.update({key: out / f"{key}.onnx" for key in made})
    names = {key: path.name for key, path in files.items()}
    truncation = report.text_truncation
    info = ModelInfo(
        name, FORMAT_ONNX, name, report.embed_dim, names, size, context_length=context, text_truncation=truncation
    )
    rng = np.random.default_rng(0)
    batch = rng.normal(0, 1, (16, 3, size, size)).astype(np.float32)
    ids = np.zeros((1, context), dtype=np.int64)
    ids[0, :6] = [49406, 320, 1929, 530, 518, 49407]  # "a dog on the" + end (fits every vocabulary)
    result: dict[str, object] = {
        "model": name,
        "parameters_m": round(params / 1e6, 1),
        "export_s": round(export_s, 1),
        "text_truncation": report.text_truncation,
        "disk_mb": {k: round(p.stat().st_size / 1e6, 1) for k, p in files.items()},
    }
    for mode in modes:
        if mode == "int8" and not {"image.int8", "text.int8"} <= files.keys():
            continue
        enc = Encoder(info, out, modes={"image": mode, "text": mode}, threads={"image": 2, "text": 2}).load()
        enc.encode_images(batch[:2])
        rounds = max(1, photos // len(batch))
        t0 = time.perf_counter()
        for _ in range(rounds):
            enc.encode_images(batch)
        per_s = rounds * len(batch) / (time.perf_counter() - t0)
        times = []
        for _ in range(11):
            t0 = time.perf_counter()
            enc.encode_texts(ids)
            times.append((time.perf_counter() - t0) * 1000)
        result[mode] = {"photos_per_s": round(per_s, 2), "query_ms_p50": round(statistics.median(times), 1)}
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=32, help="photos per mode and model (a few dozen)")
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--modes", nargs="*", default=["fp32", "int8"], choices=["fp32", "int8"])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-models-") as tmp:
        for name in args.models:
            row = bench_one(name, args.photos, Path(tmp), tuple(args.modes))
            row["load_1m"] = round(os.getloadavg()[0], 2)
            print(json.dumps(row), flush=True)
            rows.append(row)
    summary = {"load_before": load_before, "load_after": os.getloadavg(), "cores": os.cpu_count(), "rows": rows}
    print(f"load average before {load_before}, after {summary['load_after']} ({os.cpu_count()} cores)")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
