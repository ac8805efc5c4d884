"""Forgetting now the photos that left the library folders (``library/gone.py`` keeps what they gave for 30 days,
the text read in them included): the core's door, and ``motis folders forget-removed``.

The text is looked for in the library's database files themselves (read-only), as someone reading them would: the
app shows a gone photo nowhere, so no entry point can say whether its text is still kept."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from helpers.cli import run_cli, run_cli_process

from motis_desktop.core.services import Services


def _texts_kept(home: Path) -> list[str]:
    """The text kept of photos that left the library (JSON), read from the database file."""
    conn = sqlite3.connect((home / "library.sqlite3").resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return [row[0] or "" for row in conn.execute("SELECT text FROM gone")]
    finally:
        conn.close()


def _on_disk(home: Path) -> bytes:
    """The bytes of the library's database files (the database, its write-ahead log)."""
    return b"".join(path.read_bytes() for path in sorted(home.glob("library.sqlite3*")))


def test_a_photo_deleted_on_disk_is_forgotten_now_and_read_again_when_it_comes_back(
    station_library: tuple[Services, Path], colour_home: Path
) -> None:
    services, photos = station_library
    photo = photos / "trip" / "station.jpg"
    kept_bytes = photo.read_bytes()
    photo.unlink()  # e.g. a scan of a private letter, deleted
    assert services.index(read_text=True).removed == 1
    assert services.gone_photos() == 1
    assert any("Platform 9" in text for text in _texts_kept(colour_home))
    assert _on_disk(colour_home).count(b"Platform 9") > 0

    assert services.forget_gone_photos() == 1
    assert services.gone_photos() == 0
    assert not any("Platform 9" in text for text in _texts_kept(colour_home))
    assert _on_disk(colour_home).count(b"Platform 9") == 0  # nor in the files' bytes, the library still open
    assert _on_disk(colour_home).count(b"platform") == 0  # nor its words in the text search's index
    assert services.forget_gone_photos() == 0  # nothing left to forget

    photo.write_bytes(kept_bytes)  # the same file back: read again, as a photo never seen
    summary = services.index(read_text=True)
    assert (summary.encoded, summary.returned, summary.text_read) == (1, 0, 1)
    assert [h.path for h in services.query('text:"platform 9"', cutoff=False).hits] == [str(photo)]


def test_motis_folders_forget_removed_forgets_them_and_says_how_many(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    _, photos = colour_library
    (photos / "sub").rename(tmp_path / "away")  # 6 photos leave the library folders
    run_cli("index", home=colour_home)
    status = run_cli("status", home=colour_home).stdout
    assert "removed: 6 photos that left the folders, remembered for 30 days" in status
    assert run_cli("status", "--json", home=colour_home).stdout.count('"gone_photos": 6') == 1

    forgot = run_cli_process("folders", "forget-removed", home=colour_home)  # the real command
    assert forgot.stdout == "Forgot 6 photos removed from the library folders.\n"
    again = run_cli("folders", "forget-removed", home=colour_home)
    assert again.stdout.startswith("Nothing to forget: ")
    assert again.stdout.count("\n") == 1

    (tmp_path / "away").rename(photos / "sub")  # back: encoded again, nothing was kept
    out = run_cli("index", home=colour_home).stdout
    assert "encoded 6," in out and "back" not in out


def test_motis_folders_forget_removed_is_described_in_its_help() -> None:
    help_text = " ".join(run_cli("folders", "forget-removed", "--help").stdout.split())
    assert "30 days" in help_text and "the text read in it" in help_text
    assert "forget-removed" in run_cli("folders", "--help").stdout


def test_a_removed_folder_leaves_no_word_of_its_photos_in_the_library_files(
    station_library: tuple[Services, Path], colour_home: Path
) -> None:
    """Removing a folder forgets its photos at once: the text read in them and their names leave the full-text
    indexes too (SQLite keeps a deleted row's words there until its segments merge)."""
    services, photos = station_library
    assert _on_disk(colour_home).count(b"platform") > 0 and _on_disk(colour_home).count(b"station") > 0
    assert services.remove_folder(str(photos)) == 1
    assert _on_disk(colour_home).count(b"platform") == 0
    assert _on_disk(colour_home).count(b"station") == 0
