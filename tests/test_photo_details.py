"""Photo details from EXIF (Pillow): the date taken and which field it came from, camera, lens, exposure, GPS."""

from __future__ import annotations

import os
import time
from fractions import Fraction
from pathlib import Path

from helpers.photos import colour_image
from PIL import Image, TiffImagePlugin

from motis_desktop.core.services import Services


def _photo(path: Path, base: dict[int, object], sub: dict[int, object], gps: dict[int, object] | None = None) -> str:
    exif = Image.Exif()
    for tag, value in base.items():
        exif[tag] = value
    if sub:
        exif[0x8769] = sub
    if gps:
        exif[0x8825] = gps
    Image.fromarray(colour_image((200, 30, 30), 120, 80, 0)).save(path, exif=exif)
    return str(path)


def _r(x: float) -> TiffImagePlugin.IFDRational:
    f = Fraction(x).limit_denominator(10_000)
    return TiffImagePlugin.IFDRational(f.numerator, f.denominator)


def test_details_of_a_camera_photo(home: Path, tmp_path: Path) -> None:
    path = _photo(
        tmp_path / "cam.jpg",
        {0x010F: "Canon", 0x0110: "Canon EOS R5", 0x0132: "2020:01:01 00:00:00"},
        {
            0x9003: "2021:08:15 12:30:00",
            0x9004: "2021:08:15 12:31:00",
            0x829A: _r(1 / 250),
            0x829D: _r(2.8),
            0x8827: 100,
            0x920A: _r(35),
            0xA434: "RF 35mm F1.8",
        },
        {1: "N", 2: (_r(48), _r(51), _r(29.88)), 3: "W", 4: (_r(2), _r(17), _r(40.2))},
    )
    services = Services.open(home)
    d = services.photo_details(path)
    services.close()
    assert (d.date_source, time.strftime("%Y-%m-%d %H:%M", time.localtime(d.taken_at))) == (
        "DateTimeOriginal",
        "2021-08-15 12:30",
    )
    assert d.camera == "Canon EOS R5" and d.lens == "RF 35mm F1.8"
    assert d.exposure == "1/250 s · f/2.8 · ISO 100 · 35 mm"
    assert (d.width, d.height, d.file_bytes) == (120, 80, os.path.getsize(path))
    assert d.gps is not None and abs(d.gps[0] - 48.8583) < 1e-3 and abs(d.gps[1] + 2.2945) < 1e-3


def test_date_falls_back_digitized_then_datetime_then_file_time(home: Path, tmp_path: Path) -> None:
    services = Services.open(home)
    digitized = services.photo_details(
        _photo(tmp_path / "a.jpg", {0x0132: "2019:01:01 00:00:00"}, {0x9004: "2020:02:02 10:00:00"})
    )
    changed = services.photo_details(_photo(tmp_path / "b.jpg", {0x0132: "2019:01:01 00:00:00"}, {}))
    placeholder = services.photo_details(_photo(tmp_path / "c.jpg", {0x0132: "0000:00:00 00:00:00"}, {}))
    services.close()
    assert digitized.date_source == "DateTimeDigitized"
    assert time.localtime(digitized.taken_at).tm_year == 2020
    assert changed.date_source == "DateTime" and time.localtime(changed.taken_at).tm_year == 2019
    assert placeholder.date_source == "file time"
    assert placeholder.taken_at == os.stat(tmp_path / "c.jpg").st_mtime
    assert placeholder.camera is None and placeholder.gps is None and placeholder.exposure is None


def test_a_turned_photo_s_size_is_as_shown(home: Path, tmp_path: Path) -> None:
    """Stored 120x80 with EXIF orientation 6 (turned a quarter to show): 80 wide, 120 high, as the viewer and the
    timeline show it (Details said 120 × 80)."""
    path = _photo(tmp_path / "turned.jpg", {0x0112: 6}, {})
    services = Services.open(home)
    d = services.photo_details(path)
    services.close()
    assert (d.width, d.height) == (80, 120)
