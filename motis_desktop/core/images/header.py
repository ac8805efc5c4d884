"""Recognise image files by content and read their pixel size without decoding.

Used to refuse decompression bombs before any pixel is allocated and to pick
a JPEG reduced-decoding factor. Only the first bytes of a file are needed for
the format; the size needs at most the bytes up to the frame header.

Camera RAW files are recognised here too. Most are TIFF structures (DNG, CR2,
NEF, ARW, PEF, RW2, ORF); :func:`raw_preview` walks their IFDs for the largest
embedded baseline JPEG, which is what we decode (the sensor data is far too slow
to develop for indexing).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

# Formats OpenCV decodes for us.
DECODABLE = frozenset({"jpeg", "png", "gif", "bmp", "webp", "tiff"})
# Formats decoded through optional libraries (see decode.py): libheif, Pillow's AVIF plugin, embedded previews.
EXTRA = frozenset({"heic", "avif", "raw"})

_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1")
_TIFF_RAW_PHOTOMETRIC = (32803, 34892)  # CFA, LinearRaw: sensor data, never decoded as a picture
_TAG_DNG_VERSION = 0xC612


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
        return "raw" if head[8:10] == b"CR" else "tiff"  # Canon CR2; other TIFF RAWs: see is_raw_tiff
    if head[:4] in (b"II+\x00", b"MM\x00+") and head[4:8] in (b"\x08\x00\x00\x00", b"\x00\x08\x00\x00"):
        return "tiff"  # BigTIFF: 8-byte offsets
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00") or head.startswith(b"FUJIFILMCCD-RAW"):
        return "raw"  # Olympus ORF, Panasonic RW2, Fujifilm RAF
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"crx ":
            return "raw"  # Canon CR3
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in _HEIF_BRANDS:
            return "heic"
    return None


# -- TIFF structures (TIFF images and TIFF-based RAW files) -------------------------------------

_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_MAX_IFDS = 64


class _Tiff:
    """A minimal, bounds-checked TIFF reader: tag values of IFD0, its chain and SubIFDs."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        if data[:2] == b"II":
            self.endian = "<"
        elif data[:2] == b"MM":
            self.endian = ">"
        else:
            raise ValueError("not a TIFF structure")
        if struct.unpack(self.endian + "H", data[2:4])[0] == 43:
            raise ValueError("BigTIFF (8-byte offsets): not a camera RAW layout")
        (self.first,) = struct.unpack(self.endian + "I", data[4:8])

    def ifd(self, offset: int) -> tuple[dict[int, tuple[int, int, int]], int]:
        """{tag: (type, count, value_or_offset_position)} and the next IFD's offset."""
        data, e = self.data, self.endian
        if offset <= 0 or offset + 2 > len(data):
            raise ValueError("IFD offset out of range")
        (count,) = struct.unpack(e + "H", data[offset : offset + 2])
        entries: dict[int, tuple[int, int, int]] = {}
        for i in range(count):
            pos = offset + 2 + 12 * i
            if pos + 12 > len(data):
                raise ValueError("IFD runs past the end of the file")
            tag, typ, n = struct.unpack(e + "HHI", data[pos : pos + 8])
            size = _TYPE_SIZES.get(typ, 1) * n
            value_pos = pos + 8 if size <= 4 else struct.unpack(e + "I", data[pos + 8 : pos + 12])[0]
            entries[tag] = (typ, n, value_pos)
        end = offset + 2 + 12 * count
        nxt = struct.unpack(e + "I", data[end : end + 4])[0] if end + 4 <= len(data) else 0
        return entries, nxt

    def values(self, entry: tuple[int, int, int]) -> list[int]:
        typ, n, pos = entry
        code = {1: "B", 3: "H", 4: "I", 7: "B", 13: "I"}.get(typ)
        if code is None or n > 4096 or pos + n * struct.calcsize(code) > len(self.data):
            return []
        return list(struct.unpack(f"{self.endian}{n}{code}", self.data[pos : pos + n * struct.calcsize(code)]))

    def value(self, ifd: dict[int, tuple[int, int, int]], tag: int) -> int | None:
        entry = ifd.get(tag)
        values = self.values(entry) if entry else []
        return values[0] if values else None

    def all_ifds(self) -> list[dict[int, tuple[int, int, int]]]:
        """IFD0 and its chain, with SubIFDs (330) and EXIF IFDs (34665) followed; loops are cut."""
        out: list[dict[int, tuple[int, int, int]]] = []
        todo, seen = [self.first], set()
        while todo and len(out) < _MAX_IFDS:
            offset = todo.pop(0)
            if offset in seen or offset <= 0:
                continue
            seen.add(offset)
            try:
                ifd, nxt = self.ifd(offset)
            except (ValueError, struct.error):
                continue
            out.append(ifd)
            todo.append(nxt)
            for tag in (330, 34665):
                if tag in ifd:
                    todo.extend(self.values(ifd[tag]))
        return out


def is_raw_tiff(data: bytes) -> bool:
    """True for a TIFF-structured camera RAW (DNG, NEF, ARW, PEF, ...): its pixels are sensor data,
    and the picture to show is an embedded JPEG preview."""
    try:
        tiff = _Tiff(data)
        ifds = tiff.all_ifds()
    except (ValueError, struct.error):
        return False
    if ifds and _TAG_DNG_VERSION in ifds[0]:
        return True
    return any(tiff.value(ifd, 262) in _TIFF_RAW_PHOTOMETRIC for ifd in ifds)


def raw_preview(data: bytes) -> tuple[bytes, int] | None:
    """The largest embedded baseline JPEG of a TIFF-based RAW file and the file's EXIF orientation
    (1..8), or None when the file has no such preview (or is not TIFF-structured)."""
    if data[:4] in (b"IIRO", b"IIRS", b"MMOR"):  # ORF: a TIFF with its own magic number
        data = data[:2] + (b"*\x00" if data[:2] == b"II" else b"\x00*") + data[4:]
    try:
        tiff = _Tiff(data)
        ifds = tiff.all_ifds()
    except (ValueError, struct.error):
        return None
    orientation = (tiff.value(ifds[0], 0x0112) if ifds else None) or 1
    best: tuple[int, bytes] | None = None
    for ifd in ifds:
        for start, length in _jpeg_spans(tiff, ifd):
            if start <= 0 or length <= 0 or start + length > len(data):
                continue
            jpeg = data[start : start + length]
            size = image_size(jpeg, "jpeg") if jpeg.startswith(b"\xff\xd8\xff") and _is_baseline_jpeg(jpeg) else None
            if size and (best is None or size[0] * size[1] > best[0]):
                best = (size[0] * size[1], jpeg)
    if best is None:
        return None
    return best[1], orientation if 1 <= orientation <= 8 else 1


def _jpeg_spans(tiff: _Tiff, ifd: dict[int, tuple[int, int, int]]) -> list[tuple[int, int]]:
    spans = []
    start, length = tiff.value(ifd, 0x0201), tiff.value(ifd, 0x0202)  # JPEGInterchangeFormat(Length)
    if start and length:
        spans.append((start, length))
    if tiff.value(ifd, 262) not in _TIFF_RAW_PHOTOMETRIC and tiff.value(ifd, 259) in (6, 7):
        offsets, counts = tiff.values(ifd[273]) if 273 in ifd else [], tiff.values(ifd[279]) if 279 in ifd else []
        if len(offsets) == 1 and len(counts) == 1:  # a JPEG preview stored as one strip (DNG, CR2)
            spans.append((offsets[0], counts[0]))
    if 0x002E in ifd:  # Panasonic RW2: JpgFromRaw as an UNDEFINED blob
        typ, n, pos = ifd[0x002E]
        spans.append((pos, n))
    return spans


def jpeg_segments(data: bytes, limit: int | None = None) -> Iterator[tuple[int, int]]:
    """``(marker, position)`` of each JPEG marker segment up to the first scan (its length field is at
    ``position + 2``); stops at a byte that is not a marker, at the start of scan or at the end of image."""
    n = len(data) if limit is None else min(len(data), limit)
    pos = 2
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        yield marker, pos
        if marker in (0xDA, 0xD9):
            return
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        pos += 2 + length


def _is_sof(marker: int) -> bool:
    """SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): the segments that carry the frame size."""
    return 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC)


def _is_baseline_jpeg(data: bytes) -> bool:
    """Baseline/extended/progressive DCT (SOF0-2): what libjpeg decodes. Lossless JPEG (SOF3, the raw
    data of many RAW files) is not."""
    for marker, _ in jpeg_segments(data, 1 << 20):
        if _is_sof(marker):
            return marker in (0xC0, 0xC1, 0xC2)
    return False


def image_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """(width, height) from the header of ``data`` in format ``fmt``, or None if unreadable."""
    try:
        reader = _READERS.get(fmt)
        return reader(data) if reader else None
    except (struct.error, IndexError, ValueError):
        return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    for marker, pos in jpeg_segments(data):
        if _is_sof(marker):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
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


def _isobmff_size(data: bytes) -> tuple[int, int] | None:
    """HEIC/AVIF: the largest ``ispe`` (image spatial extents) property in the metadata; a grid image's
    own extent is the largest, its tiles' are smaller."""
    best: tuple[int, int] | None = None
    pos = data.find(b"ispe", 0, 1 << 20)
    while pos >= 4:
        width, height = struct.unpack(">II", data[pos + 8 : pos + 16])
        if best is None or width * height > best[0] * best[1]:
            best = (width, height)
        pos = data.find(b"ispe", pos + 4, 1 << 20)
    return best


_READERS = {
    "jpeg": _jpeg_size,
    "heic": _isobmff_size,
    "avif": _isobmff_size,
    "png": _png_size,
    "gif": _gif_size,
    "bmp": _bmp_size,
    "webp": _webp_size,
    "tiff": _tiff_size,
}
