"""A generated corpus of hostile files mixed with good photos (nothing large is committed)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image

from helpers.exif import UNDO_ORIENTATION
from helpers.photos import COLOURS, colour_image, write_image


def make_hostile_corpus(root: Path, outside: Path) -> tuple[dict[str, str], set[str]]:
    """Write the corpus; return ({bad path: word its reason must contain}, {good paths})."""
    root.mkdir(parents=True, exist_ok=True)
    bad: dict[str, str] = {}
    good: set[str] = set()
    rgb = colour_image(COLOURS["green"], 120, 80, 5)

    def keep(path: Path) -> None:
        good.add(str(path))

    for i, colour in enumerate(("red", "blue", "yellow")):
        keep(write_image(root / f"good_{colour}.jpg", colour_image(COLOURS[colour], 160, 120, i)))
    (root / "zero.jpg").write_bytes(b"")
    bad[str(root / "zero.jpg")] = "empty"
    jpeg = write_image(root / "full.jpg", colour_image(COLOURS["red"], 200, 150, 9)).read_bytes()
    keep(root / "full.jpg")
    for frac in (0.05, 0.5, 0.97):
        path = root / f"truncated_{int(frac * 100)}.jpg"
        path.write_bytes(jpeg[: int(len(jpeg) * frac)])
        bad[str(path)] = "truncated"
    (root / "trailing_garbage.jpg").write_bytes(jpeg + b"GARBAGE" * 100)
    keep(root / "trailing_garbage.jpg")
    png = write_image(root / "tmp.png", rgb).read_bytes()
    (root / "tmp.png").unlink()
    idat = png.index(b"IDAT")
    crc_at = idat + 4 + int.from_bytes(png[idat - 4 : idat], "big")
    (root / "bad_crc.png").write_bytes(
        png[:crc_at] + bytes(b ^ 0xFF for b in png[crc_at : crc_at + 4]) + png[crc_at + 4 :]
    )
    bad[str(root / "bad_crc.png")] = "damaged or incomplete PNG"
    (root / "text.jpg").write_text("just some notes, not a photo\n")
    bad[str(root / "text.jpg")] = "not an image"
    (root / "page.png").write_text("<!DOCTYPE html><html><head><title>x</title></head></html>")
    bad[str(root / "page.png")] = "HTML"
    (root / "folder.jpg").mkdir()  # a directory with an image name: just a folder
    keep(write_image(root / "folder.jpg" / "inside.png", rgb))
    Image.new("RGB", (1, 1), (200, 10, 10)).save(root / "one_pixel.png")
    keep(root / "one_pixel.png")
    Image.new("RGB", (1, 10000), (10, 10, 200)).save(root / "strip_1x10000.png")
    keep(root / "strip_1x10000.png")
    Image.new("L", (20000, 20000)).save(root / "bomb.png")
    bad[str(root / "bomb.png")] = "too large"
    Image.fromarray(rgb).convert("CMYK").save(root / "cmyk.jpg")
    keep(root / "cmyk.jpg")
    Image.fromarray(rgb[..., 1].astype(np.uint16) * 257).save(root / "sixteen_bit.png")
    keep(root / "sixteen_bit.png")
    Image.fromarray(rgb).convert("L").save(root / "gray.png")
    keep(root / "gray.png")
    Image.fromarray(np.dstack([rgb, np.full(rgb.shape[:2], 90, np.uint8)])).save(root / "rgba.png")
    keep(root / "rgba.png")
    Image.fromarray(rgb).convert("P").save(root / "palette.png", transparency=0)
    keep(root / "palette.png")
    frames = [Image.fromarray(colour_image(COLOURS[c], 60, 40, 1)) for c in ("red", "blue")]
    frames[0].save(root / "animated.gif", save_all=True, append_images=frames[1:], duration=80, loop=0)
    keep(root / "animated.gif")
    for ext in ("webp", "bmp", "tiff"):
        Image.fromarray(rgb).save(root / f"format.{ext}")
        keep(root / f"format.{ext}")
    upright = Image.fromarray(_asymmetric())
    for orientation, op in UNDO_ORIENTATION.items():
        stored = upright.transpose(op) if op is not None else upright
        exif = Image.Exif()
        exif[0x0112] = orientation
        stored.save(root / f"orientation_{orientation}.jpg", exif=exif, quality=95)
        keep(root / f"orientation_{orientation}.jpg")
    raw_name = os.path.join(os.fsencode(root), b"caf\xe9_latin1.jpg")  # not valid UTF-8
    with open(raw_name, "wb") as fh:
        fh.write(jpeg)
    keep(Path(os.fsdecode(raw_name)))
    deep = root / "/".join(["a-rather-long-folder-name-" + str(i) for i in range(30)])
    keep(write_image(deep / "deep.png", rgb))
    (root / "self_loop.jpg").symlink_to(root / "self_loop.jpg")
    bad[str(root / "self_loop.jpg")] = "loop"
    (root / "dir_loop").symlink_to(root)
    bad[str(root / "dir_loop")] = "the library folder: not followed"
    outside.mkdir(parents=True, exist_ok=True)
    target = write_image(outside / "elsewhere.png", colour_image(COLOURS["white"], 80, 80, 2))
    (root / "link_to_outside.png").symlink_to(target)
    keep(root / "link_to_outside.png")
    os.mkfifo(root / "pipe.jpg")
    bad[str(root / "pipe.jpg")] = "not a regular file"
    return bad, good


def _asymmetric() -> np.ndarray:
    img = np.zeros((96, 128, 3), np.uint8)
    img[:] = (20, 20, 200)
    img[:48, :64] = (220, 30, 30)
    img[60:, 90:] = (240, 230, 20)
    return img
