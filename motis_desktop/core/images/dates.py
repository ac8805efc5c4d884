"""When a photo was taken: EXIF ``DateTimeOriginal`` (else ``DateTimeDigitized``, else ``DateTime``), else the
file's modification time. One rule for the index (timeline, ``after:``/``before:``) and the details panel: each
field is looked for in the EXIF sub-directory, where the standard puts it, then in the main directory (IFD0),
where some tools write it.

The EXIF block is found in the file's container (JPEG APP1, PNG ``eXIf``, WebP ``EXIF`` chunk, or a TIFF
file's own directories) without decoding pixels; Pillow reads its TIFF structure. EXIF times carry no time
zone; they are read as local time, like the dates a query gives.
"""

from __future__ import annotations

import datetime as dt
import logging
import struct
import time
import warnings

from PIL import ExifTags, Image

from motis_desktop.core.images.header import jpeg_segments, sniff_format
from motis_desktop.core.kinds import DateSource, ImageFormat

log = logging.getLogger(__name__)
# Damaged EXIF is common and harmless here (the date falls back to the mtime): Pillow's warnings about it
# would only be noise in the decoder's captured output.
warnings.filterwarnings("ignore", r"(Possibly )?[Cc]orrupt EXIF data|Truncated File Read", UserWarning, "PIL")

ORIENTATION = 0x0112
DATE_FIELDS = (
    (ExifTags.Base.DateTimeOriginal, "DateTimeOriginal"),
    (ExifTags.Base.DateTimeDigitized, "DateTimeDigitized"),
    (ExifTags.Base.DateTime, "DateTime"),
)
_EXIF_ERRORS = (SyntaxError, struct.error, ValueError, IndexError, OSError, EOFError, KeyError, TypeError)


def photo_date(taken: float | None, mtime_ns: int) -> tuple[float, DateSource]:
    """``(unix time, source)``: the EXIF date when there is one, else the file's mtime."""
    if taken is not None:
        return taken, DateSource.EXIF
    return mtime_ns / 1e9, DateSource.MTIME


def read_photo_date(path: str, mtime_ns: int, head_bytes: int = 256 * 1024) -> tuple[float, DateSource]:
    """The date taken, read from the start of a file (where EXIF lives), else its mtime."""
    try:
        with open(path, "rb") as fh:
            return photo_date(exif_date_taken(fh.read(head_bytes)), mtime_ns)
    except OSError:
        return mtime_ns / 1e9, DateSource.MTIME


def exif_date_taken(data: bytes) -> float | None:
    """The EXIF date taken of an image file's bytes as unix time (local), or None if absent or unreadable."""
    return date_taken(read_exif(data, sniff_format(data[:32])))


def read_exif(data: bytes, fmt: ImageFormat | None) -> Image.Exif:
    """The EXIF tags of an image file of format ``fmt`` (empty when it has none or they are damaged)."""
    exif = Image.Exif()
    try:
        block = exif_block(data, fmt)
        if block:
            exif.load(block)
    except (SyntaxError, struct.error, ValueError, IndexError, OSError, EOFError) as exc:
        log.debug("unreadable EXIF: %s", exc)
        return Image.Exif()
    return exif


def date_taken(exif: Image.Exif) -> float | None:
    """The EXIF date taken as unix time (local), or None (see :func:`exif_date`)."""
    found = exif_date(exif)
    return found[0] if found else None


def exif_date(exif: Image.Exif) -> tuple[float, str] | None:
    """``(unix time, field name)`` of the first of ``DATE_FIELDS`` that holds a real date, in the EXIF
    sub-directory or else in IFD0; None when none does."""
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except _EXIF_ERRORS as exc:  # damaged sub-directory: IFD0 may still carry a date
        log.debug("unreadable EXIF sub-directory: %s", exc)
        sub = {}
    for tag, name in DATE_FIELDS:
        for directory in (sub, exif):
            try:
                raw = directory.get(tag)
            except _EXIF_ERRORS:  # a damaged value: the next place may hold a good one
                continue
            when = parse_exif_time(raw) if isinstance(raw, (str, bytes)) else None
            if when is not None:
                return when, name
    return None


def orientation(exif: Image.Exif) -> int:
    """EXIF orientation 1..8 (1 when absent or invalid)."""
    value = exif.get(ORIENTATION)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def exif_block(data: bytes, fmt: ImageFormat | None) -> bytes | None:
    """The TIFF-structured EXIF block inside a file's container (the whole file for a TIFF)."""
    if fmt is ImageFormat.JPEG:
        return _jpeg_exif(data)
    if fmt is ImageFormat.PNG:
        return _chunk(data, 8, b"eXIf", ">I", length_first=True)
    if fmt is ImageFormat.WEBP:
        return _chunk(data, 12, b"EXIF", "<I", length_first=False)
    if fmt is ImageFormat.TIFF:
        return None if data[2:4] in (b"+\x00", b"\x00+") else data  # BigTIFF: Pillow's EXIF reader cannot
    return None


def _jpeg_exif(data: bytes) -> bytes | None:
    for marker, pos in jpeg_segments(data):
        if marker == 0xE1:
            (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
            body = data[pos + 4 : pos + 2 + length]
            if body.startswith(b"Exif\x00\x00"):
                return body[6:]
    return None


def _chunk(data: bytes, pos: int, name: bytes, size_fmt: str, length_first: bool) -> bytes | None:
    """A chunk of a PNG (length, type, data, crc) or RIFF (type, length, data, pad) file."""
    while pos + 8 <= len(data):
        if length_first:
            (length,) = struct.unpack(size_fmt, data[pos : pos + 4])
            kind, start, step = data[pos + 4 : pos + 8], pos + 8, 12 + length
        else:
            kind = data[pos : pos + 4]
            (length,) = struct.unpack(size_fmt, data[pos + 4 : pos + 8])
            start, step = pos + 8, 8 + length + (length & 1)
        if kind == name:
            body = data[start : start + length]
            return body[6:] if body.startswith(b"Exif\x00\x00") else body
        if kind in (b"IDAT", b"IEND"):  # PNG metadata comes before the pixels
            return None
        pos += step
    return None


def parse_exif_time(raw: str | bytes) -> float | None:
    """An EXIF "YYYY:MM:DD HH:MM:SS" (local time, no zone) as unix time; None for placeholders."""
    text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
    try:
        stamp = dt.datetime.strptime(text.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # "0000:00:00 00:00:00" and other placeholders
    try:
        return time.mktime(stamp.timetuple())
    except (OverflowError, ValueError):
        return None
