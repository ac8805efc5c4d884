"""What the details panel shows about one photo: when it was taken (and from which field), camera, lens,
exposure, pixel size, file size, GPS position. The file is read once by the one image reader
(``images/reader.py``: header size, EXIF through Pillow), without decoding pixels."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from motis_desktop.core.images.dates import exif_date
from motis_desktop.core.images.reader import read_info
from motis_desktop.core.images.sizes import read_upright_size
from motis_desktop.core.kinds import ImageFormat

log = logging.getLogger(__name__)

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
MAKE, MODEL = 0x010F, 0x0110
EXPOSURE_TIME, F_NUMBER, ISO, FOCAL_LENGTH, LENS_MODEL = 0x829A, 0x829D, 0x8827, 0x920A, 0xA434


@dataclass(frozen=True)
class PhotoDetails:
    """One photo's facts; fields the file does not carry are None."""

    path: str
    file_bytes: int
    taken_at: float  # unix time
    date_source: str  # "DateTimeOriginal", "DateTimeDigitized", "DateTime" or "file time"
    width: int | None = None  # as the photo is shown: turned by its EXIF orientation, as the viewer shows it
    height: int | None = None
    camera: str | None = None
    lens: str | None = None
    exposure: str | None = None  # e.g. "1/250 s · f/2.8 · ISO 100 · 35 mm"
    gps: tuple[float, float] | None = None  # (latitude, longitude), degrees


def read_details(path: str) -> PhotoDetails:
    """The photo's details (OSError if the file cannot be read; unreadable EXIF just leaves fields empty)."""
    st = os.stat(path)
    with open(path, "rb") as fh:
        info = read_info(fh.read())
    upright = read_upright_size(path) if info.format is ImageFormat.HEIC else info.upright_size  # HEIC: its irot
    width, height = upright if upright else (None, None)
    exif: dict[int, object] = dict(info.exif)
    sub: dict[int, object] = {}
    gps: dict[int, object] = {}
    try:
        sub, gps = dict(info.exif.get_ifd(EXIF_IFD)), dict(info.exif.get_ifd(GPS_IFD))
    except Exception as exc:  # Pillow raises many kinds on damaged EXIF: the panel shows what it can
        log.debug("no EXIF sub-directories in %s: %s", path, exc)
    taken, source = exif_date(info.exif) or (st.st_mtime, "file time")  # the index's rule (images/dates.py)
    return PhotoDetails(
        path=path,
        file_bytes=st.st_size,
        taken_at=taken,
        date_source=source,
        width=width,
        height=height,
        camera=_camera(exif),
        lens=_text(sub.get(LENS_MODEL)),
        exposure=_exposure(sub),
        gps=_gps(gps),
    )


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.strip("\x00 ").strip()
        return value or None
    return None


def _camera(exif: dict[int, object]) -> str | None:
    make, model = _text(exif.get(MAKE)), _text(exif.get(MODEL))
    if make and model and model.lower().startswith(make.lower()):
        return model  # "Canon Canon EOS R5" → "Canon EOS R5"
    return " ".join(p for p in (make, model) if p) or None


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]  # IFDRational, int, float
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _exposure(sub: dict[int, object]) -> str | None:
    parts = []
    t = _number(sub.get(EXPOSURE_TIME))
    if t:
        parts.append(f"1/{round(1 / t)} s" if t < 1 else f"{t:g} s")
    f = _number(sub.get(F_NUMBER))
    if f:
        parts.append(f"f/{f:g}")
    iso = sub.get(ISO)
    if isinstance(iso, tuple):
        iso = iso[0] if iso else None
    if isinstance(iso, int) and iso:
        parts.append(f"ISO {iso}")
    focal = _number(sub.get(FOCAL_LENGTH))
    if focal:
        parts.append(f"{focal:g} mm")
    return " · ".join(parts) or None


def _gps(gps: dict[int, object]) -> tuple[float, float] | None:
    def degrees(value: object, ref: object, negative: str) -> float | None:
        if not isinstance(value, tuple) or len(value) != 3:
            return None
        d, m, s = (_number(v) for v in value)
        if d is None or m is None or s is None:
            return None
        sign = -1 if _text(ref) == negative else 1
        return sign * (d + m / 60 + s / 3600)

    lat = degrees(gps.get(2), gps.get(1), "S")
    lon = degrees(gps.get(4), gps.get(3), "W")
    return (lat, lon) if lat is not None and lon is not None else None
