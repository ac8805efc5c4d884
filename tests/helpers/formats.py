"""Real HEIC, AVIF and DNG files made in the test (pillow-heif, Pillow's AVIF plugin, a TIFF writer)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image

# Pixels to store so that applying EXIF `orientation` gives back the upright picture.
INVERSE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def arrow(w: int = 64, h: int = 48) -> np.ndarray:
    """An asymmetric picture: red top-left block, blue elsewhere, green bottom strip."""
    img = np.zeros((h, w, 3), np.uint8)
    img[...] = (30, 40, 220)
    img[: h // 2, : w // 2] = (230, 30, 30)
    img[-h // 6 :, :] = (30, 200, 40)
    return img


def stored(upright: np.ndarray, orientation: int) -> Image.Image:
    image = Image.fromarray(upright)
    inverse = INVERSE[orientation]
    return image.transpose(inverse) if inverse is not None else image


def make_heic(path: Path, upright: np.ndarray, orientation: int = 1) -> Path:
    """A HEIC whose stored pixels need ``orientation`` to be upright (pillow-heif writes it as irot/imir)."""
    import pillow_heif

    exif = Image.Exif()
    exif[0x0112] = orientation
    pillow_heif.from_pillow(stored(upright, orientation)).save(path, format="HEIF", exif=exif.tobytes(), quality=95)
    return path


def make_avif(path: Path, upright: np.ndarray, orientation: int = 1) -> Path:
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored(upright, orientation).save(path, "AVIF", exif=exif.tobytes(), quality=95)
    return path


def jpeg_bytes(rgb: np.ndarray | Image.Image, quality: int = 92) -> bytes:
    buf = io.BytesIO()
    (rgb if isinstance(rgb, Image.Image) else Image.fromarray(rgb)).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def make_dng(path: Path, upright: np.ndarray, orientation: int = 1, preview: bytes | None = None) -> Path:
    """A minimal little-endian DNG: IFD0 is a JPEG preview (NewSubFileType 1, one strip, Orientation,
    DNGVersion), its SubIFD a tiny 16-bit CFA raw image, as cameras and Adobe's converter lay them out."""
    jpeg = preview if preview is not None else jpeg_bytes(stored(upright, orientation))
    pw, ph = stored(upright, orientation).size
    raw = np.full((16, 16), 1000, np.uint16).tobytes()
    entries0: list[tuple[int, int, int, bytes]] = []  # tag, type, count, value bytes
    entries1: list[tuple[int, int, int, bytes]] = []

    def short(*v: int) -> bytes:
        return struct.pack(f"<{len(v)}H", *v)

    def long(*v: int) -> bytes:
        return struct.pack(f"<{len(v)}I", *v)

    # Layout: header(8) | IFD0 | IFD1 | out-of-line values | jpeg | raw; offsets patched below.
    def build(jpeg_at: int, raw_at: int, sub_at: int) -> list[tuple[int, int, int, bytes]]:
        entries0[:] = [
            (254, 4, 1, long(1)),
            (256, 4, 1, long(pw)),
            (257, 4, 1, long(ph)),
            (258, 3, 3, short(8, 8, 8)),
            (259, 3, 1, short(7)),
            (262, 3, 1, short(6)),
            (271, 2, 6, b"MoTIS\x00"),
            (273, 4, 1, long(jpeg_at)),
            (274, 3, 1, short(orientation)),
            (277, 3, 1, short(3)),
            (278, 4, 1, long(ph)),
            (279, 4, 1, long(len(jpeg))),
            (330, 4, 1, long(sub_at)),
            (0xC612, 1, 4, bytes([1, 4, 0, 0])),
        ]
        entries1[:] = [
            (254, 4, 1, long(0)),
            (256, 4, 1, long(16)),
            (257, 4, 1, long(16)),
            (258, 3, 1, short(16)),
            (259, 3, 1, short(1)),
            (262, 3, 1, short(32803)),
            (273, 4, 1, long(raw_at)),
            (277, 3, 1, short(1)),
            (278, 4, 1, long(16)),
            (279, 4, 1, long(len(raw))),
            (33421, 3, 2, short(2, 2)),
            (33422, 1, 4, bytes([0, 1, 1, 2])),
        ]
        return entries0

    def ifd_bytes(entries: list[tuple[int, int, int, bytes]], at: int, extra_at: int) -> tuple[bytes, bytes]:
        body, extra = struct.pack("<H", len(entries)), b""
        for tag, typ, count, value in entries:
            if len(value) <= 4:
                body += struct.pack("<HHI", tag, typ, count) + value.ljust(4, b"\x00")
            else:
                body += struct.pack("<HHII", tag, typ, count, extra_at + len(extra))
                extra += value
        return body + struct.pack("<I", 0), extra

    build(0, 0, 0)
    ifd0_at = 8
    ifd0_len = 2 + 12 * len(entries0) + 4
    ifd1_at = ifd0_at + ifd0_len
    ifd1_len = 2 + 12 * len(entries1) + 4
    extra_at = ifd1_at + ifd1_len
    extra_len = 8 + 16  # room for out-of-line values (Make is 6 bytes, padded generously)
    jpeg_at = extra_at + extra_len
    raw_at = jpeg_at + len(jpeg)
    build(jpeg_at, raw_at, ifd1_at)
    b0, x0 = ifd_bytes(entries0, ifd0_at, extra_at)
    b1, x1 = ifd_bytes(entries1, ifd1_at, extra_at + len(x0))
    extra = (x0 + x1).ljust(extra_len, b"\x00")
    data = b"II*\x00" + struct.pack("<I", ifd0_at) + b0 + b1 + extra + jpeg + raw
    path.write_bytes(data)
    return path
