"""SigLIP/SigLIP2 image tower: timm's ViT without class token, with an attention-pooling (MAP) head.

Parameter names are timm's (``patch_embed.proj``, ``pos_embed``, ``blocks.N``, ``norm``,
``attn_pool.{latent,q,kv,proj,norm,mlp}``: open_clip stores them under ``visual.trunk.``), except inside
the blocks and MLPs, which are the shared :mod:`.transformer`'s (:func:`~.transformer.rename_timm`).
The head: one learned latent query attends over all patch tokens (multi-head), its output is projected,
then ``x + mlp(norm(x))``. The pooled vector is the embedding (SigLIP's image tower has no extra
projection: ``timm_proj: none``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from motis_desktop.core.models.architectures.transformer import Block, mlp


@dataclass(frozen=True)
class SigLIPVisionConfig:
    image_size: int = 256
    patch_size: int = 16
    width: int = 768
    layers: int = 12
    heads: int = 12
    mlp_hidden: int = 3072
    pool_mlp_hidden: int = 3072
    eps: float = 1e-6
    layer_scale: bool = False
    gelu: str = "tanh"  # timm's SigLIP ViTs use act_layer="gelu_tanh" (blocks and pooling head)

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size


class AttentionPool(nn.Module):
    """Multi-head attention pooling with one learned latent query (MAP), timm's names."""

    def __init__(self, cfg: SigLIPVisionConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.latent = nn.Parameter(torch.zeros(1, 1, cfg.width))
        self.q = nn.Linear(cfg.width, cfg.width)
        self.kv = nn.Linear(cfg.width, 2 * cfg.width)
        self.proj = nn.Linear(cfg.width, cfg.width)
        self.norm = nn.LayerNorm(cfg.width, eps=cfg.eps)
        self.mlp = mlp(cfg.width, cfg.pool_mlp_hidden, cfg.gelu)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        head_dim = width // self.heads
        q = self.q(self.latent.expand(batch, -1, -1)).reshape(batch, 1, self.heads, head_dim).transpose(1, 2)
        kv = self.kv(x).reshape(batch, length, 2, self.heads, head_dim).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, kv[0], kv[1])
        out = self.proj(out.transpose(1, 2).reshape(batch, 1, width))
        out = out + self.mlp(self.norm(out))
        return out[:, 0]


class SigLIPVisionTower(nn.Module):
    """``float32 [B, 3, S, S]`` → unnormalized ``[B, width]`` (the pooled MAP output)."""

    def __init__(self, cfg: SigLIPVisionConfig) -> None:
        super().__init__()
        patches = nn.Conv2d(3, cfg.width, kernel_size=cfg.patch_size, stride=cfg.patch_size)
        self.patch_embed = nn.ModuleDict({"proj": patches})  # timm's PatchEmbed: its weights' names
        self.pos_embed = nn.Parameter(torch.zeros(1, cfg.grid * cfg.grid, cfg.width))
        self.blocks = nn.ModuleList(
            [Block(cfg.width, cfg.heads, cfg.mlp_hidden, cfg.gelu, cfg.eps, cfg.layer_scale) for _ in range(cfg.layers)]
        )
        self.norm = nn.LayerNorm(cfg.width, eps=cfg.eps)
        self.attn_pool = AttentionPool(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed["proj"](x).flatten(2).transpose(1, 2) + self.pos_embed
        for block in self.blocks:
            x = block(x, None)
        return self.attn_pool(self.norm(x))
