"""The sixth QA walk, library findings: a touched photo (new time, same bytes) is not encoded again (finding 5)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.cli import run_cli

from motis_desktop.core.services import Services

# 1. Same bytes, new time (finding 5) ---------------------------------------------------------------------------


def _touch(path: Path, seconds: int = 60) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 10**9))


def _edit_keeping_size(path: Path) -> None:
    """Change bytes of a JPEG without changing its size (its JFIF pixel density: it still decodes), and its time."""
    data = bytearray(path.read_bytes())
    assert data[6:11] == b"JFIF\0"
    data[14:18] = b"\x01\x2c\x01\x2c" if data[14:18] != b"\x01\x2c\x01\x2c" else b"\x00\x48\x00\x48"
    path.write_bytes(bytes(data))
    _touch(path)


def test_a_touched_photo_is_not_encoded_again_an_edit_of_the_same_size_is(
    colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """QA: `touch` on 25 photos (bytes unchanged) made `motis index` say "encoded 25" and read their text again: the
    indexer compared (size, mtime) only. Same size, new time: the file is hashed; same bytes, only the time is
    stored. A real edit that keeps the size is still encoded."""
    services, photos = colour_library
    jpegs = sorted(photos.rglob("*.jpg"))
    touched, edited = jpegs[:2], jpegs[2]
    for path in touched:
        _touch(path)
    _edit_keeping_size(edited)

    out = run_cli("index", "--no-text", home=colour_home).stdout
    assert "encoded 1, unchanged 11" in out
    again = services.index(read_text=False)
    assert (again.encoded, again.unchanged) == (0, 12)  # the new times were stored
    stored = {f.path: f.mtime_ns for f in services.files()}
    assert all(stored[str(p)] == p.stat().st_mtime_ns for p in [*touched, edited])


def test_the_text_of_a_touched_photo_is_not_read_again(
    station_library: tuple[Services, Path], colour_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: after `touch`, `motis index` said "read the text of 25 photos" for photos whose bytes had not changed."""
    services, photos = station_library
    monkeypatch.setenv("MOTIS_READ_TEXT", "1")  # the user's default (the tests' is off)
    _touch(photos / "trip" / "station.jpg")
    out = run_cli("index", home=colour_home).stdout
    assert "encoded 0, unchanged 1" in out
    assert "read the text" not in out
    assert "Platform 9" in run_cli("text", str(photos / "trip" / "station.jpg"), home=colour_home).stdout
