"""Small seed images of every decodable format (an animated PNG included) and byte-flip mutants of them."""

from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import numpy as np


def _frames(n: int, size: int = 48) -> list:
    from PIL import Image

    y, x = np.mgrid[0:size, 0:size]
    rng = np.random.default_rng(7)
    out = []
    for i in range(n):
        rgb = np.stack([(x * 5 + i * 60) % 256, (y * 5) % 256, ((x + y) * 3 + i * 30) % 256], -1)
        rgb = np.clip(rgb + rng.integers(-8, 9, rgb.shape), 0, 255).astype(np.uint8)  # texture: real entropy data
        out.append(Image.fromarray(rgb, "RGB"))
    return out


def seed_images() -> dict[str, bytes]:
    """Format name → the bytes of a small valid image (JPEG, PNG, APNG, GIF, WebP, TIFF, BMP)."""
    frames = _frames(3)
    seeds: dict[str, bytes] = {}
    for name, fmt, kwargs in [
        ("jpeg", "JPEG", {"quality": 85}),
        ("png", "PNG", {}),
        ("webp", "WEBP", {"quality": 80}),
        ("tiff", "TIFF", {"compression": "tiff_lzw"}),
        ("bmp", "BMP", {}),
    ]:
        buf = io.BytesIO()
        frames[0].save(buf, format=fmt, **kwargs)
        seeds[name] = buf.getvalue()
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    seeds["gif"] = buf.getvalue()
    buf = io.BytesIO()  # an animated PNG, like the one that crashed OpenCV (issue 11)
    frames[0].save(buf, format="PNG", save_all=True, append_images=frames[1:], duration=80, loop=2, blend=1)
    seeds["apng"] = buf.getvalue()
    return seeds


def mutants(data: bytes, count: int, seed: int, flips: int = 2) -> list[bytes]:
    """``count`` copies of ``data`` with ``flips`` random bits flipped each (the 8-byte signature kept)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        m = bytearray(data)
        for _ in range(flips):
            i = rng.randrange(min(8, len(m) - 1), len(m))
            m[i] ^= 1 << rng.randrange(8)
        out.append(bytes(m))
    return out


def fix_png_crcs(data: bytes) -> bytes:
    """Recompute every PNG chunk's CRC, so a mutant reaches the decoder instead of failing libpng's CRC check."""
    out, pos = bytearray(data), 8
    while pos + 12 <= len(out):
        (length,) = struct.unpack(">I", out[pos : pos + 4])
        end = pos + 8 + length
        if end + 4 > len(out):
            break
        out[end : end + 4] = struct.pack(">I", zlib.crc32(bytes(out[pos + 4 : end])) & 0xFFFFFFFF)
        pos = end + 4
    return bytes(out)


def write_mutant_folder(root: Path, per_format: int, seed: int = 0) -> dict[str, bytes]:
    """Write ``per_format`` mutants of every seed under ``root``; return path → bytes."""
    root.mkdir(parents=True, exist_ok=True)
    written: dict[str, bytes] = {}
    for k, (name, data) in enumerate(sorted(seed_images().items())):
        ext = "png" if name == "apng" else name
        for i, mutant in enumerate(mutants(data, per_format, seed * 1000 + k)):
            if name in ("png", "apng") and i % 2:
                mutant = fix_png_crcs(mutant)
            path = root / f"{name}_{i:03d}.{ext}"
            path.write_bytes(mutant)
            written[str(path)] = mutant
    return written
