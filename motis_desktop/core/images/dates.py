"""When a photo was taken: EXIF ``DateTimeOriginal``, else the file's modification time.

EXIF is read straight from the file's bytes (JPEG APP1, PNG ``eXIf``, WebP
``EXIF`` chunk, or a TIFF file's own IFDs) without decoding pixels. EXIF times
carry no time zone; they are read as local time, like the dates a query gives.
"""

from __future__ import annotations

import datetime as dt
import struct
import time

from motis_desktop.core.images.header import jpeg_segments, sniff_format

EXIF_IFD_POINTER = 0x8769
DATE_TIME_ORIGINAL = 0x9003
_MAX_ENTRIES = 1000  # a damaged IFD must not make us loop for long


def photo_date(data: bytes, mtime_ns: int) -> tuple[float, str]:
    """``(unix time, source)`` with source "exif" or "mtime"."""
    taken = exif_date_taken(data)
    if taken is not None:
        return taken, "exif"
    return mtime_ns / 1e9, "mtime"


def read_photo_date(path: str, mtime_ns: int, head_bytes: int = 256 * 1024) -> tuple[float, str]:
    """The date taken, read from the start of a file (where EXIF lives), else its mtime."""
    try:
        with open(path, "rb") as fh:
            return photo_date(fh.read(head_bytes), mtime_ns)
    except OSError:
        return mtime_ns / 1e9, "mtime"


def exif_date_taken(data: bytes) -> float | None:
    """``DateTimeOriginal`` as unix time (local), or None if absent or unreadable."""
    try:
        tiff = _exif_block(data)
        raw = _date_time_original(tiff) if tiff else None
    except (struct.error, IndexError, ValueError):
        return None
    return _parse_exif_time(raw) if raw else None


def _exif_block(data: bytes) -> bytes | None:
    fmt = sniff_format(data[:16])
    if fmt == "jpeg":
        return _jpeg_exif(data)
    if fmt == "png":
        return _chunk(data, 8, b"eXIf", ">I", length_first=True)
    if fmt == "webp":
        return _chunk(data, 12, b"EXIF", "<I", length_first=False)
    if fmt == "tiff":
        return data
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


def _date_time_original(tiff: bytes) -> bytes | None:
    endian = {b"II": "<", b"MM": ">"}.get(tiff[:2])
    if endian is None:
        return None
    (ifd0,) = struct.unpack(endian + "I", tiff[4:8])
    exif_ifd = _entry(tiff, endian, ifd0, EXIF_IFD_POINTER)
    if exif_ifd is None:
        return None
    (offset,) = struct.unpack(endian + "I", exif_ifd[8:12])
    entry = _entry(tiff, endian, offset, DATE_TIME_ORIGINAL)
    if entry is None:
        return None
    typ, count = struct.unpack(endian + "HI", entry[2:8])
    if typ != 2 or count < 19:  # ASCII "YYYY:MM:DD HH:MM:SS\0"
        return None
    (where,) = struct.unpack(endian + "I", entry[8:12])
    return tiff[where : where + 19]


def _entry(tiff: bytes, endian: str, ifd: int, tag: int) -> bytes | None:
    (count,) = struct.unpack(endian + "H", tiff[ifd : ifd + 2])
    for i in range(min(count, _MAX_ENTRIES)):
        entry = tiff[ifd + 2 + 12 * i : ifd + 14 + 12 * i]
        if len(entry) < 12:
            return None
        if struct.unpack(endian + "H", entry[:2])[0] == tag:
            return entry
    return None


def _parse_exif_time(raw: bytes) -> float | None:
    try:
        stamp = dt.datetime.strptime(raw.decode("ascii").strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except (UnicodeDecodeError, ValueError):
        return None  # "0000:00:00 00:00:00" and other placeholders
    try:
        return time.mktime(stamp.timetuple())
    except (OverflowError, ValueError):
        return None
