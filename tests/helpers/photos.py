"""Generated test photos: colour-coded images whose content the colour model recognises, broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 180, 40),
    "blue": (30, 40, 220),
    "yellow": (240, 225, 30),
    "white": (245, 245, 245),
    "black": (10, 10, 10),
}


NOISE_TILE = 1024  # noise repeats beyond this many pixels: a 12-megapixel photo's texture costs no more to make


def colour_image(colour: tuple[int, int, int], width: int, height: int, seed: int) -> np.ndarray:
    """An RGB image of one colour with texture (noise and a soft gradient)."""
    rng = np.random.default_rng(seed)
    base = np.array(colour, dtype=np.float32)
    tile_h, tile_w = min(height, NOISE_TILE), min(width, NOISE_TILE)
    noise = rng.normal(0, 12, (tile_h, tile_w, 3)).astype(np.float32)
    if tile_w != width:
        noise = np.tile(noise, (1, -(-width // tile_w), 1))[:, :width]
    ramp = np.linspace(-10, 10, width, dtype=np.float32)[None, :, None]
    # one band of rows in float, repeated down as bytes: the gradient runs across, so every band is the same, and a
    # 12-megapixel photo costs a third of the float work (0.7 CPU-s each made photo tests time out under load)
    band = np.clip(base + noise + ramp, 0, 255).astype(np.uint8)
    return band if tile_h == height else np.tile(band, (-(-height // tile_h), 1, 1))[:height]


def write_image(path: Path, rgb: np.ndarray) -> Path:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(path.suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    path.write_bytes(buf.tobytes())
    return path


_ENCODED: dict[tuple[tuple[int, int, int], int, int, int, str], bytes] = {}  # this test process's photos, by recipe


def write_colour_photo(path: Path, colour: tuple[int, int, int], width: int, height: int, seed: int) -> Path:
    """``write_image(path, colour_image(colour, width, height, seed))``, encoded once per recipe and process:
    the same bytes every time (the recipe is seeded), without generating and compressing them again."""
    key = (colour, width, height, seed, path.suffix.lower())
    data = _ENCODED.get(key)
    if data is None:
        data = write_image(path, colour_image(colour, width, height, seed)).read_bytes()
        _ENCODED[key] = data
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_big_photo(path: Path, colour: tuple[int, int, int], number: int, seed: int) -> Path:
    """A 12-megapixel JPEG of ``colour``: one encoding per colour and ``seed`` (0.3 CPU-s each, which made tests that
    need a long indexing run time out under load), made a file of its own by a JPEG comment holding ``number`` — the
    library hashes whole files, so each is a photo to decode and encode, and the app decodes every one in full."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = write_colour_photo(path, colour, 4000, 3000, seed).read_bytes()
    text = f"motis test photo {number}".encode()
    comment = b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text  # a COM segment, right after the SOI marker
    path.write_bytes(data[:2] + comment + data[2:])
    return path


def make_colour_folder(root: Path, per_colour: int = 10, big_every: int = 0, seed: int = 0) -> dict[str, str]:
    """Write ``per_colour`` images of each colour (mixed formats and sizes); return path → colour. Folders made
    with the same ``seed`` hold the same bytes (the scan takes such files for copies of the first and encodes
    nothing): give another folder that must be encoded another ``seed``."""
    formats = [".jpg", ".png", ".webp"]
    sizes = [(64, 64), (200, 120), (96, 300), (640, 480), (1024, 768)]
    made: dict[str, str] = {}
    n = 0
    for colour, rgb in COLOURS.items():
        for i in range(per_colour):
            w, h = sizes[(i + n) % len(sizes)]
            if big_every and n % big_every == 0:
                w, h = 4000, 3000
            ext = formats[(i + n) % len(formats)] if (w, h) != (4000, 3000) else ".jpg"
            path = root / ("sub" if i % 3 == 0 else "") / f"{colour}_{i:02d}{ext}"
            if (w, h) == (4000, 3000):
                write_big_photo(path, rgb, number=n, seed=seed)
            else:
                write_colour_photo(path, rgb, w, h, seed=seed + n)
            made[str(path)] = colour
            n += 1
    return made


def make_broken_files(root: Path) -> dict[str, str]:
    """Broken inputs; returns path → a word the skip reason must contain."""
    root.mkdir(parents=True, exist_ok=True)
    broken: dict[str, str] = {}
    (root / "empty.jpg").write_bytes(b"")
    broken[str(root / "empty.jpg")] = "empty"
    good = write_image(root / "tmp_full.jpg", colour_image(COLOURS["red"], 300, 200, 99)).read_bytes()
    (root / "tmp_full.jpg").unlink()
    (root / "truncated.jpg").write_bytes(good[: len(good) // 3])
    broken[str(root / "truncated.jpg")] = "truncated"
    (root / "notes.jpg").write_text("this is not a photo\n")
    broken[str(root / "notes.jpg")] = "not an image"
    (root / "page.png").write_text("<!DOCTYPE html><html><body>404</body></html>")
    broken[str(root / "page.png")] = "HTML"
    return broken


def with_two_unreadable(photos: Path) -> tuple[dict[str, str], bytes]:
    """A colour folder (``make_colour_folder``, one photo a colour) with a truncated JPEG (broken.jpg) and an empty
    file (empty.jpg) beside; (its photos, the whole bytes broken.jpg was cut from: write them to repair it)."""
    made = make_colour_folder(photos, per_colour=1)
    whole = Path(sorted(p for p in made if p.endswith(".jpg"))[0]).read_bytes()
    (photos / "broken.jpg").write_bytes(whole[: len(whole) // 3])
    (photos / "empty.jpg").write_bytes(b"")
    return made, whole
