"""Photos with rendered text (Pillow + DejaVu fonts) for the OCR tests, the self-test's twin and the benchmark."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu",)
FONTS = ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf")


def font(name: str = "DejaVuSans-Bold.ttf", size: int = 48) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def text_photo(
    lines: list[str],
    background: tuple[int, int, int] = (235, 232, 225),
    ink: tuple[int, int, int] = (20, 20, 20),
    size: tuple[int, int] = (800, 500),
    font_name: str = "DejaVuSans-Bold.ttf",
    font_size: int = 48,
    angle: float = 0.0,
) -> Image.Image:
    """``lines`` drawn on a plain background; ``angle`` turns the text block (degrees, counter-clockwise)."""
    width, height = size
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    face = font(font_name, font_size)
    y = height // 6
    for line in lines:
        draw.text((width // 12, y), line, font=face, fill=(*ink, 255))
        y += int(font_size * 1.6)
    if angle:
        layer = layer.rotate(angle, resample=Image.Resampling.BICUBIC, center=(width // 2, height // 2))
    photo = Image.new("RGB", size, background)
    photo.paste(layer, (0, 0), layer)
    return photo


def plain_photo(colour: tuple[int, int, int], size: tuple[int, int] = (640, 480), seed: int = 0) -> Image.Image:
    """A photo with no text: a colour with mild noise."""
    rng = np.random.default_rng(seed)
    pixels = np.clip(np.array(colour, dtype=np.int16) + rng.integers(-12, 13, (size[1], size[0], 3)), 0, 255)
    return Image.fromarray(pixels.astype(np.uint8))


def save(image: Image.Image, path: Path, quality: int = 85) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        image.save(path, quality=quality)
    else:
        image.save(path)
    return path
