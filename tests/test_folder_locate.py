"""``motis folders move OLD NEW``: the user says where an offline library folder went (QA walk 6, finding 2's
leftover), and what an indexing run says of an offline folder's photos after a model switch (finding 3's) and of
photos dropped because their folder was removed meanwhile."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run_cli, run_cli_process
from helpers.models import drive_and_local_with_other_model
from helpers.photos import make_colour_folder
from helpers.watching import write_photos

from motis_desktop.core.library import folder_locate
from motis_desktop.core.library.locking import IndexLock
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.services import Services


def _edit_keeping_size(path: Path) -> None:
    """New bytes of the same size in a JPEG (its JFIF pixel density: it still decodes), and a new time."""
    data = bytearray(path.read_bytes())
    assert data[6:11] == b"JFIF\0"
    data[14:18] = b"\x01\x2c\x01\x2c" if data[14:18] != b"\x01\x2c\x01\x2c" else b"\x00\x48\x00\x48"
    stat = path.stat()
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 60 * 10**9))


def _status(home: Path) -> dict[str, Any]:
    return dict(json.loads(run_cli("status", "--json", home=home).stdout))


def test_folders_move_takes_the_photos_found_and_says_how_many_were_not_there(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: a renamed library folder stayed offline for good, its photos grey, with no way to say where it went. Of
    its 12 photos, 9 are at the new place (2 deleted on the way, 1 edited: same size, new bytes and time), which
    holds 1 new photo too: the 9 move over without being encoded again, the 3 leave the library (remembered), the
    new one and the edited one are indexed by the next run."""
    services, photos = colour_library
    services.close()
    moved = tmp_path / "Photos"
    photos.rename(moved)
    jpegs = sorted(moved.rglob("*.jpg"))
    for path in jpegs[:2]:
        path.unlink()
    _edit_keeping_size(jpegs[2])
    write_photos(moved / "new", "red", 1, start=99)

    out = run_cli("folders", "move", str(photos), str(moved), home=colour_home).stdout
    assert f"moved 9 of 12 photos to {moved}; 3 were not there" in out
    assert f"2 more photos in {moved}: 'motis index' indexes them" in out
    status = _status(colour_home)
    assert status["folders"] == [{"path": str(moved), "files": 9, "online": True, "cannot_open": []}]
    assert (status["files"], status["indexed"], status["gone_photos"]) == (9, 9, 3)
    assert "encoded 2, unchanged 9" in run_cli("index", "--no-text", home=colour_home).stdout
    hits = run_cli("search", "red", "-k", "3", home=colour_home)
    assert "offline" not in hits.stderr
    assert all(line.split()[2].startswith(f"{moved}/") for line in hits.stdout.splitlines() if line[:1] != " ")


def test_folders_move_json_and_a_whole_move_that_reads_no_photo(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder moved whole (same sizes and times below it): every photo moves, none is read to be hashed (a drive of
    100k photos mounted elsewhere is not read whole)."""
    services, photos = colour_library
    services.close()
    moved = tmp_path / "elsewhere" / "Pictures"
    moved.parent.mkdir()
    photos.rename(moved)
    hashed: list[str] = []
    monkeypatch.setattr(folder_locate, "_digest", lambda path: hashed.append(path))
    out = run_cli("folders", "move", "--json", str(photos), str(moved), home=colour_home).stdout
    assert json.loads(out) == {"from": str(photos), "to": str(moved), "photos": 12, "moved": 12, "others": 0}
    assert hashed == []
    assert "encoded 0, unchanged 12" in run_cli("index", "--no-text", home=colour_home).stdout


@pytest.mark.parametrize(
    "case",
    ["not in the library", "still there", "no such folder", "inside a library folder", "none of its photos"],
)
def test_folders_move_refuses_and_changes_nothing(
    case: str, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """Each refusal is one line on stderr, exit 1, as the other ``folders`` commands, and the library is as it was."""
    services, photos = colour_library
    other = tmp_path / "other"
    make_colour_folder(other, per_colour=1, seed=50)
    services.add_folders([str(other)])
    services.close()
    old, new = str(photos), str(tmp_path / "Photos")
    if case == "still there":
        shutil.copytree(photos, new)
    else:
        photos.rename(new)
    if case == "not in the library":
        old = str(tmp_path / "Elsewhere")
    elif case == "no such folder":
        new = str(tmp_path / "Fotos")
    elif case == "inside a library folder":
        shutil.move(new, other / "Photos")
        new = str(other / "Photos")
    elif case == "none of its photos":
        shutil.rmtree(new)
        make_colour_folder(Path(new), per_colour=1, seed=70)
    before = _status(colour_home)
    result = run_cli("folders", "move", old, new, home=colour_home, check=False)
    said = {
        "not in the library": f"{old} is not a library folder",
        "still there": f"{old} is not offline: its photos are there",
        "no such folder": f"not a folder: {new}",
        "inside a library folder": f"{new} lies in the library folder {other} already: nothing was changed",
        "none of its photos": f"none of the 12 photos of {old} is in {new} at the same place below it",
    }[case]
    assert result.returncode == 1
    assert result.stderr.startswith("motis: error: ") and said in result.stderr
    assert _status(colour_home) == before


def test_folders_move_usage_error_exits_2(colour_home: Path) -> None:
    result = run_cli("folders", "move", "/only/one", home=colour_home, check=False)
    assert result.returncode == 2 and "usage: motis folders move" in result.stderr


def test_folders_move_while_another_process_indexes_changes_nothing(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """As ``motis index``: while another run holds the library, nothing is changed and the line says to try again
    or add --wait."""
    services, photos = colour_library
    services.close()
    moved = tmp_path / "Photos"
    photos.rename(moved)
    before = _status(colour_home)
    with IndexLock(colour_home / "index.lock"):  # what another process's run holds
        result = run_cli("folders", "move", str(photos), str(moved), home=colour_home, check=False)
    assert result.returncode == 1
    assert "is updating this library; nothing was changed: run this again when it has finished" in result.stderr
    assert "--wait" in result.stderr
    assert _status(colour_home) == before


# An offline folder's photos after a model switch (finding 3) ----------------------------------------------------


def test_a_switch_while_a_drive_is_unplugged_says_its_photos_wait_for_the_model(
    colour_home: Path, colour_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    """QA: "23 photos on an unplugged drive will be indexed with real1 when it is back" was said nowhere: the user
    saw only "offline, its photos are kept" while they had no vector of the new model. Said by the switch and by
    the index report, once each, in the core's words."""
    drive = drive_and_local_with_other_model(colour_home, colour_pair, tmp_path)
    drive.rename(tmp_path / "G6-away")
    words = "6 photos on an unplugged drive will be indexed with other when it is back"
    used = run_cli("models", "use", "other", home=colour_home).stdout
    assert used.count(words) == 1
    out = run_cli("index", "--no-text", home=colour_home).stdout
    said = f"{drive}: offline (unplugged or moved?), its photos are kept; 6 will be indexed with other when it is back"
    assert out.count(said) == 1 and out.count("will be indexed") == 1  # one line (lead's note): not one a folder
    (tmp_path / "G6-away").rename(drive)
    assert "will be indexed" not in run_cli("index", "--no-text", home=colour_home).stdout


# Photos dropped because their folder was removed meanwhile ------------------------------------------------------


def test_photos_dropped_by_a_folder_removed_meanwhile_are_counted(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last session made the run skip the rows of a folder another process removed, uncounted: "encoded 0" and
    nothing about the 6 photos it had read. Now the report says so."""
    photos = tmp_path / "Big"
    write_photos(photos, "red", 6)
    services = Services.open(colour_home)
    services.add_folders([str(photos)])
    services.close()
    removed: list[str] = []
    real_commit = LibraryStore.commit_batch

    def commit_after_a_removal(self: LibraryStore, *args: Any, **kwargs: Any) -> int:
        if not removed and args[1]:  # the first batch of vectors: another process removes the folder first
            removed.append(run_cli_process("folders", "remove", str(photos), home=colour_home).stdout)
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(LibraryStore, "commit_batch", commit_after_a_removal)
    out = run_cli("index", "--no-text", home=colour_home).stdout
    assert removed
    assert "encoded 0" in out
    assert "a folder was removed meanwhile: 6 photos dropped" in out


def test_new_photos_dropped_at_the_scan_by_a_folder_removed_meanwhile_are_counted(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same when the removal lands between the scan and its commit: the scan's new rows are dropped, counted."""
    photos = tmp_path / "Big"
    write_photos(photos, "blue", 4)
    services = Services.open(colour_home)
    services.add_folders([str(photos)])
    services.close()
    real_apply = LibraryStore.apply_scan

    def apply_after_a_removal(self: LibraryStore, *args: Any, **kwargs: Any) -> Any:
        self.remove_folder(str(photos))  # as another process would, on its own connection: same rows
        return real_apply(self, *args, **kwargs)

    monkeypatch.setattr(LibraryStore, "apply_scan", apply_after_a_removal)
    summary = json.loads(run_cli("index", "--no-text", "--json", home=colour_home).stdout)
    assert (summary["encoded"], summary["dropped"]) == (0, 4)


def test_folders_move_whose_lock_is_taken_after_the_look_changes_nothing(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run that starts between the command's look at the lock and the move: the move itself refuses, in the
    same words, and the library is as it was."""
    services, photos = colour_library
    services.close()
    moved = tmp_path / "Photos"
    photos.rename(moved)
    before = _status(colour_home)
    monkeypatch.setattr(Services, "index_busy", lambda _self: None)  # the look saw it free
    with IndexLock(colour_home / "index.lock"):
        result = run_cli("folders", "move", str(photos), str(moved), home=colour_home, check=False)
    assert result.returncode == 1
    assert "is updating this library; nothing was changed: run this again when it has finished" in result.stderr
    assert _status(colour_home) == before
