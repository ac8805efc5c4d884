"""Photos with a known EXIF date taken (written with Pillow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from helpers.photos import colour_image

EXIF_IFD = 0x8769
DATE_TIME_ORIGINAL = 0x9003
# For each EXIF orientation (1-8), the transpose that stores an upright picture so that applying the
# orientation restores it (None: stored as it is).
UNDO_ORIENTATION = {
    1: None,
    2: Image.FLIP_LEFT_RIGHT,
    3: Image.ROTATE_180,
    4: Image.FLIP_TOP_BOTTOM,
    5: Image.TRANSPOSE,
    6: Image.ROTATE_90,
    7: Image.TRANSVERSE,
    8: Image.ROTATE_270,
}


def write_photo_with_date(path: Path, rgb: tuple[int, int, int], stamp: str, seed: int = 0) -> Path:
    """A textured one-colour photo whose EXIF ``DateTimeOriginal`` is ``stamp`` ("YYYY:MM:DD HH:MM:SS")."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    exif[EXIF_IFD] = {DATE_TIME_ORIGINAL: stamp}
    pixels: np.ndarray = colour_image(rgb, 96, 64, seed)
    Image.fromarray(pixels).save(path, exif=exif)
    return path
