"""Real-photo JPEG fixtures for preprocessing checks: scikit-image's sample photos upscaled.

Shared by ``tests/test_preprocess_parity.py`` and ``benchmarks/bench_preprocess.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "retina", "hubble_deep_field")
SIZES = {"12mp": (4000, 3000), "1080p": (1920, 1080)}


def make_photo_jpegs(out_dir: Path, sizes: tuple[str, ...] = ("12mp", "1080p"), quality: int = 92) -> list[Path]:
    """Write each sample photo, Lanczos-upscaled to each size, as a JPEG; return the paths."""
    from PIL import Image
    from skimage import data

    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for name in PHOTOS:
        rgb = np.asarray(getattr(data, name)())
        if rgb.ndim == 2:
            rgb = np.stack([rgb] * 3, axis=-1)
        img = Image.fromarray(rgb[..., :3])
        for key in sizes:
            w, h = SIZES[key]
            if img.height > img.width:
                w, h = h, w
            path = out_dir / f"{name}_{key}.jpg"
            if not path.exists():
                img.resize((w, h), Image.LANCZOS).save(path, quality=quality)
            paths.append(path)
    return paths


def pil_reference(path: Path, size: int = 224) -> np.ndarray:
    """CLIP's reference pipeline in PIL: bicubic short-side resize, centre crop, normalize."""
    from PIL import Image

    from motis_desktop.core.images.preprocess import CLIP_MEAN, CLIP_STD

    img = Image.open(path).convert("RGB")
    w, h = img.size
    short, long_ = min(w, h), max(w, h)
    new_long = int(size * long_ / short)
    new_w, new_h = (size, new_long) if w <= h else (new_long, size)
    img = img.resize((new_w, new_h), Image.BICUBIC)
    top = int(round((new_h - size) / 2.0))
    left = int(round((new_w - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    arr = np.asarray(img, dtype=np.float32) / 255.0
    arr = (arr - np.asarray(CLIP_MEAN, np.float32)) / np.asarray(CLIP_STD, np.float32)
    return arr.transpose(2, 0, 1)
