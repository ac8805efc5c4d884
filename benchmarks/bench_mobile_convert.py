"""Seed-format (mobile-optimized) towers: conversion time, and converted vs plain TorchScript speed.

Two steps, because making mobile files needs a torch with XNNPACK (torch 2.1 in a throwaway venv):

    python benchmarks/bench_mobile_convert.py make OUT --size vits16     # under torch 2.1 (XNNPACK)
    .venv/bin/python benchmarks/bench_mobile_convert.py run OUT --size vits16

``make`` builds CLIP-architecture towers (the architecture of tests/data/seed-mobile/make_seed_mobile.py's
tiny pair; ``--size tiny`` reproduces those exact files, ``vits16`` is ViT-S/16-sized with a 4-layer
512-wide text transformer, about the seed's 85 MB + 146 MB) from ``torch.manual_seed(0)`` and saves them
with ``torch.jit.script`` + ``optimize_for_mobile``. ``run`` converts them with MoTIS's converter (timed),
rebuilds the same model from the same seed, checks the outputs agree, and times a forward pass of the
converted tower, the plain ``torch.jit.script`` of the same model, and that script frozen.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

SIZES = {
    "tiny": {"image": {"w": 192, "layers": 2, "heads": 3}, "text": {"w": 32, "layers": 2, "heads": 4}},
    "vits16": {"image": {"w": 384, "layers": 12, "heads": 6}, "text": {"w": 512, "layers": 4, "heads": 8}},
}


class Block(nn.Module):
    def __init__(self, w: int, heads: int) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(w)
        self.attn = nn.MultiheadAttention(w, heads)
        self.ln_2 = nn.LayerNorm(w)
        self.c_fc = nn.Linear(w, 4 * w)
        self.c_proj = nn.Linear(4 * w, w)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        h = self.c_fc(self.ln_2(x))
        h = h * torch.sigmoid(1.702 * h)
        return x + self.c_proj(h)


class Vit(nn.Module):
    def __init__(self, w: int = 192, layers: int = 2, heads: int = 3, out: int = 512) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, w, 16, 16, bias=False)
        self.cls = nn.Parameter(torch.randn(w) * 0.02)
        self.pos = nn.Parameter(torch.randn(197, w) * 0.01)
        self.ln_pre = nn.LayerNorm(w)
        self.blocks = nn.ModuleList([Block(w, heads) for _ in range(layers)])
        self.ln_post = nn.LayerNorm(w)
        self.proj = nn.Linear(w, out, bias=False)
        self.register_buffer("nomask", torch.zeros(197, 197))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], dim=1) + self.pos
        x = self.ln_pre(x).transpose(0, 1)
        for b in self.blocks:
            x = b(x, self.nomask)
        return self.proj(self.ln_post(x[0]))


class TextT(nn.Module):
    def __init__(self, w: int = 32, layers: int = 2, heads: int = 4, out: int = 512) -> None:
        super().__init__()
        self.tok = nn.Embedding(49408, w)
        self.pos = nn.Parameter(torch.randn(77, w) * 0.01)
        self.blocks = nn.ModuleList([Block(w, heads) for _ in range(layers)])
        self.ln_final = nn.LayerNorm(w)
        self.proj = nn.Linear(w, out, bias=False)
        self.register_buffer("mask", torch.full((77, 77), float("-inf")).triu(1))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = (self.tok(ids) + self.pos).transpose(0, 1)
        for b in self.blocks:
            x = b(x, self.mask)
        x = self.ln_final(x.transpose(0, 1))
        return self.proj(x[torch.arange(x.shape[0]), ids.argmax(dim=-1)])


def build(size: str) -> tuple[nn.Module, nn.Module]:
    torch.manual_seed(0)
    return Vit(**SIZES[size]["image"]).eval(), TextT(**SIZES[size]["text"]).eval()


def inputs(batch_image: int, batch_text: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(1, 49000, (batch_text, 77), generator=g)
    ids[:, 0], ids[:, 12] = 49406, 49407
    ids[:, 13:] = 0
    return torch.randn(batch_image, 3, 224, 224, generator=g), ids


def make(out: Path, size: str) -> None:
    from torch.utils.mobile_optimizer import optimize_for_mobile

    assert torch._C._is_xnnpack_enabled(), "make needs a torch build with XNNPACK (e.g. torch 2.1.0)"
    out.mkdir(parents=True, exist_ok=True)
    for role, model in zip(("image", "text"), build(size), strict=True):
        optimize_for_mobile(torch.jit.script(model)).save(str(out / f"{size}_{role}_encoder.pt"))
    print("torch", torch.__version__, "wrote", sorted(p.name for p in out.glob(f"{size}_*")))


def _time_interleaved(fns: list, x: torch.Tensor, repeats: int) -> list[float]:
    """Median seconds per call of each function, taking turns so that load from other processes hits all alike."""
    times: list[list[float]] = [[] for _ in fns]
    with torch.no_grad():
        for fn in fns:  # warm-up (TorchScript profiles the first runs)
            fn(x)
            fn(x)
        for _ in range(repeats):
            for i, fn in enumerate(fns):
                start = time.perf_counter()
                fn(x)
                times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def run(folder: Path, size: str, repeats: int, batch_image: int, batch_text: int) -> None:
    import warnings

    from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript

    warnings.simplefilter("ignore", DeprecationWarning)
    torch.set_num_threads(torch.get_num_threads())
    eager = dict(zip(("image", "text"), build(size), strict=True))
    x = dict(zip(("image", "text"), inputs(batch_image, batch_text), strict=True))
    print(f"torch {torch.__version__}, XNNPACK {torch._C._is_xnnpack_enabled()}, threads {torch.get_num_threads()}")
    print(f"size {size}: image batch {batch_image}x3x224x224, text batch {batch_text}x77; median of {repeats} runs")
    print("(the variants take turns, so load from other processes falls on all of them alike)\n")
    columns = ["tower", "file MB", "convert s", "max abs diff vs eager", "converted ms", "plain script ms"]
    print("| " + " | ".join([*columns, "frozen ms", "conv/plain"]) + " |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for role in ("image", "text"):
            src = folder / f"{size}_{role}_encoder.pt"
            if not src.exists():
                src = folder / f"tiny_{role}_encoder.pt"  # tests/data/seed-mobile names
            plain_path = Path(tmp) / f"{role}.pt"
            start = time.perf_counter()
            convert_mobile_torchscript(src, plain_path)
            convert_s = time.perf_counter() - start
            converted = torch.jit.load(str(plain_path))
            scripted = torch.jit.script(eager[role])
            frozen = torch.jit.freeze(torch.jit.script(eager[role]))
            with torch.no_grad():
                diff = (converted(x[role]) - eager[role](x[role])).abs().max().item()
            t_conv, t_plain, t_frozen = _time_interleaved([converted, scripted, frozen], x[role], repeats)
            print(
                f"| {role} | {src.stat().st_size / 1e6:.1f} | {convert_s:.2f} | {diff:.1e} | {t_conv * 1e3:.1f} "
                f"| {t_plain * 1e3:.1f} | {t_frozen * 1e3:.1f} | {t_conv / t_plain:.2f} |"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["make", "run"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--batch-image", type=int, default=8)
    parser.add_argument("--batch-text", type=int, default=32)
    args = parser.parse_args(argv)
    if args.action == "make":
        make(args.folder, args.size)
    else:
        run(args.folder, args.size, args.repeats, args.batch_image, args.batch_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
