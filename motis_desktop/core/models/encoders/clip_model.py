"""Our own CLIP (ViT image tower + causal text transformer) in ``torch.nn``.

Parameter names follow OpenAI's CLIP (and open_clip's, which are the same for
ViT models), so their state dicts load as they are. The configuration is
inferred from a state dict's shapes (``CLIPConfig.from_state_dict``). Every
module is TorchScript-scriptable so a loaded model exports to the seed's
format (a pair of scripted towers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class CLIPConfig:
    """Architecture numbers of a ViT CLIP model."""

    embed_dim: int
    image_resolution: int
    vision_layers: int
    vision_width: int
    vision_patch_size: int
    context_length: int
    vocab_size: int
    text_width: int
    text_heads: int
    text_layers: int

    @classmethod
    def tiny(cls, **overrides: int) -> CLIPConfig:
        """A tiny random-weights CLIP for self-tests, tests and benchmarks (CLIP's vocabulary and context)."""
        numbers = dict(
            embed_dim=32,
            image_resolution=64,
            vision_layers=2,
            vision_width=64,
            vision_patch_size=16,
            context_length=77,
            vocab_size=49408,
            text_width=64,
            text_heads=1,
            text_layers=2,
        )
        return cls(**{**numbers, **overrides})

    @classmethod
    def vit_b32(cls, **overrides: int) -> CLIPConfig:
        """OpenAI's ViT-B/32 shape (random weights in benchmarks; real ones come from a checkpoint)."""
        numbers = dict(
            embed_dim=512,
            image_resolution=224,
            vision_layers=12,
            vision_width=768,
            vision_patch_size=32,
            context_length=77,
            vocab_size=49408,
            text_width=512,
            text_heads=8,
            text_layers=12,
        )
        return cls(**{**numbers, **overrides})

    @property
    def vision_heads(self) -> int:
        return max(self.vision_width // 64, 1)

    @classmethod
    def from_state_dict(cls, sd: dict[str, torch.Tensor]) -> CLIPConfig:
        """Infer the configuration from tensor shapes, as OpenAI's ``build_model`` does."""
        if "visual.proj" not in sd or "visual.conv1.weight" not in sd:
            raise KeyError("not a ViT CLIP state dict (no visual.conv1.weight / visual.proj)")
        vision_width = sd["visual.conv1.weight"].shape[0]
        vision_layers = _count_layers(sd, "visual.transformer.resblocks.")
        patch = sd["visual.conv1.weight"].shape[-1]
        grid = round((sd["visual.positional_embedding"].shape[0] - 1) ** 0.5)
        text_width = sd["ln_final.weight"].shape[0]
        return cls(
            embed_dim=sd["text_projection"].shape[1],
            image_resolution=patch * grid,
            vision_layers=vision_layers,
            vision_width=vision_width,
            vision_patch_size=patch,
            context_length=sd["positional_embedding"].shape[0],
            vocab_size=sd["token_embedding.weight"].shape[0],
            text_width=text_width,
            text_heads=max(text_width // 64, 1),
            text_layers=_count_layers(sd, "transformer.resblocks."),
        )


def _count_layers(sd: dict[str, torch.Tensor], prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.")
    indices = {int(m.group(1)) for key in sd if (m := pattern.match(key))}
    return len(indices)


class LayerNorm(nn.LayerNorm):
    """LayerNorm computed in float32 (OpenAI's trick for fp16 weights)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.layer_norm(x.float(), self.normalized_shape, self.weight, self.bias, self.eps)
        return out.type(x.dtype)


class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    """Multi-head self-attention with ``nn.MultiheadAttention``'s parameter names."""

    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.in_proj_weight = nn.Parameter(torch.empty(3 * width, width))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * width))
        self.out_proj = nn.Linear(width, width)
        nn.init.xavier_uniform_(self.in_proj_weight)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, length, width = x.shape
        qkv = F.linear(x, self.in_proj_weight, self.in_proj_bias)
        qkv = qkv.reshape(batch, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=mask)
        return self.out_proj(out.transpose(1, 2).reshape(batch, length, width))


class Mlp(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.c_fc = nn.Linear(width, width * 4)
        self.gelu = QuickGELU()
        self.c_proj = nn.Linear(width * 4, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(self.gelu(self.c_fc(x)))


class ResidualBlock(nn.Module):
    def __init__(self, width: int, heads: int) -> None:
        super().__init__()
        self.ln_1 = LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln_2 = LayerNorm(width)
        self.mlp = Mlp(width)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), mask)
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, width: int, layers: int, heads: int) -> None:
        super().__init__()
        self.resblocks = nn.ModuleList([ResidualBlock(width, heads) for _ in range(layers)])

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        for block in self.resblocks:
            x = block(x, mask)
        return x


class VisionTransformer(nn.Module):
    """Image tower: ``float32 [B, 3, R, R]`` → unnormalized ``[B, embed_dim]``."""

    def __init__(self, config: CLIPConfig) -> None:
        super().__init__()
        width, patch = config.vision_width, config.vision_patch_size
        grid = config.image_resolution // patch
        scale = width**-0.5
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch, stride=patch, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(scale * torch.randn(grid * grid + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, config.vision_layers, config.vision_heads)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, config.embed_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x.to(self.conv1.weight.dtype))
        x = x.flatten(2).transpose(1, 2)  # [B, grid*grid, width]
        cls = self.class_embedding.to(x.dtype).expand(x.shape[0], 1, x.shape[-1])
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.transformer(self.ln_pre(x))
        return self.ln_post(x[:, 0, :]) @ self.proj


class TextTransformer(nn.Module):
    """Text tower: token ids ``int64 [B, context]`` → unnormalized ``[B, embed_dim]``."""

    def __init__(self, config: CLIPConfig) -> None:
        super().__init__()
        self.token_embedding = nn.Embedding(config.vocab_size, config.text_width)
        self.positional_embedding = nn.Parameter(torch.randn(config.context_length, config.text_width) * 0.01)
        self.transformer = Transformer(config.text_width, config.text_layers, config.text_heads)
        self.ln_final = LayerNorm(config.text_width)
        self.text_projection = nn.Parameter(torch.randn(config.text_width, config.embed_dim) * config.text_width**-0.5)
        mask = torch.full((config.context_length, config.context_length), float("-inf")).triu_(1)
        self.register_buffer("attn_mask", mask, persistent=False)

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        length = text.shape[1]
        x = self.token_embedding(text) + self.positional_embedding[:length]
        x = self.transformer(x, self.attn_mask[:length, :length].to(x.dtype))
        x = self.ln_final(x)
        # Features at the end-of-text token (the highest id in each row).
        eot = x[torch.arange(x.shape[0]), text.argmax(dim=-1)]
        return eot @ self.text_projection


class CLIP(nn.Module):
    """Both towers plus ``logit_scale``; ``state_dict()`` keys match OpenAI's."""

    def __init__(self, config: CLIPConfig) -> None:
        super().__init__()
        self.config = config
        self.visual = VisionTransformer(config)
        _share_text_parameters(TextTransformer(config), self)  # OpenAI keeps them at the top level
        self.logit_scale = nn.Parameter(torch.tensor(4.6052))

    def text_tower(self) -> TextTransformer:
        """A TextTransformer sharing this model's text parameters."""
        tower = TextTransformer.__new__(TextTransformer)
        nn.Module.__init__(tower)
        _share_text_parameters(self, tower)
        return tower

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        return self.visual(images)

    def encode_text(self, text: torch.Tensor) -> torch.Tensor:
        return self.text_tower()(text)


_TEXT_PARAMETERS = ("token_embedding", "positional_embedding", "transformer", "ln_final", "text_projection")


def _share_text_parameters(src: nn.Module, dst: nn.Module) -> None:
    """Make ``dst`` use ``src``'s text-tower modules and parameters (no copies)."""
    for name in _TEXT_PARAMETERS:
        setattr(dst, name, getattr(src, name))
    mask = src.get_buffer("attn_mask")
    dst.register_buffer("attn_mask", mask, persistent=False)
