"""A tiny TorchScript pair with known answers: colours.

The image tower softly assigns an image's mean RGB to the nearest colours of a palette (one embedding axis per
colour); in the text tower each colour word votes for its axis, so ``cos(text("red"), image)`` is highest for
red images. 512-d like the seed files; a small constant axis keeps every vector non-zero. In the package (not
only a tool) because ``motis --self-test`` builds it: a bundle checks itself without a network or a model.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from motis_desktop.core.images.preprocess import CLIP_MEAN, CLIP_STD
from motis_desktop.core.models.manifest import PAIR_FILES
from motis_desktop.core.models.tokenizer import default_tokenizer

EMBED_DIM = 512
PALETTE: dict[str, tuple[float, float, float]] = {
    "red": (0.9, 0.1, 0.1),
    "green": (0.1, 0.75, 0.1),
    "blue": (0.1, 0.15, 0.9),
    "yellow": (0.95, 0.9, 0.1),
    "orange": (1.0, 0.55, 0.05),
    "purple": (0.55, 0.1, 0.7),
    "pink": (1.0, 0.6, 0.75),
    "cyan": (0.1, 0.85, 0.9),
    "white": (0.97, 0.97, 0.97),
    "black": (0.03, 0.03, 0.03),
    "gray": (0.5, 0.5, 0.5),
    "brown": (0.45, 0.27, 0.1),
}
BIAS_AXIS = EMBED_DIM - 1
BIAS = 1e-3
TEMPERATURE = 0.02  # squared-distance scale of the soft assignment


class ColourImageTower(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("palette", torch.tensor(list(PALETTE.values())))
        self.register_buffer("mean", torch.tensor(CLIP_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CLIP_STD).view(1, 3, 1, 1))
        self.temperature = TEMPERATURE
        self.embed_dim = EMBED_DIM
        self.bias_axis = BIAS_AXIS
        self.bias = BIAS

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        rgb = (images * self.std + self.mean).mean(dim=(2, 3))  # [B, 3] in 0..1
        dist = ((rgb[:, None, :] - self.palette[None, :, :]) ** 2).sum(-1)
        weights = torch.softmax(-dist / self.temperature, dim=-1)
        # No in-place writes, so the tower exports to ONNX as it is: palette axes, zeros, the bias axis.
        rest = self.embed_dim - weights.shape[1] - 1
        zeros = torch.zeros_like(weights[:, :1]).expand(-1, rest)
        bias = torch.full_like(weights[:, :1], self.bias)
        return torch.cat([weights, zeros, bias], dim=1)


class ColourTextTower(nn.Module):
    def __init__(self, token_axis: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("token_axis", token_axis)  # [vocab] → axis or -1
        self.embed_dim = EMBED_DIM
        self.bias_axis = BIAS_AXIS
        self.bias = BIAS

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        axes = self.token_axis[text]  # [B, L]
        hits = torch.where(axes >= 0, axes, torch.full_like(axes, self.embed_dim))
        counts = F.one_hot(hits, self.embed_dim + 1).sum(dim=1).float()  # votes per axis; the last: no colour
        bias = torch.full_like(counts[:, :1], self.bias)
        return torch.cat([counts[:, : self.bias_axis], bias], dim=1)


def colour_token_axes() -> torch.Tensor:
    """Map each colour word's (single) CLIP token id to its palette axis."""
    tok = default_tokenizer()
    table = torch.full((49408,), -1, dtype=torch.long)
    for axis, word in enumerate(PALETTE):
        for variant in (word, word + "s"):
            ids = tok.encode(variant)
            if len(ids) == 1:
                table[ids[0]] = axis
    return table


def build_colour_pair(out_dir: str | Path) -> tuple[Path, Path]:
    """Script both towers and save them in ``out_dir``; return (image, text) paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    image_path, text_path = out / PAIR_FILES["image"], out / PAIR_FILES["text"]
    torch.jit.script(ColourImageTower().eval()).save(str(image_path))
    torch.jit.script(ColourTextTower(colour_token_axes()).eval()).save(str(text_path))
    return image_path, text_path
