"""Apple's FastViT/MCi image tower (MobileCLIP, MobileCLIP2 S0-S2) in its folded inference form.

Training checkpoints (what open_clip saves) split most convolutions into branches: MobileOne
blocks (k×k conv + BN branches, a 1×1 "scale" branch, a BN identity), large-kernel convs (7×7 +
3×3, each with BN), RepMixer (``x + γ·(mixer(x) − norm(x))``) and conditional positional
encodings (``x + dwconv(x)``). All of these are linear in ``x``, so :func:`fold_state_dict` adds
them into one convolution each (with bias) — the ``reparam_conv`` timm's ``reparameterize()``
makes — and folds the BN after each ConvMlp's depthwise conv too. :class:`FastViTTower` then runs
only plain convs, GELU, squeeze-excite, attention (head dim 32) and layer scales; its shape (stages,
widths, blocks, which stages attend, where squeeze-excite sits) is read from the folded weights.
Parameter names follow timm (``stem.N``, ``stages.N.{downsample,pos_emb,blocks.M}``,
``final_conv``, ``head.fc``), the names open_clip stores under ``visual.trunk.``.
LayerNorm-normed attention stages (MCi3/MCi4, MobileCLIP2-S3/S4/L) are not supported.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from motis_desktop.core.models.architectures.transformer import LayerScale, count_layers

BN_EPS = 1e-5
ATTENTION_HEAD_DIM = 32


class FoldError(ValueError):
    """The weights do not have a FastViT/MCi shape."""


def _bn(sd: dict[str, torch.Tensor], p: str) -> tuple[torch.Tensor, torch.Tensor]:
    scale = sd[p + "weight"] / torch.sqrt(sd[p + "running_var"] + BN_EPS)
    return scale, sd[p + "bias"] - sd[p + "running_mean"] * scale


def _conv_bn(sd: dict[str, torch.Tensor], p: str, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Conv (no bias) + BN at prefix ``p`` → one kernel padded to ``k`` × ``k`` and a bias."""
    w = sd[p + "conv.weight"]
    scale, shift = _bn(sd, p + "bn.")
    pad = (k - w.shape[-1]) // 2
    return F.pad(w * scale.reshape(-1, 1, 1, 1), [pad] * 4), shift


def _identity(channels: int, in_per_group: int, k: int) -> torch.Tensor:
    kernel = torch.zeros(channels, in_per_group, k, k)
    for i in range(channels):
        kernel[i, i % in_per_group, k // 2, k // 2] = 1.0
    return kernel


def _mobileone(sd: dict[str, torch.Tensor], p: str, k: int, in_per_group: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sum of a MobileOne block's branches (k×k convs, 1×1 scale conv, BN identity)."""
    kernel: torch.Tensor | float = 0.0
    bias: torch.Tensor | float = 0.0
    n = 0
    while p + f"conv_kxk.{n}.conv.weight" in sd:
        w, b = _conv_bn(sd, p + f"conv_kxk.{n}.", k)
        kernel, bias, n = kernel + w, bias + b, n + 1
    if p + "conv_scale.conv.weight" in sd:
        w, b = _conv_bn(sd, p + "conv_scale.", k)
        kernel, bias = kernel + w, bias + b
    if p + "identity.running_mean" in sd:
        scale, shift = _bn(sd, p + "identity.")
        ident = _identity(scale.shape[0], in_per_group, k) * scale.reshape(-1, 1, 1, 1)
        kernel, bias = kernel + ident, bias + shift
    if not isinstance(kernel, torch.Tensor) or not isinstance(bias, torch.Tensor):
        raise FoldError(f"{p.rstrip('.')}: a MobileOne block without branches")
    return kernel, bias


def fold_state_dict(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Training-form FastViT weights (timm names) → the folded weights :class:`FastViTTower` loads.

    Already-folded weights (``reparam_conv`` keys, from a reparameterized export) pass through.
    """
    sd = {k: v.float() for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    out: dict[str, torch.Tensor] = {}
    used: set[str] = set()
    for fold in (_fold_repmixers, _fold_large_kernels, _fold_pos_encodings, _fold_mlp_convs, _fold_mobileone):
        fold(sd, out, used)  # in this order: the MobileOne pass takes the blocks the others left
    for key, value in sd.items():
        if key not in used:
            out.setdefault(key, value)
    return out


_Fold = dict[str, torch.Tensor]


def _take(sd: _Fold, used: set[str], *prefixes: str) -> None:
    """Mark every weight under ``prefixes`` as folded."""
    used.update(k for k in sd if k.startswith(prefixes))


def _blocks(sd: _Fold, pattern: str) -> list[tuple[str, str]]:
    """``(key, prefix)`` of each weight whose name matches ``pattern``, the block's prefix being its group 1."""
    return [(key, m.group(1)) for key in sd if (m := re.match(pattern, key))]


def _fold_repmixers(sd: _Fold, out: _Fold, used: set[str]) -> None:
    """RepMixer: x + γ·(mixer(x) − norm(x)) → one depthwise conv."""
    for key, p in _blocks(sd, r"^(.*\.token_mixer\.)mixer\.conv_kxk\.0\.conv\.weight$"):
        k = sd[key].shape[-1]
        w_mix, b_mix = _mobileone(sd, p + "mixer.", k, 1)
        w_norm, b_norm = _mobileone(sd, p + "norm.", k, 1)
        gamma = sd.get(p + "layer_scale.gamma")
        if gamma is None:
            w, b = _identity(w_mix.shape[0], 1, k) + w_mix - w_norm, b_mix - b_norm
        else:
            w = _identity(w_mix.shape[0], 1, k) + gamma.reshape(-1, 1, 1, 1) * (w_mix - w_norm)
            b = gamma.reshape(-1) * (b_mix - b_norm)
        out[p + "reparam_conv.weight"], out[p + "reparam_conv.bias"] = w, b
        _take(sd, used, p + "mixer.", p + "norm.")
        used.add(p + "layer_scale.gamma")


def _fold_large_kernels(sd: _Fold, out: _Fold, used: set[str]) -> None:
    """Large-kernel conv (7×7 + 3×3, each with BN) → one conv."""
    for key, p in _blocks(sd, r"^(.*\.)large_conv\.conv\.weight$"):
        k = sd[key].shape[-1]
        w, b = _conv_bn(sd, p + "large_conv.", k)
        if p + "small_conv.conv.weight" in sd:
            ws, bs = _conv_bn(sd, p + "small_conv.", k)
            w, b = w + ws, b + bs
        out[p + "reparam_conv.weight"], out[p + "reparam_conv.bias"] = w, b
        _take(sd, used, p + "large_conv.", p + "small_conv.")


def _fold_pos_encodings(sd: _Fold, out: _Fold, used: set[str]) -> None:
    """Conditional positional encoding: x + dwconv(x) → one conv."""
    for key, p in _blocks(sd, r"^(.*\.)pos_enc\.weight$"):
        w = sd[key]
        out[p + "reparam_conv.weight"] = w + _identity(w.shape[0], w.shape[1], w.shape[-1])
        out[p + "reparam_conv.bias"] = sd[p + "pos_enc.bias"]
        _take(sd, used, p + "pos_enc.")


def _fold_mlp_convs(sd: _Fold, out: _Fold, used: set[str]) -> None:
    """ConvMlp's depthwise conv + BN → conv with bias."""
    for key, p in _blocks(sd, r"^(.*\.mlp\.conv\.)conv\.weight$"):
        w, b = _conv_bn(sd, p, sd[key].shape[-1])
        out[p + "weight"], out[p + "bias"] = w, b
        _take(sd, used, p + "conv.", p + "bn.")


def _fold_mobileone(sd: _Fold, out: _Fold, used: set[str]) -> None:
    """Remaining MobileOne blocks (stem, downsample 1×1, final conv)."""
    pattern = r"^(.*\.)(?:conv_kxk\.\d+\.conv\.weight|conv_scale\.conv\.weight|identity\.running_mean)$"
    for p in sorted({p for key, p in _blocks(sd, pattern) if key not in used}):
        ref = sd.get(p + "conv_kxk.0.conv.weight", sd.get(p + "conv_scale.conv.weight"))
        if ref is None:
            raise FoldError(f"{p.rstrip('.')}: an identity-only MobileOne block outside RepMixer")
        k = ref.shape[-1]
        out[p + "reparam_conv.weight"], out[p + "reparam_conv.bias"] = _mobileone(sd, p, k, ref.shape[1])
        _take(sd, used, p + "conv_kxk.", p + "conv_scale.", p + "identity.")


class _SE(nn.Module):
    """Squeeze-excite: ``x · sigmoid(fc2(relu(fc1(mean(x)))))``."""

    def __init__(self, channels: int, reduced: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, reduced, 1)
        self.fc2 = nn.Conv2d(reduced, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.fc2(F.relu(self.fc1(x.mean((2, 3), keepdim=True))))
        return x * torch.sigmoid(s)


class _FoldedConv(nn.Module):
    """The folded MobileOne / large-kernel block at ``p`` in ``sd``: conv → squeeze-excite where it has one → GELU."""

    def __init__(self, sd: dict[str, torch.Tensor], p: str, in_ch: int, stride: int) -> None:
        super().__init__()
        self.out_ch, per_group, k, _ = sd[p + "reparam_conv.weight"].shape
        self.reparam_conv = nn.Conv2d(in_ch, self.out_ch, k, stride, k // 2, groups=in_ch // per_group)
        se = sd.get(p + "se.fc1.weight")
        self.se: nn.Module = _SE(self.out_ch, se.shape[0]) if se is not None else nn.Identity()
        self.act = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.se(self.reparam_conv(x)))


class _ConvMlp(nn.Module):
    def __init__(self, dim: int, hidden: int, k: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(dim, dim, k, 1, k // 2, groups=dim)
        self.fc1 = nn.Conv2d(dim, hidden, 1)
        self.fc2 = nn.Conv2d(hidden, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(self.conv(x))))


class _DepthwiseConv(nn.Module):
    """A folded RepMixer or conditional positional encoding: one depthwise conv."""

    def __init__(self, dim: int, k: int) -> None:
        super().__init__()
        self.reparam_conv = nn.Conv2d(dim, dim, k, 1, k // 2, groups=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.reparam_conv(x)


class _RepMixerBlock(nn.Module):
    def __init__(self, dim: int, hidden: int, k_mix: int, k_mlp: int) -> None:
        super().__init__()
        self.token_mixer = _DepthwiseConv(dim, k_mix)
        self.mlp = _ConvMlp(dim, hidden, k_mlp)
        self.layer_scale = LayerScale(dim, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.token_mixer(x)
        return x + self.layer_scale(self.mlp(x))


class _Attention(nn.Module):
    def __init__(self, dim: int, qkv_bias: bool) -> None:
        super().__init__()
        self.heads = dim // ATTENTION_HEAD_DIM
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        n = h * w
        t = x.flatten(2).transpose(-2, -1)
        qkv = self.qkv(t).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        out = self.proj(out.transpose(1, 2).reshape(b, n, c))
        return out.transpose(-2, -1).reshape(b, c, h, w)


class _AttentionBlock(nn.Module):
    def __init__(self, dim: int, hidden: int, k_mlp: int, qkv_bias: bool) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(dim, eps=BN_EPS)
        self.token_mixer = _Attention(dim, qkv_bias)
        self.layer_scale_1 = LayerScale(dim, 1, 1)
        self.mlp = _ConvMlp(dim, hidden, k_mlp)
        self.layer_scale_2 = LayerScale(dim, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.layer_scale_1(self.token_mixer(self.norm(x)))
        return x + self.layer_scale_2(self.mlp(x))


class _Stage(nn.Module):
    def __init__(self, sd: dict[str, torch.Tensor], p: str, in_ch: int) -> None:
        super().__init__()
        self.downsample: nn.Module = nn.Identity()
        dim = in_ch
        if p + "downsample.proj.0.reparam_conv.weight" in sd:  # the large-kernel stride-2 conv, then a 1×1 one
            large = _FoldedConv(sd, p + "downsample.proj.0.", in_ch, 2)
            small = _FoldedConv(sd, p + "downsample.proj.1.", large.out_ch, 1)
            self.downsample, dim = nn.Sequential(OrderedDict(proj=nn.Sequential(large, small))), small.out_ch
        pos = sd.get(p + "pos_emb.reparam_conv.weight")
        self.pos_emb: nn.Module = _DepthwiseConv(dim, pos.shape[-1]) if pos is not None else nn.Identity()
        blocks: list[nn.Module] = []
        for j in range(count_layers(sd, f"{p}blocks.")):
            b = f"{p}blocks.{j}."
            hidden = sd[b + "mlp.fc1.weight"].shape[0]
            k_mlp = sd[b + "mlp.conv.weight"].shape[-1]
            if b + "token_mixer.reparam_conv.weight" in sd:
                k_mix = sd[b + "token_mixer.reparam_conv.weight"].shape[-1]
                blocks.append(_RepMixerBlock(dim, hidden, k_mix, k_mlp))
            elif b + "token_mixer.qkv.weight" in sd:
                if b + "norm.running_mean" not in sd:
                    raise FoldError(f"{b}norm: only BatchNorm-normed attention (MCi0-2) is supported")
                blocks.append(_AttentionBlock(dim, hidden, k_mlp, b + "token_mixer.qkv.bias" in sd))
            else:
                raise FoldError(f"{b.rstrip('.')}: neither a RepMixer nor an attention block")
        self.blocks = nn.Sequential(*blocks)
        self.out_ch = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.pos_emb(self.downsample(x)))


class FastViTTower(nn.Module):
    """``float32 [B, 3, S, S]`` → unnormalized ``[B, embed_dim]``, built from folded weights."""

    def __init__(self, folded: dict[str, torch.Tensor]) -> None:
        super().__init__()
        sd = folded
        try:
            stem: list[_FoldedConv] = []
            ch = 3
            for i, stride in enumerate((2, 2, 1)):
                stem.append(_FoldedConv(sd, f"stem.{i}.", ch, stride))
                ch = stem[-1].out_ch
            self.stem = nn.Sequential(*stem)
            stages: list[_Stage] = []
            for i in range(count_layers(sd, "stages.")):
                stages.append(_Stage(sd, f"stages.{i}.", ch))
                ch = stages[-1].out_ch
            if not stages:
                raise FoldError("no stages")
            self.stages = nn.Sequential(*stages)
            self.final_conv = _FoldedConv(sd, "final_conv.", ch, 1)
            self.embed_dim = sd["head.fc.weight"].shape[0]
        except KeyError as exc:
            raise FoldError(f"missing {exc.args[0]}") from None
        self.head = nn.ModuleDict({"fc": nn.Linear(self.final_conv.out_ch, self.embed_dim)})  # timm's ClassifierHead

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.final_conv(self.stages(self.stem(x)))
        return self.head["fc"](x.mean((2, 3)))  # global average pool, then the projection
