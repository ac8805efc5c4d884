"""The command line as a QA engineer met it as a new user: options after ``--``, error lines that quoted a
library's internals, "photo(s)", scores that said nothing (a hit found by its words printed ``0.0010``, a
list by date or a "-red" query ``0.0000``), and ``motis index FOLDER`` listing other folders' skipped files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from helpers.cli import import_colour_model, run_cli
from helpers.models import install_colour
from helpers.photos import COLOURS, make_colour_folder, write_colour_photo
from helpers.watching import write_photos

from motis_desktop.core.services import Services

PER_COLOUR = 3


@pytest.fixture
def colours(home: Path, indexed_libraries) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """This test's home: the colour model and an indexed folder of PER_COLOUR photos of each colour."""
    return indexed_libraries.copy_into(home, "qa-walk", lambda at: make_colour_folder(at, per_colour=PER_COLOUR))


# 1. Options after '--' ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("option", [["--all"], ["-k", "3"], ["-k3"], ["--model=colour"]])
def test_an_option_after_double_dash_is_refused_not_searched(colours: dict[str, str], option: list[str]) -> None:
    """``-- -red --all`` searched "-red -all" with the cut-off, and its footer advised '--all' again."""
    proc = run_cli("search", "--", "-red", *option, check=False)
    assert (proc.returncode, proc.stdout) == (2, "")
    assert proc.stderr.splitlines()[-1] == (
        f"motis search: error: '{option[0]}' after '--' would be searched as a query word; put options before '--'"
    )


def test_options_before_double_dash_apply(colours: dict[str, str]) -> None:
    every = json.loads(run_cli("search", "--all", "--json", "--", "-red").stdout)
    assert len(every) == len(colours)  # every photo, the least red first: the red ones last
    assert [colours[h["path"]] for h in every[-PER_COLOUR:]] == ["red"] * PER_COLOUR


# 2. Error lines in plain words ---------------------------------------------------------------------------------


@pytest.fixture
def jpeg(tmp_path: Path) -> Path:
    return write_colour_photo(tmp_path / "notimage.jpg", COLOURS["red"], 32, 32, 1)


def test_importing_a_photo_as_a_checkpoint_says_what_it_is(home: Path, jpeg: Path) -> None:
    """It said "cannot read checkpoint (Weights only load failed.)", or "(101)" for a text file."""
    proc = run_cli("models", "import", "--checkpoint", str(jpeg), "--name", "x", check=False)
    assert (proc.returncode, proc.stderr) == (
        1,
        f"motis: error: {jpeg} is not a model checkpoint (it is a JPEG image)\n",
    )
    notes = jpeg.with_name("notes.pt")
    notes.write_text("hello\n")
    proc = run_cli("models", "import", "--checkpoint", str(notes), "--name", "x", check=False)
    assert proc.stderr == (
        f"motis: error: {notes} is not a model checkpoint (not a PyTorch/ZIP, pickle or safetensors file)\n"
    )


def test_importing_a_photo_as_torchscript_says_what_it_is(home: Path, jpeg: Path) -> None:
    """It said "(PytorchStreamReader failed reading zip archive: failed finding central directory.)"."""
    proc = run_cli("models", "import", "--image", str(jpeg), "--text", str(jpeg), "--name", "x", check=False)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == f"motis: error: {jpeg} is not a TorchScript model (it is a JPEG image)"


def test_eval_with_a_missing_caption_file_says_no_such_file(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    proc = run_cli("eval", "--captions", str(missing), "--images", str(tmp_path), check=False)
    assert (proc.returncode, proc.stderr) == (1, f"motis: error: no such file: {missing}\n")


def _with_a_duplicate(folder: Path) -> dict[str, str]:
    colours = make_colour_folder(folder, per_colour=2)
    first = sorted(colours)[0]
    shutil.copy(first, folder / f"copy{Path(first).suffix}")
    return {**colours, str(folder / f"copy{Path(first).suffix}"): colours[first]}


def test_a_switch_says_numbers_that_add_up(home: Path, indexed_libraries, colour_pair) -> None:  # type: ignore[no-untyped-def]
    """The plan said "covers 0 of 316 photos … (it never ran here)", the end "encoded 314": two were copies."""
    photos = indexed_libraries.copy_into(home, "qa-walk-copy", _with_a_duplicate)
    services = Services.open(home)
    install_colour(services, colour_pair, name="other")
    services.close()
    proc = run_cli("models", "use", "other")
    n = len(photos)
    assert proc.stderr.startswith(
        f"other covers 0 of {n} photos: about {n} photos to encode; the time shows once it starts. It takes over"
    ), proc.stderr
    assert proc.stdout == f"active model: other (encoded {n - 1} photos and reused their vectors for 1 duplicate)\n"


# 3. "photo(s)" --------------------------------------------------------------------------------------------------


def test_counts_of_one_photo_are_singular(colour_home: Path, tmp_path: Path) -> None:
    """ "forgot … and its 1 photo(s)" read like a form; one photo is "1 photo", others "N photos"."""
    one, two = tmp_path / "one", tmp_path / "two"
    write_colour_photo(one / "a.png", COLOURS["red"], 32, 32, 1)
    for n in range(2):
        write_colour_photo(two / f"b{n}.png", COLOURS["blue"], 32, 32, 2 + n)
    run_cli("index", str(one), str(two))
    said = [run_cli("folders", "remove", str(folder)).stdout for folder in (one, two)]
    assert said == [
        f"forgot {one} and its 1 photo; no files were deleted\n",
        f"forgot {two} and its 2 photos; no files were deleted\n",
    ]


# 4. What the score column says ---------------------------------------------------------------------------------


def _with_an_invoice(folder: Path) -> dict[str, str]:
    colours = make_colour_folder(folder, per_colour=2)
    invoice = write_colour_photo(folder / "invoice_march.png", COLOURS["white"], 64, 48, 7)
    return {**colours, str(invoice): "invoice"}


@pytest.fixture
def invoice(home: Path, indexed_libraries) -> str:  # type: ignore[no-untyped-def]
    """This test's home: colour photos and invoice_march.png (white: its look says nothing of invoices); its path."""
    photos = indexed_libraries.copy_into(home, "qa-walk-invoice", _with_an_invoice)
    return next(path for path, what in photos.items() if what == "invoice")


def test_a_hit_found_by_its_name_says_so_instead_of_a_score(invoice: str) -> None:
    """It printed "0.0010  2026-…  …/invoice_march.png  [name: …]": a cosine that reads as no match at all. Its
    score column says "-" (QA walk 6: one layout for every line) and [name: …] what found it."""
    lines = run_cli("search", "red invoice").stdout.splitlines()
    assert [line[:7] for line in lines] == [" 1.0000", " 1.0000", "      -"]
    assert lines[-1].endswith(f"  {invoice}  [name: invoice_march.png]")
    alone = run_cli("search", "invoice", "--all").stdout.splitlines()
    assert alone[0].startswith("      -  ") and invoice in alone[0]


def test_a_list_by_filters_alone_shows_dates_not_zero_scores(invoice: str) -> None:
    lines = run_cli("search", "folder:sub").stdout.splitlines()
    assert len(lines) == 6 and all(re.match(r"^      -  \d{4}-\d{2}-\d{2}  /\S+/sub/\S+$", line) for line in lines), (
        lines
    )
    hits = json.loads(run_cli("search", "folder:sub", "--json").stdout)
    assert all(set(hit) == {"path", "score", "date", "date_source"} for hit in hits)  # --json keeps its fields


def test_json_keeps_the_score_of_a_hit_found_by_its_name(invoice: str) -> None:
    hit = json.loads(run_cli("search", "Re: invoice", "--json").stdout)[0]
    assert hit["path"] == invoice and {"score", "fused", "matches"} <= set(hit)


def test_a_query_of_subtracted_terms_only_prints_no_score(colours: dict[str, str]) -> None:
    """``motis search --all -- -red`` printed " 0.0000" on every line: "-red" ranks the photos (least red first)
    by negated cosines that say nothing as a number. Its lines say "-" there, as for a list by filters."""
    lines = run_cli("search", "--all", "--", "-red").stdout.splitlines()
    assert len(lines) == len(colours)
    assert all(re.match(r"^      -  \d{4}-\d{2}-\d{2}  /\S+$", line) for line in lines), lines
    assert [colours[line.split("  ")[-1]] for line in lines[-PER_COLOUR:]] == ["red"] * PER_COLOUR  # still ranked


# 5. What motis index FOLDER lists ------------------------------------------------------------------------------


def test_motis_index_folder_lists_only_that_folders_files_still_skipped(tmp_path: Path, colour_pair) -> None:
    """QA: ``motis index FOLDER`` listed the files still skipped in every library folder (the run covers them
    all), as if the named folder held them: those of the others are one line saying where to see them."""
    home = tmp_path / "home"
    import_colour_model(colour_pair, home, "colour")
    for folder in ("a", "b"):
        write_photos(tmp_path / folder, "red", 1, start=ord(folder))
        (tmp_path / folder / "notes.jpg").write_text("this is not a photo\n")
    run_cli("index", str(tmp_path / "a"), str(tmp_path / "b"), home=home)
    again = run_cli("index", str(tmp_path / "b"), home=home).stdout
    assert f"  still skipped {tmp_path / 'b' / 'notes.jpg'}: " in again
    assert str(tmp_path / "a" / "notes.jpg") not in again
    assert (
        "  1 more file elsewhere in the library could not be read by earlier runs "
        "('motis index' without a folder lists them)"
    ) in again.splitlines()
    every = run_cli("index", home=home).stdout  # what that line points to
    assert all(f"  still skipped {tmp_path / f / 'notes.jpg'}: " in every for f in ("a", "b"))
