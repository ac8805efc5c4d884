"""open_clip's ``TextTransformer`` (parameter names as open_clip writes them under ``text.``).

One module covers the text towers of the open_clip family:

- CLIP: causal mask, pooled at the end-of-text token (``argmax``: the highest id), projection
  without bias;
- SigLIP/SigLIP2: no causal mask, pooled at the last position (``last``), projection with bias,
  tanh-approximated GELU, LayerNorm eps 1e-6, Gemma/SentencePiece token ids padded to 64;
- MobileCLIP/MobileCLIP2: no causal mask, ``argmax`` pooling, CLIP's tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class TextConfig:
    context_length: int = 77
    vocab_size: int = 49408
    width: int = 512
    heads: int = 8
    layers: int = 12
    mlp_hidden: int = 2048
    embed_dim: int = 512
    causal: bool = True
    pool: str = "argmax"  # "argmax" (CLIP's end token has the highest id), "last" or "first"
    proj_bias: bool = False
    gelu: str = "none"  # torch's ``approximate``: "none" (exact) or "tanh"; "quick" for OpenAI's QuickGELU
    eps: float = 1e-5
    layer_scale: bool = False


class _Attention(nn.Module):
    """``nn.MultiheadAttention``'s parameter names, computed with scaled_dot_product_attention."""

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


class _GELU(nn.Module):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "quick":
            return x * torch.sigmoid(1.702 * x)
        return F.gelu(x, approximate=self.kind)


class _LayerScale(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma


class _Block(nn.Module):
    def __init__(self, cfg: TextConfig) -> None:
        super().__init__()
        w = cfg.width
        self.ln_1 = nn.LayerNorm(w, eps=cfg.eps)
        self.attn = _Attention(w, cfg.heads)
        self.ls_1: nn.Module = _LayerScale(w) if cfg.layer_scale else nn.Identity()
        self.ln_2 = nn.LayerNorm(w, eps=cfg.eps)
        self.mlp = nn.Sequential()
        self.mlp.add_module("c_fc", nn.Linear(w, cfg.mlp_hidden))
        self.mlp.add_module("gelu", _GELU(cfg.gelu))
        self.mlp.add_module("c_proj", nn.Linear(cfg.mlp_hidden, w))
        self.ls_2: nn.Module = _LayerScale(w) if cfg.layer_scale else nn.Identity()

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        x = x + self.ls_1(self.attn(self.ln_1(x), mask))
        return x + self.ls_2(self.mlp(self.ln_2(x)))


class _Transformer(nn.Module):
    def __init__(self, cfg: TextConfig) -> None:
        super().__init__()
        self.resblocks = nn.ModuleList([_Block(cfg) for _ in range(cfg.layers)])

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, mask)
        return x


class TextTower(nn.Module):
    """Token ids ``int64 [B, L]`` (L ≤ context) → unnormalized ``[B, embed_dim]``."""

    def __init__(self, cfg: TextConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.width)
        self.positional_embedding = nn.Parameter(torch.randn(cfg.context_length, cfg.width) * 0.01)
        self.transformer = _Transformer(cfg)
        self.ln_final = nn.LayerNorm(cfg.width, eps=cfg.eps)
        self.text_projection: nn.Module | nn.Parameter
        if cfg.proj_bias:
            self.text_projection = nn.Linear(cfg.width, cfg.embed_dim)
        else:
            # random like open_clip's init (loaded weights replace it; random-weight benchmarks need a real one)
            self.text_projection = nn.Parameter(torch.randn(cfg.width, cfg.embed_dim) * cfg.width**-0.5)
        self.attn_mask: torch.Tensor
        mask = torch.full((cfg.context_length, cfg.context_length), float("-inf")).triu_(1)
        self.register_buffer("attn_mask", mask, persistent=False)

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        length = text.shape[1]
        x = self.token_embedding(text) + self.positional_embedding[:length]
        mask = self.attn_mask[:length, :length].to(x.dtype) if self.cfg.causal else None
        x = self.ln_final(self.transformer(x, mask))
        if self.cfg.pool == "last":
            pooled = x[:, -1]
        elif self.cfg.pool == "first":
            pooled = x[:, 0]
        else:
            pooled = x[torch.arange(x.shape[0]), text.argmax(dim=-1)]
        if isinstance(self.text_projection, nn.Linear):
            return self.text_projection(pooled)
        return pooled @ self.text_projection
