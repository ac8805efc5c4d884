"""A family adds their whole home folder: the account's application data there (macOS ``~/Library``: app caches,
browser thumbnails, icons; Windows ``AppData``) is left out, and said, in the same words by the command line and
the window; a folder named Library anywhere else is a folder like any other (``core/library/app_data.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.watching import write_photos

from motis_desktop.core.services import Services


def _a_home(folder: Path) -> Path:
    """A home folder as a family has it: photos, a photographer's own "Library", hidden caches, and the OS's app
    data full of small pictures."""
    write_photos(folder / "Pictures", "red", 2)
    write_photos(folder / "Photos" / "Library", "blue", 1)  # a photographer's library: photos
    write_photos(folder / "Library" / "Caches" / "com.apple.Safari", "green", 3)  # macOS app data
    write_photos(folder / "AppData" / "Local" / "Microsoft" / "Windows", "red", 2, start=10)  # Windows app data
    write_photos(folder / ".cache" / "thumbnails", "blue", 2, start=10)  # hidden: left out anywhere already
    return folder


def _library(home: Path) -> list[str]:
    services = Services.open(home)
    try:
        return sorted(str(Path(f.path)) for f in services.files())
    finally:
        services.close()


def test_the_app_data_of_the_users_home_is_left_out_and_said(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = _a_home(tmp_path / "anna")
    monkeypatch.setenv("HOME", str(user))  # Path.home(), as macOS and Linux give it
    out = run_cli("index", "--no-text", str(user), home=colour_home).stdout
    assert f"{user}: left out: AppData, Library (app data)" in out.splitlines()
    assert _library(colour_home) == sorted(
        [str(user / "Photos" / "Library" / "blue_0000.jpg")]
        + [str(user / "Pictures" / f"red_{i:04d}.jpg") for i in range(2)]
    )
    again = run_cli("index", "--no-text", home=colour_home).stdout  # a run that names no folder: not said again
    assert "app data" not in again


def test_a_home_by_its_place_in_users_is_recognised_too(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup of the family's Mac, or every account at once: homes are the folders directly in "Users" (or
    "home"), whatever this process's own home is."""
    monkeypatch.setenv("HOME", str(tmp_path / "someone-else"))
    users = tmp_path / "Backup" / "Users"
    _a_home(users / "anna")
    _a_home(users / "ben")
    summary = json.loads(run_cli("index", "--no-text", "--json", str(users), home=colour_home).stdout)
    assert summary["app_data_left_out"] == {
        str(users): [str(users / who / what) for who in ("anna", "ben") for what in ("AppData", "Library")]
    }
    assert summary["encoded"] + summary["copied"] == 6  # each home's Pictures (2) and Photos/Library (1), alike


def test_a_library_folder_added_itself_is_indexed(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guard: the rule looks only inside the folders added; ~/Library added on purpose is indexed."""
    user = _a_home(tmp_path / "anna")
    monkeypatch.setenv("HOME", str(user))
    out = run_cli("index", "--no-text", str(user / "Library"), home=colour_home).stdout
    assert "left out" not in out
    assert len(_library(colour_home)) == 3


def test_the_watcher_does_not_start_runs_for_changes_in_app_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser's cache in ~/Library changes every few seconds: each change started an indexing run that found
    nothing (the scan leaves it out)."""
    from motis_desktop.core.library.watcher import FolderWatcher

    user = _a_home(tmp_path / "anna")
    monkeypatch.setenv("HOME", str(user))
    watcher = FolderWatcher(lambda _roots: None)
    try:
        root = str(user)
        assert not watcher.relevant(root, str(user / "Library" / "Caches" / "com.apple.Safari" / "new.jpg"))
        assert not watcher.relevant(root, str(user / "AppData" / "Local" / "icon.png"))
        assert watcher.relevant(root, str(user / "Photos" / "Library" / "new.jpg"))
        assert watcher.relevant(root, str(user / "Pictures" / "new.jpg"))
    finally:
        watcher.stop()
