"""SigLIP/SigLIP2 image tower: timm's ViT without class token, with an attention-pooling (MAP) head.

Parameter names are timm's (``patch_embed.proj``, ``pos_embed``, ``blocks.N.{norm1,attn.qkv,
attn.proj,norm2,mlp.fc1,mlp.fc2}``, ``norm``, ``attn_pool.{latent,q,kv,proj,norm,mlp}``), the
names open_clip stores under ``visual.trunk.``. The head: one learned latent query attends over
all patch tokens (multi-head), its output is projected, then ``x + mlp(norm(x))``. The pooled
vector is the embedding (SigLIP's image tower has no extra projection: ``timm_proj: none``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


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


class _Mlp(nn.Module):
    def __init__(self, width: int, hidden: int, gelu: str) -> None:
        super().__init__()
        self.gelu = gelu
        self.fc1 = nn.Linear(width, hidden)
        self.fc2 = nn.Linear(hidden, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(x), approximate=self.gelu))


class _Attention(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        qkv = self.qkv(x).reshape(batch, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return self.proj(out.transpose(1, 2).reshape(batch, length, width))


class _LayerScale(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class _Block(nn.Module):
    def __init__(self, cfg: SigLIPVisionConfig) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.width, eps=cfg.eps)
        self.attn = _Attention(cfg.width, cfg.heads)
        self.ls1: nn.Module = _LayerScale(cfg.width) if cfg.layer_scale else nn.Identity()
        self.norm2 = nn.LayerNorm(cfg.width, eps=cfg.eps)
        self.mlp = _Mlp(cfg.width, cfg.mlp_hidden, cfg.gelu)
        self.ls2: nn.Module = _LayerScale(cfg.width) if cfg.layer_scale else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.ls1(self.attn(self.norm1(x)))
        return x + self.ls2(self.mlp(self.norm2(x)))


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
        self.mlp = _Mlp(cfg.width, cfg.pool_mlp_hidden, cfg.gelu)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        head_dim = width // self.heads
        q = self.q(self.latent.expand(batch, -1, -1)).reshape(batch, 1, self.heads, head_dim).transpose(1, 2)
        kv = self.kv(x).reshape(batch, length, 2, self.heads, head_dim).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, kv[0], kv[1])
        out = self.proj(out.transpose(1, 2).reshape(batch, 1, width))
        out = out + self.mlp(self.norm(out))
        return out[:, 0]


class _PatchEmbed(nn.Module):
    def __init__(self, cfg: SigLIPVisionConfig) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, cfg.width, kernel_size=cfg.patch_size, stride=cfg.patch_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x).flatten(2).transpose(1, 2)


class SigLIPVisionTower(nn.Module):
    """``float32 [B, 3, S, S]`` → unnormalized ``[B, width]`` (the pooled MAP output)."""

    def __init__(self, cfg: SigLIPVisionConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.patch_embed = _PatchEmbed(cfg)
        self.pos_embed = nn.Parameter(torch.zeros(1, cfg.grid * cfg.grid, cfg.width))
        self.blocks = nn.Sequential(*[_Block(cfg) for _ in range(cfg.layers)])
        self.norm = nn.LayerNorm(cfg.width, eps=cfg.eps)
        self.attn_pool = AttentionPool(cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x) + self.pos_embed
        return self.attn_pool(self.norm(self.blocks(x)))
