"""Image loading (formats, orientation, guards) and CLIP preprocessing parity with PIL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.exif import UNDO_ORIENTATION
from PIL import Image

from motis_desktop.core.errors import ImageError
from motis_desktop.core.images.decode import load_image, read_image_bytes
from motis_desktop.core.images.preprocess import CLIP_MEAN, CLIP_STD, preprocess, preprocess_file


def _rgb(seed: int = 0, w: int = 60, h: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.random((h, w, 3)) * 255).astype(np.uint8)


def _arrow(w: int = 80, h: int = 50) -> np.ndarray:
    """An asymmetric picture: red top-left quadrant, blue elsewhere."""
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (0, 0, 255)
    img[: h // 2, : w // 2] = (255, 0, 0)
    return img


@pytest.mark.parametrize("ext", [".png", ".bmp", ".tif", ".webp"])
def test_lossless_formats_roundtrip(tmp_path: Path, ext: str) -> None:
    rgb = _rgb()
    path = tmp_path / f"x{ext}"
    Image.fromarray(rgb).save(path, **({"lossless": True} if ext == ".webp" else {}))
    out = load_image(path)
    assert out.dtype == np.uint8
    assert out.shape == (40, 60, 3)
    assert np.array_equal(out, rgb)


def test_grayscale_alpha_palette_16bit_cmyk(tmp_path: Path) -> None:
    rgb = _rgb()
    Image.fromarray(rgb).convert("L").save(tmp_path / "g.png")
    gray = load_image(tmp_path / "g.png")
    assert gray.shape == (40, 60, 3)
    assert np.array_equal(gray[..., 0], gray[..., 2])

    rgba = np.dstack([rgb, np.full((40, 60), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    assert np.array_equal(load_image(tmp_path / "a.png"), rgb)  # alpha dropped, as CLIP's convert("RGB")

    pal = Image.fromarray(rgb).convert("P")
    pal.save(tmp_path / "p.png", transparency=0)
    assert np.array_equal(load_image(tmp_path / "p.png"), np.asarray(pal.convert("RGB")))

    Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(tmp_path / "16.png")
    out16 = load_image(tmp_path / "16.png")
    assert out16.dtype == np.uint8
    assert np.abs(out16[..., 0].astype(int) - rgb[..., 0]).max() <= 1

    flat = np.zeros((40, 60, 3), np.uint8)
    flat[:] = (200, 40, 40)
    Image.fromarray(flat).convert("CMYK").save(tmp_path / "c.jpg", quality=95)
    cmyk = load_image(tmp_path / "c.jpg").reshape(-1, 3).mean(0)
    assert np.abs(cmyk - (200, 40, 40)).max() < 12


def test_animated_gif_gives_first_frame(tmp_path: Path) -> None:
    frames = [Image.fromarray(np.full((20, 30, 3), c, np.uint8)) for c in ((250, 0, 0), (0, 0, 250))]
    frames[0].save(tmp_path / "a.gif", save_all=True, append_images=frames[1:], duration=50, loop=0)
    out = load_image(tmp_path / "a.gif")
    assert out.shape == (20, 30, 3)
    assert out[..., 0].mean() > 200
    assert out[..., 2].mean() < 50


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_applied(tmp_path: Path, orientation: int) -> None:
    upright = _arrow()
    # Store the pixels so that applying `orientation` restores the upright picture.
    inverse = UNDO_ORIENTATION[orientation]
    stored = Image.fromarray(upright)
    if inverse is not None:
        stored = stored.transpose(inverse)
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(tmp_path / "o.jpg", exif=exif, quality=95)
    out = load_image(tmp_path / "o.jpg")
    assert out.shape == upright.shape
    assert np.abs(out.astype(int) - upright).mean() < 8


def test_reduced_decoding_keeps_orientation(tmp_path: Path) -> None:
    big = np.kron(_arrow(40, 30), np.ones((100, 100, 1), np.uint8))  # 4000x3000
    stored = Image.fromarray(big).transpose(Image.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(tmp_path / "big.jpg", exif=exif, quality=90)
    small = load_image(tmp_path / "big.jpg", min_side=224)
    assert small.shape[:2] == (750, 1000)  # 1/4 scale, upright
    assert small[:300, :400, 0].mean() > 200
    assert small[:300, :400, 2].mean() < 50


def test_non_ascii_path(tmp_path: Path) -> None:
    path = tmp_path / "フォト 写真 ü" / "çà.png"
    path.parent.mkdir()
    Image.fromarray(_rgb()).save(path)
    assert load_image(path).shape == (40, 60, 3)


def test_decompression_bomb_refused_before_decoding(tmp_path: Path) -> None:
    # A 20000x20000 PNG compresses to a few hundred KB; it must be refused from its header.
    Image.new("L", (20000, 20000)).save(tmp_path / "bomb.png")
    with pytest.raises(ImageError, match="too large.*20000x20000"):
        load_image(tmp_path / "bomb.png")


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"hello, this is text", "not an image"),
        (b"<!DOCTYPE html><html></html>", "HTML"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "invalid image size|damaged or incomplete PNG file"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40, "damaged or incomplete HEIC file"),
    ],
)
def test_bad_files_give_clear_reasons(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageError, match=reason):
        load_image(path)


def test_truncated_jpeg_and_missing_and_directory(tmp_path: Path) -> None:
    Image.fromarray(_rgb(w=400, h=300)).save(tmp_path / "ok.jpg")
    data = (tmp_path / "ok.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[:200])
    with pytest.raises(ImageError, match="truncated JPEG"):
        load_image(tmp_path / "cut.jpg")
    with pytest.raises(ImageError, match="vanished"):
        load_image(tmp_path / "gone.jpg")
    (tmp_path / "dir.jpg").mkdir()
    with pytest.raises(ImageError, match="not a regular file"):
        load_image(tmp_path / "dir.jpg")


def test_fifo_does_not_block(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with pytest.raises(ImageError, match="not a regular file"):
        read_image_bytes(fifo)


def test_preprocess_geometry_and_normalisation() -> None:
    img = np.zeros((300, 600, 3), np.uint8)
    img[:, 250:350] = 255  # a white vertical band in the centre
    out = preprocess(img, 224)
    assert out.shape == (3, 224, 224)
    assert out.dtype == np.float32
    white = (1.0 - np.asarray(CLIP_MEAN)) / np.asarray(CLIP_STD)
    black = (0.0 - np.asarray(CLIP_MEAN)) / np.asarray(CLIP_STD)
    assert np.allclose(out[:, :, 112], white[:, None], atol=1e-3)  # centre column is the band
    assert np.allclose(out[:, :, 5], black[:, None], atol=1e-3)  # 600 wide → 448; crop keeps the middle
    strip = preprocess(np.full((1, 10000, 3), 128, np.uint8), 224)  # extreme strip: no 2M-wide resize
    assert strip.shape == (3, 224, 224)


def test_preprocess_matches_pil_reference_on_real_photos(tmp_path_factory: pytest.TempPathFactory) -> None:
    from photo_fixtures import make_photo_jpegs, pil_reference

    paths = make_photo_jpegs(tmp_path_factory.mktemp("photos"))
    diffs = {p.name: float(np.abs(preprocess_file(p) - pil_reference(p)).mean()) for p in paths}
    assert max(diffs.values()) <= 0.01, diffs


def test_squash_keeps_the_whole_image_and_bilinear_differs_from_bicubic() -> None:
    from motis_desktop.core.images.preprocess import preprocess_uint8

    img = np.zeros((300, 600, 3), np.uint8)
    img[:, :100] = 255  # a white band on the left sixth: cropped away by "shortest", kept by "squash"
    assert preprocess_uint8(img, 224)[:, :10].max() == 0
    squashed = preprocess_uint8(img, 224, "squash")
    assert squashed.shape == (224, 224, 3)
    assert squashed[:, :30].min() == 255 and squashed[:, 45:].max() == 0  # 100/600 of 224 = 37 columns
    bilinear = preprocess_uint8(img, 224, "squash", "bilinear")
    assert bilinear[:, :30].min() == 255 and not np.array_equal(bilinear, squashed)
    with pytest.raises(ValueError):
        preprocess_uint8(img, 224, "stretch")
