"""Our own CLIP (ViT image tower + causal text tower) on the shared :mod:`.transformer` blocks. Parameter names
are OpenAI's (and open_clip's for ViT models), so their state dicts load as they are; every module is
TorchScript-scriptable, so a loaded model exports to the seed's format (a pair of scripted towers).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from motis_desktop.core.models.architectures.text import TextConfig, TextTower
from motis_desktop.core.models.architectures.transformer import Transformer, count_layers


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
        return replace(cls(32, 64, 2, 64, 16, 77, 49408, 64, 1, 2), **overrides)

    @classmethod
    def vit_b32(cls, **overrides: int) -> CLIPConfig:
        """OpenAI's ViT-B/32 shape (random weights in benchmarks; real ones come from a checkpoint)."""
        return replace(cls(512, 224, 12, 768, 32, 77, 49408, 512, 8, 12), **overrides)

    @property
    def vision_heads(self) -> int:
        return max(self.vision_width // 64, 1)

    def text_config(self) -> TextConfig:
        """The text tower: causal, pooled at the end-of-text token, QuickGELU, no projection bias."""
        width = self.text_width
        layers, heads, context, vocab = self.text_layers, self.text_heads, self.context_length, self.vocab_size
        return TextConfig(context, vocab, width, heads, layers, width * 4, self.embed_dim, gelu="quick")

    @classmethod
    def from_state_dict(cls, sd: dict[str, torch.Tensor]) -> CLIPConfig:
        """Infer the configuration from tensor shapes, as OpenAI's ``build_model`` does."""
        if "visual.proj" not in sd or "visual.conv1.weight" not in sd:
            raise KeyError("not a ViT CLIP state dict (no visual.conv1.weight / visual.proj)")
        vision_width = sd["visual.conv1.weight"].shape[0]
        vision_layers = count_layers(sd, "visual.transformer.resblocks.")
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
            text_layers=count_layers(sd, "transformer.resblocks."),
        )


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
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = Transformer(width, config.vision_layers, config.vision_heads, width * 4, "quick")
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, config.embed_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        x = x.flatten(2).transpose(1, 2)  # [B, grid*grid, width]
        cls = self.class_embedding.expand(x.shape[0], 1, x.shape[-1])
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.transformer(self.ln_pre(x), None)
        return self.ln_post(x[:, 0, :]) @ self.proj


_TEXT_PARAMETERS = ("token_embedding", "positional_embedding", "transformer", "ln_final", "text_projection")


class CLIP(nn.Module):
    """Both towers plus ``logit_scale``; ``state_dict()`` keys match OpenAI's (text parameters at the top level)."""

    def __init__(self, config: CLIPConfig) -> None:
        super().__init__()
        self.config = config
        self.visual = VisionTransformer(config)
        text = TextTower(config.text_config())
        for name in _TEXT_PARAMETERS:  # shared, not copied: loading this model's weights loads the tower's
            setattr(self, name, getattr(text, name))
        self.register_buffer("attn_mask", text.attn_mask, persistent=False)
        self.__dict__["_text"] = text  # not a submodule: its parameters are registered above, OpenAI's way
        self.logit_scale = nn.Parameter(torch.tensor(4.6052))

    def text_tower(self) -> TextTower:
        """The text tower (its parameters are this model's), in this model's train/eval mode."""
        tower: TextTower = self.__dict__["_text"]
        return tower.train(self.training)
