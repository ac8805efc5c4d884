"""Photo dates: EXIF DateTimeOriginal read from JPEG/PNG/WebP bytes, else mtime; schema v3 migration."""

from __future__ import annotations

import io
import os
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.exif import write_photo_with_date
from helpers.models import install_colour
from helpers.photos import COLOURS, colour_image, make_colour_folder, write_image

from motis_desktop.core.images.dates import exif_date_taken, photo_date
from motis_desktop.core.images.reader import read_info
from motis_desktop.core.kinds import DateSource, ImageFormat
from motis_desktop.core.library import store as store_module
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.search.photo_table import PhotoTable
from motis_desktop.core.search.query import Query
from motis_desktop.core.services import Services

STAMP = "2021:06:15 14:30:00"
WHEN = time.mktime((2021, 6, 15, 14, 30, 0, 0, 0, -1))


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp"])
def test_exif_date_taken_from_each_format(tmp_path: Path, suffix: str) -> None:
    path = write_photo_with_date(tmp_path / f"p{suffix}", COLOURS["red"], STAMP)
    assert exif_date_taken(path.read_bytes()) == WHEN


def test_no_exif_falls_back_to_mtime(tmp_path: Path) -> None:
    path = write_image(tmp_path / "plain.jpg", colour_image(COLOURS["red"], 32, 32, 0))
    info = read_info(path.read_bytes())
    assert (info.format, info.size, info.taken, info.orientation) == (ImageFormat.JPEG, (32, 32), None, 1)
    assert photo_date(info.taken, 1_600_000_000_000_000_000) == (1_600_000_000.0, DateSource.MTIME)


@pytest.mark.parametrize("suffix", [".jpg", ".png", ".webp"])
def test_one_read_gives_format_size_and_date(tmp_path: Path, suffix: str) -> None:
    info = read_info(write_photo_with_date(tmp_path / f"p{suffix}", COLOURS["red"], STAMP).read_bytes())
    assert info.format == suffix.strip(".").replace("jpg", "jpeg")
    assert info.taken == WHEN
    assert info.size is not None


def test_placeholder_date_is_ignored() -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x8769] = {0x9003: "0000:00:00 00:00:00"}
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=exif)
    assert exif_date_taken(buf.getvalue()) is None


@pytest.mark.parametrize("cut", [20, 40, 60, 80])
def test_truncated_exif_never_raises(tmp_path: Path, cut: int) -> None:
    data = write_photo_with_date(tmp_path / "p.jpg", COLOURS["red"], STAMP).read_bytes()
    assert exif_date_taken(data[:cut]) is None


def _v2_library(db: Path, photos: Path, model_id: str, rng: np.random.Generator) -> dict[int, bytes]:
    """A library database exactly as schema v2 wrote it, with one embedding per photo."""
    conn = sqlite3.connect(db, isolation_level=None)
    for version in (1, 2):
        for statement in store_module._split_sql(store_module._MIGRATIONS[version]):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO folders(id, path, added_at) VALUES (1, ?, 0)", (os.fsencode(str(photos)),))
    vectors: dict[int, bytes] = {}
    for fid, path in enumerate(sorted(p for p in photos.rglob("*") if p.is_file()), start=1):
        st = path.stat()
        conn.execute(
            "INSERT INTO files(id, folder_id, path, size, mtime_ns, content_hash, added_at) "
            "VALUES (?, 1, ?, ?, ?, ?, 0)",
            (fid, os.fsencode(str(path)), st.st_size, st.st_mtime_ns, f"h{fid}"),
        )
        vec = rng.normal(size=512).astype(np.float32)
        vectors[fid] = (vec / np.linalg.norm(vec)).astype(np.float32).tobytes()
        conn.execute(
            "INSERT INTO embeddings(file_id, model_id, vector, seq) VALUES (?, ?, ?, 1)", (fid, model_id, vectors[fid])
        )
    conn.execute("INSERT INTO meta(key, value) VALUES ('version', '1')")
    conn.close()
    return vectors


def test_migration_from_v2_keeps_every_embedding_and_backfills_dates(home: Path, colour_pair, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    make_colour_folder(photos, per_colour=2)
    dated = write_photo_with_date(photos / "dated.jpg", COLOURS["blue"], STAMP)
    services = Services.open(home)
    info = install_colour(services, colour_pair)
    services.close()
    vectors = _v2_library(home / "library.sqlite3", photos, info.model_id, np.random.default_rng(0))

    services = Services.open(home)
    try:
        services.open_library()  # migrates
        conn = sqlite3.connect(home / "library.sqlite3")
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == store_module.SCHEMA_VERSION
            kept = {fid: bytes(blob) for fid, blob in conn.execute("SELECT file_id, vector FROM embeddings")}
        finally:
            conn.close()
        assert kept == vectors
        summary = services.index()
        assert (summary.encoded, summary.unchanged) == (0, len(vectors))  # nothing re-encoded
        fid = next(r.id for r in services.files() if r.path == str(dated))
        assert services.photo_dates([fid])[fid].source == "exif"
        assert services.photo_dates([fid])[fid].taken_at == WHEN
    finally:
        services.close()


def test_undated_rows_fall_back_to_mtime_in_filters(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    path = write_image(photos / "a.png", colour_image(COLOURS["red"], 16, 16, 0))
    os.utime(path, (1_500_000_000, 1_500_000_000))  # 2017
    _v2_library(tmp_path / "lib.sqlite3", photos, "m", np.random.default_rng(1))
    store = LibraryStore(tmp_path / "lib.sqlite3")
    try:
        table = PhotoTable.read(store, "m")
        query = Query(after=time.mktime((2017, 1, 1, 0, 0, 0, 0, 0, -1)), before=1_500_000_001)
        assert table.ids[table.passing(query)].tolist() == [1]
        assert table.ids[table.passing(Query(before=1_400_000_000))].tolist() == []
    finally:
        store.close()
