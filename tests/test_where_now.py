"""Where a photo is now, after a rename or move within the library folders (``Services.where_now``,
``core/library/renames.py``): what the window asks for the search results whose files left their paths."""

from __future__ import annotations

import os
import time
from pathlib import Path

from helpers.watching import write_photos

from motis_desktop.core.services import Services


def _ids(services: Services) -> dict[str, int]:
    return {path: file_id for file_id, path, *_ in services.gallery()}


def test_a_renamed_or_moved_photo_is_found_at_its_new_path_and_a_deleted_one_is_not(
    colour_library: tuple[Services, Path],
) -> None:
    services, photos = colour_library
    ids = _ids(services)
    red, other_red, green = (str(next(photos.glob(name))) for name in ("sub/red_00.*", "red_01.*", "green_01.*"))
    shown = {ids[path]: path for path in (red, other_red, green)}
    seen_at = time.time()
    renamed = os.path.join(os.path.dirname(red), "red_00 holiday.jpg")
    moved = str(photos / "Trips" / "2024" / os.path.basename(other_red))
    os.makedirs(os.path.dirname(moved))
    os.rename(red, renamed)  # renamed in its folder
    os.rename(other_red, moved)  # moved to another folder
    os.remove(green)  # deleted
    summary = services.index(read_text=False)
    assert (summary.renamed, summary.removed) == (2, 1)
    found = services.where_now(shown, seen_at)
    assert [(r.old, r.new, r.moved) for r in found] == [(red, renamed, False), (other_red, moved, True)]
    assert services.where_now({}, seen_at) == []


def test_a_new_photo_that_took_a_deleted_photos_id_is_not_taken_for_it(
    colour_library: tuple[Services, Path],
) -> None:
    """SQLite gives the largest id, freed by a deletion, to the next row: the photo added in the same run as the
    deletion has the deleted photo's id at another path, and is not that photo renamed."""
    services, photos = colour_library
    ids = _ids(services)
    last = max(ids, key=ids.__getitem__)
    seen_at = time.time()
    os.remove(last)
    (added,) = write_photos(photos / "new", "blue", 1)
    services.index(read_text=False)
    assert _ids(services)[str(added)] == ids[last]  # the id was given again: what the guard is for
    assert services.where_now({ids[last]: last}, seen_at) == []
