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

import io
import struct
from collections.abc import Callable, Iterator

from PIL.TiffImagePlugin import ImageFileDirectory_v2

from motis_desktop.core.kinds import ImageFormat

F = ImageFormat
# Formats OpenCV decodes for us.
DECODABLE = frozenset({F.JPEG, F.PNG, F.GIF, F.BMP, F.WEBP, F.TIFF})
# Formats decoded through optional libraries (see decode.py): libheif, Pillow's AVIF plugin, embedded previews.
EXTRA = frozenset({F.HEIC, F.AVIF, F.RAW})

_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1")
_TIFF_RAW_PHOTOMETRIC = (32803, 34892)  # CFA, LinearRaw: sensor data, never decoded as a picture
_TAG_DNG_VERSION = 0xC612


def sniff_format(head: bytes) -> ImageFormat | None:
    """Image format from the first 16+ bytes of a file, or None if not an image."""
    if head.startswith(b"\xff\xd8\xff"):
        return F.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return F.PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return F.GIF
    if head.startswith(b"BM") and len(head) >= 14:
        return F.BMP
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return F.WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return F.RAW if head[8:10] == b"CR" else F.TIFF  # Canon CR2; other TIFF RAWs: see is_raw_tiff
    if head[:4] in (b"II+\x00", b"MM\x00+") and head[4:8] in (b"\x08\x00\x00\x00", b"\x00\x08\x00\x00"):
        return F.TIFF  # BigTIFF: 8-byte offsets
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00") or head.startswith(b"FUJIFILMCCD-RAW"):
        return F.RAW  # Olympus ORF, Panasonic RW2, Fujifilm RAF
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"crx ":
            return F.RAW  # Canon CR3
        if brand in (b"avif", b"avis"):
            return F.AVIF
        if brand in _HEIF_BRANDS:
            return F.HEIC
    return None


# -- TIFF structures (TIFF images and TIFF-based RAW files), read by Pillow ------------------------

_MAX_IFDS = 64
_SUB_IFDS, _EXIF_IFD = 330, 34665
Ifd = ImageFileDirectory_v2


def tiff_ifds(data: bytes) -> list[Ifd]:
    """IFD0 of a TIFF structure and its chain, with SubIFDs (330) and the EXIF IFD (34665) followed; loops
    are cut and damaged IFDs skipped. Pillow reads each directory; [] when ``data`` is not a TIFF."""
    if data[:4] in (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00"):  # ORF, RW2: TIFFs with their own magic number
        data = data[:2] + (b"*\x00" if data[:2] == b"II" else b"\x00*") + data[4:]
    if data[2:4] in (b"+\x00", b"\x00+"):
        return []  # BigTIFF: not a camera RAW layout (and Pillow misreads its big-endian header)
    header = data[:8]
    try:
        first = Ifd(ifh=header).next
    except (SyntaxError, struct.error, ValueError):
        return []
    fp = io.BytesIO(data)
    out: list[Ifd] = []
    todo, seen = [first], set()
    while todo and len(out) < _MAX_IFDS:
        offset = todo.pop(0)
        if not isinstance(offset, int) or offset in seen or not 0 < offset < len(data):
            continue
        seen.add(offset)
        ifd = Ifd(ifh=header)
        try:
            fp.seek(offset)
            ifd.load(fp)
        except (SyntaxError, struct.error, ValueError, OSError, EOFError):
            continue
        out.append(ifd)
        todo.append(ifd.next)
        for tag in (_SUB_IFDS, _EXIF_IFD):
            todo.extend(_ints(ifd.get(tag)))
    return out


def _ints(value: object) -> list[int]:
    """A tag's value as a list of ints (Pillow gives one value as a scalar, several as a tuple)."""
    values = value if isinstance(value, tuple) else (value,)
    return [v for v in values if isinstance(v, int)]


def _first_int(ifd: Ifd, tag: int) -> int | None:
    values = _ints(ifd.get(tag))
    return values[0] if values else None


def is_raw_tiff(data: bytes) -> bool:
    """True for a TIFF-structured camera RAW (DNG, NEF, ARW, PEF, ...): its pixels are sensor data,
    and the picture to show is an embedded JPEG preview."""
    ifds = tiff_ifds(data)
    if ifds and _TAG_DNG_VERSION in ifds[0]:
        return True
    return any(_first_int(ifd, 262) in _TIFF_RAW_PHOTOMETRIC for ifd in ifds)


def raw_preview(data: bytes) -> tuple[bytes, int] | None:
    """The largest embedded baseline JPEG of a TIFF-based RAW file and the file's EXIF orientation
    (1..8), or None when the file has no such preview (or is not TIFF-structured). Finding the preview
    is ours (Pillow does not decode RAW files); Pillow reads the directories."""
    ifds = tiff_ifds(data)
    orientation = (_first_int(ifds[0], 0x0112) if ifds else None) or 1
    best: tuple[int, bytes] | None = None
    for ifd in ifds:
        for jpeg in _jpeg_candidates(data, ifd):
            size = image_size(jpeg, F.JPEG) if jpeg.startswith(b"\xff\xd8\xff") and _is_baseline_jpeg(jpeg) else None
            if size and (best is None or size[0] * size[1] > best[0]):
                best = (size[0] * size[1], jpeg)
    if best is None:
        return None
    return best[1], orientation if 1 <= orientation <= 8 else 1


def _jpeg_candidates(data: bytes, ifd: Ifd) -> list[bytes]:
    spans = []
    start, length = _first_int(ifd, 0x0201), _first_int(ifd, 0x0202)  # JPEGInterchangeFormat(Length)
    if start and length:
        spans.append((start, length))
    if _first_int(ifd, 262) not in _TIFF_RAW_PHOTOMETRIC and _first_int(ifd, 259) in (6, 7):
        offsets, counts = _ints(ifd.get(273)), _ints(ifd.get(279))
        if len(offsets) == 1 and len(counts) == 1:  # a JPEG preview stored as one strip (DNG, CR2)
            spans.append((offsets[0], counts[0]))
    found = [data[a : a + n] for a, n in spans if a > 0 and n > 0 and a + n <= len(data)]
    blob = ifd.get(0x002E)  # Panasonic RW2: JpgFromRaw as an UNDEFINED blob
    if isinstance(blob, bytes):
        found.append(blob)
    return found


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


def image_size(data: bytes, fmt: ImageFormat) -> tuple[int, int] | None:
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


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    """Size from IFD0 of a classic TIFF (Pillow reads the directory) or a BigTIFF."""
    if data[2:4] in (b"+\x00", b"\x00+"):
        return _bigtiff_size(data)
    ifds = tiff_ifds(data)
    width, height = (_first_int(ifds[0], 256), _first_int(ifds[0], 257)) if ifds else (None, None)
    return (width, height) if width and height else None


def _bigtiff_size(data: bytes) -> tuple[int, int] | None:
    """ImageWidth/ImageLength of a BigTIFF's IFD0 (u64 offsets, 20-byte entries). Hand-written because
    Pillow (13.0) misreads big-endian BigTIFF headers ("MM\\0+": it tests the wrong byte for 43)."""
    endian = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack(endian + "Q", data[8:16])
    (count,) = struct.unpack(endian + "Q", data[ifd : ifd + 8])
    found: dict[int, int] = {}
    for i in range(min(count, 4096)):
        entry = ifd + 8 + 20 * i
        tag, typ = struct.unpack(endian + "HH", data[entry : entry + 4])
        code = {3: "H", 4: "I", 16: "Q"}.get(typ)  # SHORT, LONG, LONG8
        if tag in (256, 257) and code:
            (found[tag],) = struct.unpack(endian + code, data[entry + 12 : entry + 12 + struct.calcsize(code)])
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


_READERS: dict[ImageFormat, Callable[[bytes], tuple[int, int] | None]] = {
    F.JPEG: _jpeg_size,
    F.HEIC: _isobmff_size,
    F.AVIF: _isobmff_size,
    F.PNG: _png_size,
    F.GIF: _gif_size,
    F.BMP: _bmp_size,
    F.WEBP: _webp_size,
    F.TIFF: _tiff_size,
}
