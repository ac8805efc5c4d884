"""The sixth QA walk: a folder removed while another process indexes it, ``motis index`` against a held index
lock, one plain layout for ``motis search``, smaller CLI roughnesses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run_cli, run_cli_process
from helpers.watching import write_photos

from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.ocr.text_store import TextStore
from motis_desktop.core.services import Services

# 1. A folder removed while another process indexes it (finding 1) ------------------------------------------------


def _library_with(home: Path, photos: Path) -> None:
    services = Services.open(home)
    try:
        services.add_folders([str(photos)])
    finally:
        services.close()


def _remove_from_another_process(home: Path, photos: Path, when: list[str]) -> None:
    """Run ``motis folders remove PHOTOS`` in a subprocess now (``when`` records that it ran)."""
    proc = run_cli_process("folders", "remove", str(photos), home=home)
    when.append(proc.stdout)


def test_a_folder_removed_by_another_process_while_encoding_does_not_kill_the_run(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: "internal error: IntegrityError: FOREIGN KEY constraint failed" when ``motis folders remove`` ran in a
    terminal while ``motis index`` (or the window) encoded that folder: the batch in flight committed vectors for
    rows the other process had deleted. The removal wins and the run goes on."""
    photos = tmp_path / "Big"
    write_photos(photos, "red", 6)
    _library_with(colour_home, photos)
    removed: list[str] = []
    real_commit = LibraryStore.commit_batch

    def commit_after_a_removal(self: LibraryStore, *args: Any, **kwargs: Any) -> int:
        if not removed and args[1]:  # the first batch of vectors: the other process removes the folder first
            _remove_from_another_process(colour_home, photos, removed)
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(LibraryStore, "commit_batch", commit_after_a_removal)
    result = run_cli("index", "--no-text", home=colour_home, check=False)
    assert removed and "forgot" in removed[0]
    assert "internal error" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert "encoded 0" in result.stdout  # the photos that left the library are not counted
    status = run_cli("status", "--json", home=colour_home).stdout
    assert '"files": 0' in status


def test_the_text_stage_stops_reading_photos_whose_folder_left_the_library(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: after Settings ▸ Remove from library during indexing the window went on "Reading text in photos" for the
    800 photos it had just forgotten. The stage drops them at its next batch."""
    photos = tmp_path / "Big"
    write_photos(photos, "blue", 20)
    _library_with(colour_home, photos)
    run_cli("index", "--no-text", home=colour_home)
    removed: list[str] = []
    real_save = TextStore.save

    def save_after_a_removal(self: TextStore, *args: Any, **kwargs: Any) -> int:
        if not removed:  # the first batch of 8 read: the other process removes the folder before it is saved
            _remove_from_another_process(colour_home, photos, removed)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(TextStore, "save", save_after_a_removal)
    monkeypatch.setenv("MOTIS_READ_TEXT", "1")
    result = run_cli("index", home=colour_home, check=False)
    assert removed
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr
    assert "read the text of 20 photos" not in result.stdout
    assert "read the text of 8 photos" in result.stdout  # the batch read before the removal; no more
