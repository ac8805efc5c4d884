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
from torch import nn

from motis_desktop.core.models.architectures.transformer import Transformer


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


class TextTower(nn.Module):
    """Token ids ``int64 [B, L]`` (L ≤ context) → unnormalized ``[B, embed_dim]``."""

    def __init__(self, cfg: TextConfig) -> None:
        super().__init__()
        self.causal, self.pool = cfg.causal, cfg.pool  # plain attributes: the tower is TorchScript-scriptable
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.width)
        self.positional_embedding = nn.Parameter(torch.randn(cfg.context_length, cfg.width) * 0.01)
        self.transformer = Transformer(
            cfg.width, cfg.layers, cfg.heads, cfg.mlp_hidden, cfg.gelu, cfg.eps, cfg.layer_scale
        )
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
        mask = self.attn_mask[:length, :length] if self.causal else None
        x = self.ln_final(self.transformer(x, mask))
        if self.pool == "last":
            pooled = x[:, -1]
        elif self.pool == "first":
            pooled = x[:, 0]
        else:
            pooled = x[torch.arange(x.shape[0]), text.argmax(dim=-1)]
        if isinstance(self.text_projection, torch.Tensor):
            return pooled @ self.text_projection
        return self.text_projection(pooled)
