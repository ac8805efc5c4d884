"""The seventh QA walk's command-line findings: ``models demo`` on a new home, the folders' state in ``status
--json``, a subfolder that cannot be opened, and scripting rough edges (search's usage, ``"score": null``, names
with control characters, what ``watch`` counts as "could not read")."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.cli import cli_json, import_colour_model, run_cli
from helpers.users import NOBODY, as_root, give_to, run_as_other_user, shared_tmpdir
from helpers.watching import write_photos
from test_library_moves import _Watching

# 2. 'models demo' makes a missing home, as 'models import' and 'download' do ----------------------------------------


def test_models_demo_starts_a_library_in_a_new_home_given_by_option_or_variable(tmp_path: Path) -> None:
    """QA: ``motis --home NEW models demo`` said "no library at NEW"; the next error pointed back at it."""
    by_option = tmp_path / "new" / "home"
    said = run_cli("--home", str(by_option), "models", "demo")
    assert "installed the demo model 'colour-demo'" in said.stdout
    by_variable = tmp_path / "other"
    run_cli("models", "demo", home=by_variable)
    for home in (by_option, by_variable):
        listed = json.loads(run_cli("models", "list", "--json", home=home).stdout)
        assert [(m["name"], m["active"]) for m in listed] == [("colour-demo", True)]


# 3. 'status --json' says which folder is offline ----------------------------------------------------------------------


def test_status_json_says_whether_each_folder_is_online(colour_library, colour_home: Path, tmp_path: Path) -> None:
    """QA: the plain ``status`` said "offline: its photos are kept"; ``--json`` had the same entry either way."""
    _, photos = colour_library
    card = tmp_path / "card"
    write_photos(card, "red", 2)
    run_cli("index", str(card), home=colour_home)
    card.rename(tmp_path / "card-away")  # unplugged
    folders = cli_json("status", "--json", home=colour_home)["folders"]  # type: ignore[index]
    assert [(f["path"], f["files"], f["online"]) for f in folders] == [(str(card), 2, False), (str(photos), 12, True)]
    assert "offline: its photos are kept" in run_cli("status", home=colour_home).stdout


# 5. A subfolder that cannot be opened any more ------------------------------------------------------------------------


@pytest.fixture
def locked_library(colour_pair) -> Iterator[tuple[Path, Path]]:
    """A library of 3 photos, one of them in ``Photos/Locked``, indexed; then Locked is made unreadable (mode 000)
    and the home is given to the user the commands run as (root reads anything: as root they run as 'nobody')."""
    shared = shared_tmpdir("motis-locked-")
    home, photos = shared / "home", shared / "Photos"
    write_photos(photos, "blue", 2)
    write_photos(photos / "Locked", "red", 1)
    for folder in (photos, photos / "Locked"):
        folder.chmod(0o755)
    import_colour_model(colour_pair, home)
    run_cli("index", "--no-text", str(photos), home=home)
    for dirpath, _, names in os.walk(home):  # the library is the other user's now (it indexes, remembers)
        for name in [dirpath, *(os.path.join(dirpath, n) for n in names)]:
            if as_root():
                give_to(Path(name), NOBODY)
    (photos / "Locked").chmod(0)
    yield home, photos
    (photos / "Locked").chmod(0o755)
    shutil.rmtree(shared, ignore_errors=True)


def _motis(home: Path, *args: str) -> tuple[str, str]:
    proc = run_as_other_user(["--home", str(home), *args], cwd=home)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def test_a_subfolder_that_cannot_be_opened_is_said_like_an_offline_folder(locked_library) -> None:
    """QA: its photo counted as indexed in ``status`` and dropped out of every search without a word;
    ``folder:Locked`` said only "no photo passes the filters"."""
    home, photos = locked_library
    out, _ = _motis(home, "index")
    assert f"skipped {photos / 'Locked'}: cannot list folder: permission denied" in out  # the scan says it (as before)
    words = "Photos/Locked cannot be opened (permission denied): its 1 photo is left out"
    out, err = _motis(home, "search", "folder:Locked")
    assert out.startswith("no photo passes the filters: folder:Locked")
    assert f"motis: note: {words}\n" in err
    out, err = _motis(home, "search", "after:1900", "--all")
    assert len(out.splitlines()) == 2 and f"motis: note: {words}\n" in err
    out, _ = _motis(home, "status")
    assert f"    {words} of searches\n" in out
    status = json.loads(_motis(home, "status", "--json")[0])
    assert status["folders"] == [
        {
            "path": str(photos),
            "files": 3,
            "online": True,
            "cannot_open": [{"path": str(photos / "Locked"), "reason": "permission denied", "photos": 1}],
        }
    ]


def test_a_search_limited_to_some_folders_says_only_what_concerns_them(locked_library) -> None:
    """``folder:Locked`` with another library folder offline also said that folder was offline, though the search
    looked in Locked alone; ``folder:Disk`` said Locked's words. A search of every folder still says both."""
    home, photos = locked_library
    disk = photos.parent / "Disk"
    write_photos(disk, "green", 2)
    disk.chmod(0o755)
    run_cli("index", "--no-text", str(disk), home=home)
    for dirpath, _, names in os.walk(home):  # the library is the other user's again
        for name in [dirpath, *(os.path.join(dirpath, n) for n in names)]:
            if as_root():
                give_to(Path(name), NOBODY)
    _motis(home, "index")  # as that user: the scan finds Locked shut (encoding nothing)
    words = "Photos/Locked cannot be opened (permission denied): its 1 photo is left out"
    out, err = _motis(home, "search", "folder:Disk", "--all")
    assert len(out.splitlines()) == 2 and "motis: note" not in err, err  # was Locked's words
    disk.rename(photos.parent / "Disk away")  # unplugged
    out, err = _motis(home, "search", "folder:Locked")
    assert out.startswith("no photo passes the filters: folder:Locked")
    assert err == f"motis: note: {words}\n", err  # was also "photos left out: … Disk … offline"
    out, err = _motis(home, "search", "after:1900", "--all")
    assert len(out.splitlines()) == 2 and f"motis: note: {words}\n" in err and "offline" in err, err


# 8. Scripting rough edges ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", [[], [""], ["  "]])
def test_search_without_a_query_prints_the_usage_of_search(query: list[str]) -> None:
    """QA: ``motis search`` and ``motis search ''`` printed motis's own usage (``-k 0`` already got search's)."""
    proc = run_cli("search", *query, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: motis search "), proc.stderr
    assert "search needs a query" in proc.stderr.splitlines()[-1]


def test_search_json_has_no_score_for_a_list_of_filters_alone(colour_library, colour_home: Path) -> None:
    """QA: ``--json`` gave ``"score": 0.0`` where the plain output prints "-" (no score)."""
    listed = cli_json("search", "after:1900", "--all", "--json", home=colour_home)
    assert len(listed) == 12 and all(hit["score"] is None for hit in listed)  # type: ignore[index,arg-type]
    plain = run_cli("search", "after:1900", "--all", home=colour_home).stdout.splitlines()
    assert all(line.split()[0] == "-" for line in plain)
    ranked = cli_json("search", "red", "--json", home=colour_home)
    assert ranked and all(isinstance(hit["score"], float) for hit in ranked)  # type: ignore[index,union-attr]


def test_search_help_says_json_gives_names_with_control_characters_exactly() -> None:
    """QA: a newline in a name prints as ``\\n`` (one line a photo); help now says where the exact name is."""
    out = " ".join(run_cli("search", "--help").stdout.split())
    assert "control character in its name prints as \\n, \\t, \\xNN (one line a photo): --json gives the exact" in out


def test_motis_watch_does_not_count_links_among_the_files_it_could_not_read(
    colour_library, colour_home: Path, tmp_path: Path
) -> None:
    """QA: "6 files that earlier runs could not read are still skipped": three were links the scan never reads."""
    _, photos = colour_library
    (photos / "notes.jpg").write_text("not a photo")
    (photos / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")  # dangling
    (photos / "loop").symlink_to(photos / "loop")
    run_cli("index", home=colour_home)  # earlier runs: one file unreadable, two links left out
    watching = _Watching(colour_home)
    try:
        assert watching.summary().startswith("encoded 0,"), "".join(watching.said)
        assert watching.line() == "1 file that earlier runs could not read is still skipped", "".join(watching.said)
        assert watching.line() == "2 items were left out by the scan (broken links, link loops)", "".join(watching.said)
    finally:
        watching.close()
