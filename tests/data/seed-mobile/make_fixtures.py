"""Regenerate the seed-format fixtures of this folder that are not copied from the shared set.

Run under a torch with XNNPACK (torch 2.1.0 from PyPI in a throwaway venv, with its CUDA runtime
packages): ``python make_fixtures.py OUT_DIR``. Writes

- ``colour_image_encoder.pt`` / ``colour_text_encoder.pt``: the known-answer colour pair. The shared set's
  version writes its outputs with in-place slice assignment, which ``optimize_for_mobile`` (torch 2.1)
  drops as dead code, so those files give the same vector for every input. This one builds its output
  with ``torch.cat`` and checks the optimized module against the eager one.
- ``ops_encoder.pt`` + ``ops_reference.pt``: every XNNPACK rewrite the converter must undo: conv2d with
  stride/padding/dilation/groups and a fused ReLU and Hardtanh (clamps), conv_transpose2d, linear with a
  fused ReLU6, and a linear whose weight is computed at run time (``linear_clamp_prepack`` in the code).

``tiny_*`` files are the shared set's, copied unchanged.
"""

import sys
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.mobile_optimizer import optimize_for_mobile

assert torch._C._is_xnnpack_enabled(), "needs a torch build with XNNPACK"
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)

MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)
PALETTE = {
    "red": (220, 30, 30),
    "green": (30, 180, 40),
    "blue": (30, 60, 220),
    "yellow": (235, 220, 30),
    "purple": (130, 40, 170),
    "orange": (245, 140, 20),
    "black": (15, 15, 15),
    "white": (240, 240, 240),
}
WORD = {
    "red": 736,
    "green": 1901,
    "blue": 1746,
    "yellow": 4481,
    "purple": 5496,
    "orange": 4287,
    "black": 1449,
    "white": 1579,
}
NAMES = list(PALETTE)
K, SLOTS, DIM = len(NAMES), 16, 512  # outputs: K colour slots, 7 zeros (literal below), one 0.05


def head() -> nn.Linear:
    """[B, 16] -> [B, 512]: slot i goes to output i (an identity on the first 16 outputs)."""
    lin = nn.Linear(SLOTS, DIM)
    with torch.no_grad():
        lin.weight.zero_()
        lin.weight[:SLOTS, :SLOTS] = torch.eye(SLOTS)
        lin.bias.zero_()
    return lin


class ColourImage(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))
        self.register_buffer("protos", torch.tensor([PALETTE[n] for n in NAMES], dtype=torch.float32) / 255.0)
        self.patch = nn.Conv2d(3, 3, 1)
        self.clip = nn.Hardtanh(-8.0, 8.0)  # fused into the conv as a clamp
        self.head = head()
        with torch.no_grad():
            self.patch.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
            self.patch.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.clip(self.patch(x))
        rgb = (x * self.std + self.mean).mean(dim=(2, 3))
        w = torch.softmax(-torch.cdist(rgb, self.protos) * 40.0, dim=1)
        b = x.shape[0]
        o = torch.cat([w, torch.zeros(b, 7), torch.full((b, 1), 0.05)], dim=1)
        return self.head(o)


class ColourText(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("words", torch.tensor([WORD[n] for n in NAMES]))
        self.proj = head()

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        hits = (ids.unsqueeze(-1) == self.words).sum(dim=1).float()
        b = ids.shape[0]
        o = torch.cat([hits, torch.zeros(b, 7), torch.full((b, 1), 0.05)], dim=1)
        return self.proj(o)


class Ops(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.c2 = nn.Conv2d(8, 8, 5, padding=4, dilation=2, groups=2)
        self.t1 = nn.ConvTranspose2d(8, 4, 5, stride=2, padding=2, output_padding=1)
        self.fc = nn.Linear(4 * 16 * 16, 32)
        self.w = nn.Parameter(torch.randn(16, 32) * 0.2)
        self.b = nn.Parameter(torch.randn(16) * 0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.c1(x))
        x = F.hardtanh(self.c2(x), -0.5, 0.5)
        x = self.t1(x).flatten(1)
        h = F.relu6(self.fc(x))
        w = self.w * x.mean()  # computed at run time: stays a linear_clamp_prepack in the code
        return F.relu(F.linear(h, w, self.b))


def save(model: nn.Module, path: Path, example: torch.Tensor) -> torch.jit.ScriptModule:
    model = model.eval()
    scripted = optimize_for_mobile(torch.jit.script(model))
    assert "prepacked" in str(scripted.graph), "no prepacked ops"
    with torch.no_grad():
        got, want = scripted(example), model(example)
    assert torch.allclose(got, want, atol=1e-5), f"{path.name}: optimized module differs from eager"
    scripted.save(str(path))
    return scripted


def palette_batch() -> torch.Tensor:
    rgb = torch.tensor([PALETTE[n] for n in NAMES], dtype=torch.float32).view(K, 3, 1, 1) / 255.0
    return (rgb.expand(K, 3, 224, 224) - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)


save(ColourImage(), out / "colour_image_encoder.pt", palette_batch())
ids = torch.zeros(K, 77, dtype=torch.long)
ids[:, 0], ids[:, 1], ids[:, 2] = 49406, torch.tensor([WORD[n] for n in NAMES]), 49407
save(ColourText(), out / "colour_text_encoder.pt", ids)

torch.manual_seed(0)
ops = Ops()
x = torch.randn(3, 3, 16, 16, generator=torch.Generator().manual_seed(2))
scripted = save(ops, out / "ops_encoder.pt", x)
print(scripted.code)
with torch.no_grad():
    torch.save({"input": x, "output": scripted(x)}, out / "ops_reference.pt")
print("torch", torch.__version__, "files:", sorted(p.name for p in out.iterdir()))
