"""CLIP preprocessing: PIL-equivalent antialiased bicubic resize, centre crop, normalize."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from motis_desktop.core.images.decode import load_image
from motis_desktop.core.images.opencv import cv2

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
MAX_ASPECT = 4.0  # longer strips are centre-cropped to this before resizing
PREREDUCE_LIMIT = 3  # box-average a source only while it stays >= this many times the target


@dataclass(frozen=True)
class PreprocessConfig:
    """How a model wants its images: square side and per-channel mean/std."""

    size: int = 224
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD


def preprocess(
    rgb: np.ndarray,
    size: int = 224,
    mean: tuple[float, float, float] = CLIP_MEAN,
    std: tuple[float, float, float] = CLIP_STD,
) -> np.ndarray:
    """CLIP geometry: shortest side to ``size``, centre crop, normalize → float32 ``[3, size, size]``."""
    height, width = rgb.shape[:2]
    short, long_ = min(height, width), max(height, width)
    if long_ > MAX_ASPECT * short:
        # Keep only the centre of an extreme strip: the crop lies inside it and the
        # resize stays small (a 1x10000 strip would otherwise become 224x2.2M).
        keep = int(math.ceil(MAX_ASPECT * short))
        start = (long_ - keep) // 2
        rgb = rgb[start : start + keep] if height > width else rgb[:, start : start + keep]
        height, width = rgb.shape[:2]
        short, long_ = min(height, width), max(height, width)
    new_long = int(size * long_ / short)  # torchvision Resize(int) truncates
    new_w, new_h = (size, new_long) if width <= height else (new_long, size)
    resized = resize_bicubic_antialias(rgb, new_w, new_h)
    top = int(round((new_h - size) / 2.0))
    left = int(round((new_w - size) / 2.0))
    crop = resized[top : top + size, left : left + size]
    scale = 1.0 / (255.0 * np.asarray(std, dtype=np.float32))
    shift = np.asarray(mean, dtype=np.float32) / np.asarray(std, dtype=np.float32)
    out = np.clip(np.rint(crop), 0, 255) * scale - shift  # PIL hands CLIP 8-bit pixels
    return np.ascontiguousarray(out.transpose(2, 0, 1))


def resize_bicubic_antialias(rgb: np.ndarray, new_w: int, new_h: int) -> np.ndarray:
    """Resize like PIL's ``BICUBIC`` (a=-0.5, kernel widened by the scale when shrinking).

    CLIP was trained on PIL-resized images; OpenCV's INTER_CUBIC aliases when
    shrinking and INTER_AREA is a box filter. A source much larger than the
    target is first box-averaged by an integer factor (cheap, nearly lossless
    before a wide bicubic), then both axes use PIL's separable weights.
    Returns float32 ``new_h × new_w × C``.
    """
    height, width = rgb.shape[:2]
    factor = min(width // (PREREDUCE_LIMIT * new_w), height // (PREREDUCE_LIMIT * new_h))
    if factor >= 2:
        rgb = cv2.resize(rgb, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
        height, width = rgb.shape[:2]
    out = rgb.astype(np.float32)
    channels = out.shape[2]
    if new_w != width:  # resample columns: work on the transposed image so taps gather whole rows
        cols = _resample_rows(out.transpose(1, 0, 2).reshape(width, -1), *_bicubic_taps(width, new_w))
        out = cols.reshape(new_w, height, channels).transpose(1, 0, 2)
    if new_h != height:
        rows = _resample_rows(np.ascontiguousarray(out).reshape(height, -1), *_bicubic_taps(height, new_h))
        out = rows.reshape(new_h, new_w, channels)
    return out


def _resample_rows(mat: np.ndarray, idx: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``out[o] = sum_k weights[o, k] * mat[idx[o, k]]`` for a 2-D float32 matrix."""
    out: np.ndarray = weights[:, 0, None] * mat[idx[:, 0]]
    for k in range(1, idx.shape[1]):
        out += weights[:, k, None] * mat[idx[:, k]]
    return out


@lru_cache(maxsize=256)
def _bicubic_taps(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Source indices and normalised weights ``[out_size, taps]`` (PIL's precompute_coeffs)."""
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support = 2.0 * filterscale
    taps = int(math.ceil(support)) * 2 + 1
    centers = (np.arange(out_size) + 0.5) * scale
    xmin = np.clip((centers - support + 0.5).astype(np.int64), 0, None)
    xmax = np.minimum((centers + support + 0.5).astype(np.int64), in_size)
    offsets = np.arange(taps)
    idx = xmin[:, None] + offsets[None, :]
    x = np.abs((idx - centers[:, None] + 0.5) / filterscale)
    a = -0.5
    weights = np.where(
        x < 1.0,
        ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0,
        np.where(x < 2.0, (((x - 5.0) * x + 8.0) * x - 4.0) * a, 0.0),
    )
    weights[idx >= xmax[:, None]] = 0.0
    weights /= weights.sum(axis=1, keepdims=True)
    return np.minimum(idx, in_size - 1), weights.astype(np.float32)


def preprocess_file(path: str | os.PathLike[str], config: PreprocessConfig = PreprocessConfig()) -> np.ndarray:
    """Load ``path`` at the smallest useful scale and preprocess it for a model."""
    rgb = load_image(path, min_side=config.size)
    return preprocess(rgb, config.size, config.mean, config.std)
