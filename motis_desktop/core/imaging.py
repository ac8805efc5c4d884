"""Image loading (OpenCV) and CLIP preprocessing.

``load_image`` reads bytes first and decodes with ``cv2.imdecode`` (so any
path the OS accepts works), refuses decompression bombs from the header before
decoding, applies EXIF orientation, and returns RGB ``uint8 H×W×3``. Alpha is
dropped, as CLIP's own pipeline (PIL ``convert("RGB")``) does. Large JPEGs can
be decoded at 1/2, 1/4 or 1/8 scale by libjpeg when the caller only needs a
small image (``min_side``), which is several times faster than a full decode.
"""

from __future__ import annotations

import errno
import math
import os
import stat
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from motis_desktop.core.errors import ImageError
from motis_desktop.core.image_header import DECODABLE, image_size, sniff_format

DEFAULT_MAX_PIXELS = 180_000_000  # ~ 2x PIL's warning limit; 20000x20000 is refused
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
# Refuse in OpenCV too, in case a header lied about its size.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(DEFAULT_MAX_PIXELS))

import cv2  # noqa: E402  (after the environment limit above)

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
# A reduced JPEG decode keeps at least this many times the target short side,
# so the final anti-aliased resize still has detail to average (measured in
# benchmarks/bench_preprocess.py: accuracy vs the PIL reference and speed).
REDUCED_OVERSAMPLE = 2.0
MAX_ASPECT = 4.0  # longer strips are centre-cropped to this before resizing
PREREDUCE_LIMIT = 3  # box-average a source only while it stays >= this many times the target

_REDUCED_FLAGS = {2: cv2.IMREAD_REDUCED_COLOR_2, 4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


@dataclass(frozen=True)
class PreprocessConfig:
    """How a model wants its images: square side and per-channel mean/std."""

    size: int = 224
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD


def read_image_bytes(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Bytes of a regular file, never blocking on FIFOs/devices; ImageError with the reason."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ImageError("file vanished before it could be read") from None
    except PermissionError:
        raise ImageError("permission denied") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ImageError("symbolic link loop") from None
        raise ImageError(f"cannot open: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImageError("not a regular file")
        if info.st_size == 0:
            raise ImageError("empty file (0 bytes)")
        if info.st_size > max_bytes:
            raise ImageError(f"file too large ({info.st_size} bytes, limit {max_bytes})")
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ImageError(f"read error: {exc.strerror or exc}") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if not data:
        raise ImageError("empty file (0 bytes)")
    return data


def decode_image(
    data: bytes,
    *,
    min_side: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Decode image bytes to RGB ``uint8 H×W×3`` with EXIF orientation applied.

    ``min_side``: the caller needs a short side of at least this many pixels;
    a large JPEG is then decoded at a reduced scale.
    """
    fmt = sniff_format(data[:32])
    if fmt is None:
        raise ImageError(f"not an image ({_describe_non_image(data)})")
    if fmt not in DECODABLE:
        raise ImageError(f"unsupported image format ({fmt.upper()})")
    size = image_size(data, fmt)
    if size is not None:
        width, height = size
        if width <= 0 or height <= 0:
            raise ImageError(f"invalid image size {width}x{height}")
        if width * height > max_pixels:
            raise ImageError(
                f"image too large: {width}x{height} = {width * height / 1e6:.0f} MP "
                f"(limit {max_pixels / 1e6:.0f} MP, possible decompression bomb)"
            )
    if fmt == "jpeg" and not jpeg_complete(data):
        # libjpeg would "decode" the first part and fill the rest with grey; that is not the photo.
        raise ImageError("truncated JPEG (no end-of-image marker after the image data)")
    # IMREAD_COLOR_* always yields 8-bit, 3 channels: grey, alpha, 16-bit and palette are converted.
    flags = cv2.IMREAD_COLOR_RGB
    factor = 1
    if fmt == "jpeg" and size is not None and min_side:
        factor = reduction_factor(min(size), min_side)
        if factor > 1:
            flags = _REDUCED_FLAGS[factor]
    buf = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buf, flags)
    except cv2.error as exc:
        raise ImageError(f"cannot decode {fmt.upper()}: {_first_line(str(exc))}") from None
    if image is None:
        raise ImageError(f"cannot decode {fmt.upper()} (corrupt or truncated)")
    if factor > 1:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if size is None and image.shape[0] * image.shape[1] > max_pixels:
        raise ImageError(f"image too large: {image.shape[1]}x{image.shape[0]}")
    return np.ascontiguousarray(image)


def jpeg_complete(data: bytes) -> bool:
    """True if an end-of-image marker follows the first scan (entropy-coded data never contains FF D9,
    and an embedded EXIF thumbnail's marker lies before the main image's first scan)."""
    sos = data.find(b"\xff\xda")
    return sos >= 0 and data.find(b"\xff\xd9", sos) >= 0


def load_image(
    path: str | os.PathLike[str],
    *,
    min_side: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> np.ndarray:
    """Read and decode ``path`` to RGB ``uint8 H×W×3`` (see :func:`decode_image`)."""
    return decode_image(read_image_bytes(path), min_side=min_side, max_pixels=max_pixels)


def reduction_factor(short_side: int, min_side: int) -> int:
    """Largest JPEG scale-down (1, 2, 4, 8) that keeps the short side >= oversampled ``min_side``."""
    needed = min_side * REDUCED_OVERSAMPLE
    for factor in (8, 4, 2):
        if short_side / factor >= needed:
            return factor
    return 1


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
    out = weights[:, 0, None] * mat[idx[:, 0]]
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


def _describe_non_image(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "content is HTML"
    if head.startswith(b"<?xml") or head.startswith(b"<svg"):
        return "content is XML/SVG"
    try:
        data[:4096].decode("utf-8")
        return "content is text"
    except UnicodeDecodeError:
        return "unrecognised content"


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "unknown error"

