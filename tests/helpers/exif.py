"""Photos with a known EXIF date taken (written with Pillow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from helpers.photos import colour_image

EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003


def write_photo_with_date(path: Path, rgb: tuple[int, int, int], stamp: str, seed: int = 0) -> Path:
    """A textured one-colour photo whose EXIF ``DateTimeOriginal`` is ``stamp`` ("YYYY:MM:DD HH:MM:SS")."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    exif[EXIF_IFD] = {DATE_TIME_ORIGINAL: stamp}
    pixels: np.ndarray = colour_image(rgb, 96, 64, seed)
    Image.fromarray(pixels).save(path, exif=exif)
    return path
