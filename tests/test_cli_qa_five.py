"""The fifth QA walk: the app's own data folder inside a library folder, folder: by a part of its name, plain
words for a bad date and for files a decoder cannot read, one vocabulary with the window, ``motis watch`` lines."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers.cli import run_cli
from helpers.watching import write_photos

from motis_desktop.core.services import Services

# 1. The home inside a library folder (finding 1) ------------------------------------------------------------------


def test_a_home_inside_a_library_folder_is_not_indexed(colour_home: Path, tmp_path: Path) -> None:
    """QA: with --home under a library folder the window indexed its own thumbnail cache, and each run made
    thumbnails of the thumbnails the last run had indexed."""
    photos = tmp_path / "Pictures"
    write_photos(photos, "red", 3)
    home = photos / "MoTIS data"
    shutil.copytree(colour_home, home)
    write_photos(home / "cache" / "thumbnails", "blue", 2)  # what the window's cache holds
    services = Services.open(home)
    try:
        services.add_folders([str(photos)])
        summary = services.index(read_text=False)
        assert summary.encoded == 3
        assert sorted(Path(f.path).name for f in services.files()) == [f"red_{i:04d}.jpg" for i in range(3)]
        assert summary.own_folder_in == [str(photos)]
        assert services.index(read_text=False).encoded == 0  # and the next run finds nothing new there either
    finally:
        services.close()


def test_photos_of_the_home_an_older_version_indexed_leave_the_library(colour_home: Path, tmp_path: Path) -> None:
    """An older version indexed the home's thumbnails; the next run takes them out, and ``motis index FOLDER`` says
    in plain words why that folder's data folder is left out (once: not on a run that names no folder)."""
    photos = tmp_path / "Pictures"
    write_photos(photos, "red", 3)
    write_photos(photos / "appdata" / "cache", "blue", 2)
    services = Services.open(colour_home)
    services.add_folders([str(photos)])
    assert services.index(read_text=False).encoded == 5
    services.close()
    home = photos / "appdata"
    shutil.copytree(colour_home, home, dirs_exist_ok=True)  # that library, its home now inside the folder

    out = run_cli("index", "--no-text", str(photos), home=home).stdout
    assert "removed 2" in out
    assert f"{photos}: MoTIS's own data folder inside it is left out" in out.splitlines()
    again = run_cli("index", "--no-text", home=home).stdout
    assert "own data folder" not in again
    services = Services.open(home)
    try:
        assert sorted(Path(f.path).name for f in services.files()) == [f"red_{i:04d}.jpg" for i in range(3)]
    finally:
        services.close()
