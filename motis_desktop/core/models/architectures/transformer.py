"""The transformer block every ViT/text tower here shares (OpenAI CLIP's parameter names).

``ln_1``, ``attn.{in_proj_weight,in_proj_bias,out_proj}`` (``nn.MultiheadAttention``'s names, computed
with ``scaled_dot_product_attention``), ``ls_1``, ``ln_2``, ``mlp.{c_fc,c_proj}``, ``ls_2``: CLIP's image and
text towers, open_clip's text towers (SigLIP, MobileCLIP) and timm's SigLIP ViT, whose names
:func:`rename_timm` maps onto these. TorchScript-scriptable (a checkpoint's CLIP exports as a scripted pair).
"""

from __future__ import annotations

import re

import torch
import torch.nn.functional as F
from torch import nn

# timm's ViT block names → ours (the same tensors: qkv is in_proj, proj is out_proj, fc1/fc2 are c_fc/c_proj)
_TIMM_NAMES = (
    (".norm1.", ".ln_1."),
    (".norm2.", ".ln_2."),
    (".attn.qkv.weight", ".attn.in_proj_weight"),
    (".attn.qkv.bias", ".attn.in_proj_bias"),
    (".attn.proj.", ".attn.out_proj."),
    (".mlp.fc1.", ".mlp.c_fc."),
    (".mlp.fc2.", ".mlp.c_proj."),
    (".ls1.", ".ls_1."),
    (".ls2.", ".ls_2."),
)


def rename_timm(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A timm ViT state dict with its block names as this module's."""
    out = {}
    for key, value in sd.items():
        for old, new in _TIMM_NAMES:
            key = key.replace(old, new)
        out[key] = value
    return out


def count_layers(sd: dict[str, torch.Tensor], prefix: str) -> int:
    """How many numbered blocks ``prefix + "N."`` a state dict holds."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    return len({int(m.group(1)) for key in sd if (m := pattern.match(key))})


class GELU(nn.Module):
    """``kind``: torch's ``approximate`` ("none": exact, "tanh"), or "quick" (OpenAI's ``x·σ(1.702x)``)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "quick":
            return x * torch.sigmoid(1.702 * x)
        return F.gelu(x, approximate=self.kind)


def mlp(width: int, hidden: int, gelu: str) -> nn.Sequential:
    """``c_fc`` → GELU → ``c_proj``."""
    layers = nn.Sequential()
    layers.add_module("c_fc", nn.Linear(width, hidden))
    layers.add_module("gelu", GELU(gelu))
    layers.add_module("c_proj", nn.Linear(hidden, width))
    return layers


class Attention(nn.Module):
    """Multi-head self-attention with ``nn.MultiheadAttention``'s parameter names."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        batch, length, width = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        qkv = qkv.reshape(batch, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
        return self.out_proj(out.transpose(1, 2).reshape(batch, length, width))


class LayerScale(nn.Module):
    """A learned scale per channel, ``gamma`` ``[width, *trailing]`` (FastViT's ``[C, 1, 1]`` scales feature maps)."""

    def __init__(self, width: int, *trailing: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(width, *trailing))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class Block(nn.Module):
    """Pre-norm residual block: ``x + ls_1(attn(ln_1(x)))``, then ``x + ls_2(mlp(ln_2(x)))``."""

    def __init__(
        self, width: int, heads: int, mlp_hidden: int, gelu: str, eps: float = 1e-5, layer_scale: bool = False
    ) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(width, eps=eps)
        self.attn = Attention(width, heads)
        self.ls_1: nn.Module = LayerScale(width) if layer_scale else nn.Identity()
        self.ln_2 = nn.LayerNorm(width, eps=eps)
        self.mlp = mlp(width, mlp_hidden, gelu)
        self.ls_2: nn.Module = LayerScale(width) if layer_scale else nn.Identity()

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        x = x + self.ls_1(self.attn(self.ln_1(x), mask))
        return x + self.ls_2(self.mlp(self.ln_2(x)))


class Transformer(nn.Module):
    """``layers`` blocks (``resblocks.N``), each given the same attention mask."""

    def __init__(
        self, width: int, layers: int, heads: int, mlp_hidden: int, gelu: str, eps: float = 1e-5, ls: bool = False
    ) -> None:
        super().__init__()
        self.resblocks = nn.ModuleList([Block(width, heads, mlp_hidden, gelu, eps, ls) for _ in range(layers)])

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, mask)
        return x
