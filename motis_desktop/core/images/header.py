"""Recognise image files by content and read their pixel size without decoding.

Used to refuse decompression bombs before any pixel is allocated and to pick
a JPEG reduced-decoding factor. Only the first bytes of a file are needed for
the format; the size needs at most the bytes up to the frame header.
"""

from __future__ import annotations

import struct

# Formats OpenCV decodes for us; HEIC/AVIF are recognised to give a clear reason.
DECODABLE = frozenset({"jpeg", "png", "gif", "bmp", "webp", "tiff"})


def sniff_format(head: bytes) -> str | None:
    """Image format from the first 16+ bytes of a file, or None if not an image."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head.startswith(b"BM") and len(head) >= 14:
        return "bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:4] in (b"II+\x00", b"MM\x00+") and head[4:8] in (b"\x08\x00\x00\x00", b"\x00\x08\x00\x00"):
        return "tiff"  # BigTIFF: 8-byte offsets
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "heic"
        if brand in (b"avif", b"avis"):
            return "avif"
    return None


def image_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """(width, height) from the header of ``data`` in format ``fmt``, or None if unreadable."""
    try:
        reader = _READERS.get(fmt)
        return reader(data) if reader else None
    except (struct.error, IndexError, ValueError):
        return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    n = len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        # SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    return None


def _png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _gif_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack("<HH", data[6:10])
    return width, height


def _bmp_size(data: bytes) -> tuple[int, int]:
    (header_size,) = struct.unpack("<I", data[14:18])
    if header_size == 12:
        width, height = struct.unpack("<HH", data[18:22])
    else:
        width, height = struct.unpack("<ii", data[18:26])
    return abs(width), abs(height)


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        b = data[21:25]
        width = 1 + (((b[1] & 0x3F) << 8) | b[0])
        height = 1 + (((b[3] & 0xF) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return width, height
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    return None


# TIFF field types that can hold ImageWidth/ImageLength: SHORT, LONG, LONG8 (BigTIFF).
_TIFF_INT_TYPES = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    """Size from the first IFD of a classic TIFF (4-byte offsets) or a BigTIFF (8-byte offsets)."""
    endian = "<" if data[:2] == b"II" else ">"
    (version,) = struct.unpack(endian + "H", data[2:4])
    if version == 43:  # BigTIFF: u64 IFD offset, u64 entry count, 20-byte entries with 8-byte values
        (ifd,) = struct.unpack(endian + "Q", data[8:16])
        (count,) = struct.unpack(endian + "Q", data[ifd : ifd + 8])
        first, entry_size, value_at = ifd + 8, 20, 12
    else:
        (ifd,) = struct.unpack(endian + "I", data[4:8])
        (count,) = struct.unpack(endian + "H", data[ifd : ifd + 2])
        first, entry_size, value_at = ifd + 2, 12, 8
    found: dict[int, int] = {}
    for i in range(min(count, 4096)):
        entry = first + entry_size * i
        tag, typ = struct.unpack(endian + "HH", data[entry : entry + 4])
        if tag in (256, 257) and typ in _TIFF_INT_TYPES:
            code, size = _TIFF_INT_TYPES[typ]
            (found[tag],) = struct.unpack(endian + code, data[entry + value_at : entry + value_at + size])
        if 256 in found and 257 in found:
            return found[256], found[257]
    return None


_READERS = {
    "jpeg": _jpeg_size,
    "png": _png_size,
    "gif": _gif_size,
    "bmp": _bmp_size,
    "webp": _webp_size,
    "tiff": _tiff_size,
}
