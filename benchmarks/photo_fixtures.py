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


CAMERA_SIZES = {"12mp": (4000, 3000), "1080p": (1920, 1080)}


def make_camera_jpegs(out_dir: Path, n_12mp: int, n_1080p: int, quality: int = 90, grain: float = 4.0) -> list[Path]:
    """Distinct camera-like JPEGs: the sample photos upscaled to 12 MP or 1080p, each with its own sensor-like
    grain (Gaussian, ``grain`` levels) and a different crop, so every file has real texture (12 MP files of
    ~3-5 MB, like a phone's, instead of the ~1 MB an upscaled smooth image gives) and its own content hash
    (a peer that reuses vectors for equal hashes must encode each one). Written once; existing files are kept.
    """
    from PIL import Image
    from skimage import data

    out_dir.mkdir(parents=True, exist_ok=True)
    sources = []
    for name in PHOTOS:
        rgb = np.asarray(getattr(data, name)())
        sources.append(np.stack([rgb] * 3, axis=-1) if rgb.ndim == 2 else rgb[..., :3])
    paths: list[Path] = []
    for key, count in (("12mp", n_12mp), ("1080p", n_1080p)):
        w, h = CAMERA_SIZES[key]
        for i in range(count):
            path = out_dir / f"{key}_{i:04d}.jpg"
            paths.append(path)
            if path.exists():
                continue
            rng = np.random.default_rng((0 if key == "12mp" else 1_000_000) + i)
            src = sources[i % len(sources)]
            sh, sw = src.shape[:2]
            crop = rng.uniform(0.8, 1.0)  # a different 4:3 / 16:9 window of the sample each time
            ch = int(min(sh, sw * h / w) * crop)
            cw = int(ch * w / h)
            top, left = int(rng.integers(0, sh - ch + 1)), int(rng.integers(0, sw - cw + 1))
            img = Image.fromarray(np.ascontiguousarray(src[top : top + ch, left : left + cw]))
            big = np.asarray(img.resize((w, h), Image.BICUBIC), dtype=np.float32)
            big += rng.normal(0.0, grain, (h, w, 1)).astype(np.float32)  # luma grain
            big += rng.normal(0.0, grain / 2, (h, w, 3)).astype(np.float32)  # chroma grain
            tmp = path.with_suffix(".part")
            Image.fromarray(np.clip(big, 0, 255).astype(np.uint8)).save(tmp, "JPEG", quality=quality)
            tmp.rename(path)
    return paths
