"""The sixth QA walk, library findings: a touched photo (new time, same bytes) is not encoded again (finding 5)."""

from __future__ import annotations

import io
import os
import threading
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.models import drive_and_local_with_other_model, install_colour

from motis_desktop.cli.main import main
from motis_desktop.core.services import Progress, ProgressPhase, Services

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


def test_hashing_touched_photos_is_reported_as_progress_and_can_be_cancelled(
    colour_library: tuple[Services, Path],
) -> None:
    """The lead's note on finding 5: a library synced without its times (thousands of files, same sizes, new times) is
    hashed in the scan, which showed no progress meanwhile ("Scanning folders 1/1…" for minutes). The check reports
    its own progress, from 0 to every file, and Cancel stops it as before: nothing is stored, the next run checks."""
    services, photos = colour_library
    touched = sorted(p for p in photos.rglob("*") if p.is_file())[:5]
    for path in touched:
        _touch(path)
    checks: list[Progress] = []

    def cancel_at_start(p: Progress) -> None:
        if p.phase is ProgressPhase.CHECK:
            checks.append(p)
            cancel.set()

    cancel = threading.Event()
    stopped = services.index(read_text=False, progress=cancel_at_start, cancel=cancel)
    assert stopped.cancelled and [(p.done, p.total) for p in checks] == [(0, 5)]
    assert {f.path: f.mtime_ns for f in services.files()}[str(touched[0])] != touched[0].stat().st_mtime_ns  # kept
    checks.clear()
    done = services.index(
        read_text=False, progress=lambda p: checks.append(p) if p.phase is ProgressPhase.CHECK else None
    )
    assert (done.encoded, done.unchanged) == (0, 12)
    assert (checks[0].done, checks[-1].done) == (0, 5) and {p.total for p in checks} == {5}
    assert checks[-1].rate > 0 and checks[-1].eta_s == 0


def test_motis_index_on_a_terminal_shows_the_check_of_touched_photos(
    colour_library: tuple[Services, Path], colour_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The progress line of `motis index` on a terminal says the check, as it says the scan and the encoding."""
    _services, photos = colour_library
    for path in sorted(p for p in photos.rglob("*") if p.is_file())[:3]:
        _touch(path)
    terminal, out = _Terminal(), io.StringIO()
    monkeypatch.setenv("MOTIS_HOME", str(colour_home))
    with redirect_stdout(out), redirect_stderr(terminal):
        assert main(["index", "--no-text"]) == 0
    assert "checking 3 changed files… 100 % " in terminal.getvalue()
    assert "encoded 0, unchanged 12" in out.getvalue()


class _Terminal(io.StringIO):
    """A terminal's stderr: the progress line is drawn there."""

    def isatty(self) -> bool:
        return True


# 2. A new model while a folder is offline (finding 3) -----------------------------------------------------------


def test_an_offline_folder_keeps_its_photos_through_a_model_switch(
    colour_home: Path, colour_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    """QA: a new model made active while a drive was unplugged: `motis index` said the drive was offline, its photos
    kept, and that it "went away during indexing", and its 23 photos left the library ("removed"); on replug
    "encoded 23" was followed by "23 photos back in the library were already indexed before". They stay, shown as
    offline, and are encoded with the new model when the drive is back."""
    drive = drive_and_local_with_other_model(colour_home, colour_pair, tmp_path)
    drive.rename(tmp_path / "G6-away")  # unplugged
    services = Services.open(colour_home)
    try:
        services.use_model("other")  # made active as the import over the demo did: nothing encoded for it yet
    finally:
        services.close()

    out = run_cli("index", "--no-text", home=colour_home).stdout
    assert f"{drive}: offline (unplugged or moved?), its photos are kept" in out
    assert "went away" not in out
    status = run_cli("status", home=colour_home).stdout
    assert "12 files" in status and "removed" not in status
    assert f"{drive}  (6 files, offline: its photos are kept)" in status

    (tmp_path / "G6-away").rename(drive)  # back
    out = run_cli("index", "--no-text", home=colour_home).stdout
    assert "encoded 6, unchanged 6" in out
    assert "already indexed before" not in out


def test_photos_back_after_a_model_switch_are_said_encoded_not_already_indexed(
    colour_library: tuple[Services, Path], colour_home: Path, colour_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    """QA: photos that left the library and came back after a new model was made active: "encoded 23" was followed
    by "23 photos back in the library were already indexed before" (they had kept the old model's vectors only)."""
    services, photos = colour_library
    (photos / "sub").rename(tmp_path / "sub-away")
    assert services.index(read_text=False).removed == 6
    install_colour(services, colour_pair, name="other")
    services.use_model("other")
    assert services.index(read_text=False).encoded == 6
    (tmp_path / "sub-away").rename(photos / "sub")
    out = run_cli("index", "--no-text", home=colour_home).stdout
    assert "encoded 6, unchanged 6" in out
    assert "already indexed before" not in out


# 3. The library's own folder renamed, then added again (finding 2) ---------------------------------------------


def test_a_renamed_library_folder_added_again_replaces_the_old_one(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: `mv Pictures Photos`, `motis index Photos`: 688 "photos" for 344, each live and as an offline tile, and
    "1 folder offline" for good. The old folder's photos now live in the new one, said once, nothing encoded."""
    services, photos = colour_library
    services.close()
    moved = tmp_path / "Photos"
    photos.rename(moved)
    out = run_cli("index", "--no-text", str(moved), home=colour_home).stdout
    assert "photos seems to have moved to Photos: its 12 photos now live there" in out
    assert "encoded 0, unchanged 12" in out
    assert "offline" not in out and "copies" not in out
    status = run_cli("status", home=colour_home).stdout
    assert "12 files, 12 indexed" in status
    assert str(photos) not in status and f"{moved}  (12 files)" in status
    hits = run_cli("search", "red", "-k", "2", home=colour_home)
    assert hits.returncode == 0 and "offline" not in hits.stderr
    shown = [line.split()[2] for line in hits.stdout.splitlines()]
    assert len(shown) == 2 and all(path.startswith(f"{moved}/") for path in shown)


def test_a_model_switch_while_a_folder_is_offline_completes(
    colour_home: Path, colour_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    """`motis models use other` while a drive is unplugged: its photos kept (not read, so not dropped), the switch
    still takes over once the photos within reach are encoded; the drive's are encoded with it when it is back."""
    drive = drive_and_local_with_other_model(colour_home, colour_pair, tmp_path)
    drive.rename(tmp_path / "G6-away")
    run_cli("models", "use", "other", home=colour_home)
    status = run_cli("status", home=colour_home).stdout
    assert "model:   other" in status and "12 files, 6 indexed" in status
    (tmp_path / "G6-away").rename(drive)
    assert "encoded 6, unchanged 6" in run_cli("index", "--no-text", home=colour_home).stdout
