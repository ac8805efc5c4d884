"""Lists by date and folder/date filters (``search/photo_table.py``): their order, what they count, and that a
session sees the library's changes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.photos import COLOURS, colour_image, write_image

from motis_desktop.core.services import Services

DAY = 86_400.0
NOON = time.mktime((2023, 11, 14, 12, 0, 0, 0, 0, -1))  # local noon: no EXIF date, so the file time is the date


def _photo(folder: Path, name: str, colour: str, when: float, seed: int) -> Path:
    path = write_image(folder / name, colour_image(COLOURS[colour], 64, 48, seed))
    os.utime(path, (when, when))
    return path


@pytest.fixture
def services(home: Path, colour_pair, tmp_path: Path):
    """Five photos: ``Trips/Rome`` b, a, c of one day (made in that order), ``Trips/rome-2`` d a day later,
    ``home`` e two days later."""
    photos = tmp_path / "photos"
    for n, name in enumerate(("b.jpg", "a.jpg", "c.jpg")):
        _photo(photos / "Trips" / "Rome", name, "red", NOON, n)
    _photo(photos / "Trips" / "rome-2", "d.jpg", "blue", NOON + DAY, 3)
    _photo(photos / "home", "e.jpg", "green", NOON + 2 * DAY, 4)
    opened = Services.open(home)
    install_colour(opened, colour_pair)
    opened.add_folders([str(photos)])
    opened.index(read_text=False)
    yield opened
    opened.close()


def _names(result) -> list[str]:
    return [Path(h.path).name for h in result.hits]


def test_sort_by_date_lists_newest_first_and_one_day_by_name(services: Services) -> None:
    result = services.query("sort:date", limit=4)
    assert _names(result) == ["e.jpg", "d.jpg", "a.jpg", "b.jpg"]
    assert (result.candidates, result.more) == (5, 1)


def test_a_folder_filter_matches_a_folder_name_at_any_depth_in_any_case(services: Services) -> None:
    assert _names(services.query("folder:rome")) == ["a.jpg", "b.jpg", "c.jpg"]
    assert _names(services.query("folder:TRIPS")) == ["d.jpg", "a.jpg", "b.jpg", "c.jpg"]
    assert _names(services.query("folder:trips before:2023-11-15")) == ["a.jpg", "b.jpg", "c.jpg"]
    assert _names(services.query("after:2023-11-15")) == ["e.jpg", "d.jpg"]


def test_a_photo_gone_from_disk_is_neither_listed_nor_counted(services: Services, tmp_path: Path) -> None:
    (tmp_path / "photos" / "Trips" / "rome-2" / "d.jpg").unlink()  # not scanned again yet
    result = services.query("sort:date", limit=2)
    assert _names(result) == ["e.jpg", "a.jpg"]
    assert (result.candidates, result.more) == (4, 2)


def test_photos_indexed_during_a_session_are_listed_and_filtered(services: Services, tmp_path: Path) -> None:
    assert _names(services.query("folder:rome-2")) == ["d.jpg"]
    _photo(tmp_path / "photos" / "Trips" / "rome-2", "f.jpg", "blue", NOON + 3 * DAY, 5)
    services.index(read_text=False)
    assert _names(services.query("folder:rome-2")) == ["f.jpg", "d.jpg"]
    assert _names(services.query("sort:date", limit=1)) == ["f.jpg"]


def test_text_read_in_photos_leaves_the_photo_lists_as_they_were_read(services: Services) -> None:
    # The folder and date filters read the photos once per photos' version (180-370 ms at 100k): text read in the
    # photos (hours of writes at 100k) made every filtered query after each batch read them again.
    from motis_desktop.core.library.store import LibraryStore
    from motis_desktop.core.ocr.text_store import TextRead, TextStore
    from motis_desktop.core.paths import AppPaths

    assert _names(services.query("folder:rome-2")) == ["d.jpg"]
    store = LibraryStore(AppPaths(services.home).library_db)
    try:
        version, photos = store.version(), store.photos_version()
        file_id, size, mtime_ns = store.select("SELECT id, size, mtime_ns FROM files ORDER BY id LIMIT 1")[0]
        TextStore(store).save([TextRead(file_id, size, mtime_ns)], "test-engine")
        assert store.version() > version  # what reads the text sees the write
        assert store.photos_version() == photos
    finally:
        store.close()
    assert _names(services.query("folder:rome-2")) == ["d.jpg"]


def test_a_photo_moved_to_another_folder_is_filtered_by_its_new_folder(services: Services, tmp_path: Path) -> None:
    # After a write that touched photos, only the photos it changed are read again (a whole read: 3 s at 1M):
    # a move keeps the photo's vector, so its row's change must be seen on its own.
    assert _names(services.query("folder:home")) == ["e.jpg"]
    photos = tmp_path / "photos"
    (photos / "Trips" / "Rome" / "a.jpg").rename(photos / "home" / "a.jpg")
    report = services.index(read_text=False)
    assert (report.encoded, report.renamed) == (0, 1)  # the same photo, its vector kept
    assert _names(services.query("folder:home")) == ["e.jpg", "a.jpg"]
    assert _names(services.query("folder:rome")) == ["b.jpg", "c.jpg"]


def test_a_photo_removed_and_one_added_in_one_run_are_counted_as_they_are(services: Services, tmp_path: Path) -> None:
    assert services.query("sort:date").candidates == 5
    (tmp_path / "photos" / "Trips" / "rome-2" / "d.jpg").unlink()
    _photo(tmp_path / "photos" / "home", "f.jpg", "blue", NOON - DAY, 5)
    services.index(read_text=False)
    result = services.query("sort:date")
    assert _names(result) == ["e.jpg", "a.jpg", "b.jpg", "c.jpg", "f.jpg"]
    assert result.candidates == 5


# A list of filters alone shows one file per content (copies), the one a word search shows: the lead's note after
# copies3 found the newest copy listed (a backup made later is newer) and a listed file deleted since the scan gone.


def _backed_up(photos: Path, keep_times: bool) -> Path:
    """``Backup/Rome``: a copy of ``Trips/Rome`` (the same bytes), its files' times kept or three days newer."""
    backup = photos / "Backup" / "Rome"
    backup.mkdir(parents=True)
    for original in (photos / "Trips" / "Rome").iterdir():
        copy = backup / original.name
        copy.write_bytes(original.read_bytes())
        when = original.stat().st_mtime if keep_times else NOON + 3 * DAY
        os.utime(copy, (when, when))
    return backup


def test_a_list_shows_a_copied_photo_at_the_file_a_search_shows_or_in_the_folder_named(
    services: Services, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    _backed_up(photos, keep_times=False)
    assert services.index(read_text=False).copied == 3
    searched = {h.path for h in services.query("red", limit=3, cutoff=False).hits}
    assert searched == {str(photos / "Trips" / "Rome" / name) for name in ("a.jpg", "b.jpg", "c.jpg")}
    listed = services.query("sort:date")
    assert [str(Path(h.path).relative_to(photos)) for h in listed.hits] == [
        "home/e.jpg",
        "Trips/rome-2/d.jpg",
        "Trips/Rome/a.jpg",
        "Trips/Rome/b.jpg",
        "Trips/Rome/c.jpg",
    ]
    assert listed.candidates == 5 and listed.hits[2].also_at == (str(photos / "Backup" / "Rome" / "a.jpg"),)
    backup = services.query("folder:Backup")
    assert [str(Path(h.path).relative_to(photos)) for h in backup.hits] == [
        "Backup/Rome/a.jpg",
        "Backup/Rome/b.jpg",
        "Backup/Rome/c.jpg",
    ]


def test_a_listed_photo_deleted_since_the_last_scan_is_shown_at_a_copy_on_disk(
    services: Services, tmp_path: Path
) -> None:
    photos = tmp_path / "photos"
    _backed_up(photos, keep_times=True)
    assert services.index(read_text=False).copied == 3
    (photos / "Trips" / "Rome" / "a.jpg").unlink()  # no scan since: its copy in Backup/Rome is there
    listed = services.query("sort:date")
    assert [str(Path(h.path).relative_to(photos)) for h in listed.hits] == [
        "home/e.jpg",
        "Trips/rome-2/d.jpg",
        "Backup/Rome/a.jpg",
        "Trips/Rome/b.jpg",
        "Trips/Rome/c.jpg",
    ]
    assert listed.candidates == 5 and listed.hits[2].also_at == ()
    trips = services.query("folder:Trips")  # no copy of a.jpg in Trips: left out, not counted
    assert _names(trips) == ["d.jpg", "b.jpg", "c.jpg"] and trips.candidates == 3
