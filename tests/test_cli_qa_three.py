"""The third QA walk of the command line as a new user: a date in IFD0 that the details panel showed and the
index did not, broken links said again on every run, an empty folder indexed in silence, and wording."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.cli import import_colour_model, run_cli
from helpers.photos import COLOURS, colour_image, make_colour_folder
from helpers.watching import write_photos
from PIL import ExifTags, Image

from motis_desktop.core.services import Services

# 1. One rule for the date taken --------------------------------------------------------------------------------


def _photo_with_date_in_ifd0(path: Path, stamp: str) -> Path:
    """A JPEG whose ``DateTimeOriginal`` sits in IFD0 (some tools write it there, not in the EXIF sub-IFD)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    exif[ExifTags.Base.DateTimeOriginal] = stamp
    Image.fromarray(colour_image(COLOURS["red"], 64, 48, 3)).save(path, exif=exif)
    file_time = time.mktime((2024, 1, 2, 3, 4, 5, 0, 0, -1))
    os.utime(path, (file_time, file_time))
    return path


def test_a_date_taken_in_ifd0_is_the_date_for_index_search_and_details(tmp_path: Path, colour_pair) -> None:
    """QA: Details said "Taken 2019-05-04 10:11, EXIF DateTimeOriginal" while the timeline, ``after:`` and
    ``motis search --json`` ("date_source": "mtime") used the file's time: two readers of EXIF disagreed."""
    home = tmp_path / "home"
    import_colour_model(colour_pair, home, "colour")
    photo = _photo_with_date_in_ifd0(tmp_path / "photos" / "ifd0.jpg", "2019:05:04 10:11:12")
    run_cli("index", str(tmp_path / "photos"), home=home)
    hits = json.loads(run_cli("search", "after:2019-05 before:2019-06", "--json", home=home).stdout)
    assert [(h["path"], h["date"], h["date_source"]) for h in hits] == [(str(photo), "2019-05-04T10:11:12", "exif")]
    services = Services.open(home)
    details = services.photo_details(str(photo))
    services.close()
    assert (details.date_source, details.taken_at) == (
        "DateTimeOriginal",
        time.mktime((2019, 5, 4, 10, 11, 12, 0, 0, -1)),
    )


# 2. Broken links said once ---------------------------------------------------------------------------------------


def test_broken_links_and_link_loops_are_news_once_then_still_skipped(tmp_path: Path, colour_pair) -> None:
    """QA: ``motis index`` and ``motis watch`` said "skipped …/link_to_blue.jpg: broken symbolic link" as new on
    every run ("skipped_new": 2 each time), while a file a decoder could not read is "still skipped" after once."""
    home = tmp_path / "home"
    import_colour_model(colour_pair, home, "colour")
    photos = tmp_path / "photos"
    write_photos(photos, "blue", 1)
    broken, loop = photos / "link_to_blue.jpg", photos / "selfloop.jpg"
    broken.symlink_to(photos / "gone.jpg")
    loop.symlink_to(loop)
    first = run_cli("index", str(photos), home=home).stdout.splitlines()
    assert f"  skipped {broken}: broken symbolic link" in first and f"  skipped {loop}: symbolic link loop" in first
    again = run_cli("index", str(photos), home=home).stdout.splitlines()
    assert again[0].startswith("encoded 0, unchanged 1 (")
    assert f"  still skipped {broken}: broken symbolic link" in again
    assert f"  still skipped {loop}: symbolic link loop" in again
    summary = json.loads(run_cli("index", "--json", home=home).stdout)
    assert summary["skipped_new"] == 0 and len(summary["skipped"]) == 2
    loop.unlink()  # fixed: no longer said; broken the same way again later, it is news again
    assert json.loads(run_cli("index", "--json", home=home).stdout)["skipped_new"] == 0
    loop.symlink_to(loop)
    assert json.loads(run_cli("index", "--json", home=home).stdout)["skipped_new"] == 1


# 3. An empty folder ----------------------------------------------------------------------------------------------


def test_indexing_a_folder_without_photos_says_so(tmp_path: Path, colour_pair) -> None:
    """QA: ``motis index /tmp/emptydir`` printed only "encoded 0, …" (the JSON had "empty_folders"); the window
    says "no photos found in …"."""
    home = tmp_path / "home"
    import_colour_model(colour_pair, home, "colour")
    empty, photos = tmp_path / "emptydir", tmp_path / "photos"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a photo\n")
    write_photos(photos, "red", 1)
    lines = run_cli("index", str(empty), str(photos), home=home).stdout.splitlines()
    assert f"no photos found in {empty}" in lines
    assert not any(str(photos) in line for line in lines)
    assert f"no photos found in {empty}" not in run_cli("index", str(photos), home=home).stdout  # not named
    assert f"no photos found in {empty}" in run_cli("index", home=home).stdout.splitlines()  # every folder


# 4. A query image that does not exist -----------------------------------------------------------------------------


def test_a_query_image_that_does_not_exist_says_no_such_file(tmp_path: Path, colour_pair) -> None:
    """QA: ``motis search --image /tmp/nope.jpg`` said "cannot use as a query image (file vanished before it could
    be read)": it never existed."""
    home = tmp_path / "home"
    import_colour_model(colour_pair, home, "colour")
    run_cli("index", str(write_photos(tmp_path / "photos", "red", 1)[0].parent), home=home)
    missing = tmp_path / "nope.jpg"
    proc = run_cli("search", "--image", str(missing), home=home, check=False)
    assert (proc.returncode, proc.stderr) == (1, f"motis: error: no such file: {missing}\n")
    missing.symlink_to(tmp_path / "gone.jpg")
    proc = run_cli("search", "--image", str(missing), home=home, check=False)
    assert (proc.returncode, proc.stderr) == (1, f"motis: error: broken symbolic link: {missing}\n")


# 8. One case for the system's reasons -----------------------------------------------------------------------------

_SCAN_AS_USER = (
    "import json, sys\n"
    "from motis_desktop.core.services import Services\n"
    "services = Services.open(sys.argv[1])\n"
    "services.add_folders([sys.argv[2]])\n"
    "print(json.dumps([[s.path, s.reason] for s in services.scan().skipped]))\n"
    "services.close()\n"
)


def test_a_folder_that_cannot_be_listed_says_permission_denied_in_lower_case() -> None:
    """QA: "cannot list folder: Permission denied" (the C library's words) beside "permission denied" elsewhere.
    Root lists anything, so as root the scan runs in a child process that has dropped to 'nobody'."""
    root = Path(tempfile.mkdtemp(prefix="motis-perm-"))
    try:
        root.chmod(0o777)
        home, photos = root / "home", root / "photos"
        home.mkdir()
        home.chmod(0o777)
        (photos / "locked").mkdir(parents=True)
        write_photos(photos, "red", 1)
        (photos / "locked").chmod(0)
        command = [sys.executable, "-c", _SCAN_AS_USER, str(home), str(photos)]
        if os.geteuid() == 0:
            assert shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root for this check"
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "MOTIS_HOME": str(home)}
        proc = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, cwd=root)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout) == [[str(photos / "locked"), "cannot list folder: permission denied"]]
    finally:
        (root / "photos" / "locked").chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)


def test_a_query_image_the_system_refuses_to_open_says_why_in_lower_case(tmp_path: Path, colour_pair) -> None:
    """The words after "cannot open:" are the system's too (a socket: "no such device or address")."""
    home = tmp_path / "home"
    import_colour_model(colour_pair, home, "colour")
    run_cli("index", str(write_photos(tmp_path / "photos", "red", 1)[0].parent), home=home)
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "s.jpg"))
        proc = run_cli("search", "--image", str(tmp_path / "s.jpg"), home=home, check=False)
    finally:
        server.close()
    assert (proc.returncode, proc.stderr) == (
        1,
        "motis: error: s.jpg: cannot use as a query image (cannot open: no such device or address)\n",
    )


# 5. A query of negative weights only -------------------------------------------------------------------------------


def test_a_query_of_negative_weights_only_prints_no_score_and_says_what_it_left_out(
    home: Path, indexed_libraries
) -> None:
    """QA: ``motis search "-1:red"`` printed " 0.0000" on every line and "(406 stand out; 105 more below the
    cut-off)": it lists the photos that are not red (least red first), and nothing in them stands out."""
    colours = indexed_libraries.copy_into(home, "qa-walk", lambda at: make_colour_folder(at, per_colour=3))
    proc = run_cli("search", "-1:red")
    lines = proc.stdout.splitlines()
    assert len(lines) == len(colours) - 3 and all(
        re.match(r"^      -  \d{4}-\d{2}-\d{2}  /\S+$", line) for line in lines
    )
    assert "red" not in {colours[line.split("  ")[-1]] for line in lines}
    assert (
        proc.stderr == "(15 photos unlike what the query subtracts; 3 more like it below the cut-off: -k N or --all)\n"
    )
    assert run_cli("search", "red").stderr == "(3 stand out; 15 more below the cut-off: -k N or --all)\n"


# 6. The models' lists say what their JSON says ----------------------------------------------------------------------


def test_models_list_says_the_format_its_json_says(tmp_path: Path, colour_pair) -> None:
    """QA: ``motis models list`` said "torchscript-pair" where ``--json`` says "format": "onnx" (the pair is what
    was imported, "source_format")."""
    home = tmp_path / "home"
    import_colour_model(colour_pair, home, "colour")
    (listed,) = json.loads(run_cli("models", "list", "--json", home=home).stdout)
    assert (listed["format"], listed["source_format"]) == ("onnx", "torchscript-pair")
    (line,) = run_cli("models", "list", home=home).stdout.splitlines()
    assert line.split()[:2] == ["*", "colour"] and " onnx (from torchscript-pair) " in line


def test_models_available_footer_names_the_marker_its_entries_carry(home: Path) -> None:
    """QA: the footer said "only pairs marked 'Measured by the seed' were evaluated by it", and no entry said
    that (the recommended one said "the pair the seed measured"). The footer names the measured pairs, and each
    of those entries, and only those, carries the marker it quotes."""
    lines = run_cli("models", "available").stdout.splitlines()
    footer = lines[-4:-1]  # the last line points at --verbose
    assert footer[0].startswith("The motis-IMAGE.TEXT entries mix the MoTIS authors' published image and text files")
    assert footer[2] == "Install one with: motis models download NAME"
    assert footer[1] == "only motis-vits16 was tested together by them."
    marker = "Tested together by the MoTIS authors"  # the notes of that entry, and only of that one (--verbose)
    lines = run_cli("models", "available", "--verbose").stdout.splitlines()
    entries = json.loads(run_cli("models", "available", "--json").stdout)
    carrying = {e["name"] for e in entries if marker in e["notes"]}
    assert carrying == {e["name"] for e in entries if e.get("seed_measured")} == {"motis-vits16"}
    block = "\n".join(lines[next(i for i, line in enumerate(lines) if line.startswith("motis-vits16 ")) :][:3])
    assert f"{marker}: COCO 5K text-to-image R@1/5/10 40.4/68.5/78.4" in block  # said where the pair is listed
