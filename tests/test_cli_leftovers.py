"""Rough edges of the command line a new user met after the first walkthrough: a search with nothing to search
(exit status 1, one line saying what to do), ..."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.models import install_colour
from helpers.photos import make_colour_folder
from helpers.serving import serving

from motis_desktop.cli import server
from motis_desktop.core.services import Services


def _one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    assert lines[0].startswith("motis: error: "), err
    return lines[0].removeprefix("motis: error: ")


@pytest.fixture
def model_home(home: Path, colour_pair) -> Path:
    """A home with the colour model, no folder and no photo."""
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.close()
    return home


# 1. A search with nothing to search -------------------------------------------------------------------------


def test_search_without_a_model_is_exit_1(home: Path) -> None:
    proc = run_cli("search", "red", home=home, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr).startswith("no model installed: download one with 'motis models download NAME'")


@pytest.mark.parametrize("json", [[], ["--json"]])
def test_search_of_a_library_without_folders_is_exit_1_and_says_add_one(model_home: Path, json: list[str]) -> None:
    proc = run_cli("search", "red", *json, home=model_home, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr) == (
        "no photos to search: the library has no folders yet: add one with 'motis index FOLDER'"
    )


def test_search_of_folders_not_indexed_yet_says_run_index(model_home: Path, tmp_path: Path) -> None:
    make_colour_folder(tmp_path / "photos", per_colour=1)
    services = Services.open(model_home)
    services.add_folders([str(tmp_path / "photos")])  # as the window's Add folder, before indexing has run
    services.close()
    proc = run_cli("search", "red", home=model_home, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr) == "no photos to search: none found in the library's folders yet: run 'motis index'"


def test_search_with_a_model_that_indexed_nothing_says_run_index_with_it(
    home: Path, indexed_libraries, colour_pair
) -> None:
    indexed_libraries.copy_into(home, "cli-leftovers", lambda folder: make_colour_folder(folder, per_colour=2))
    services = Services.open(home)
    install_colour(services, colour_pair, name="other")  # installed, not active: it has indexed nothing
    services.close()
    assert run_cli("search", "red", "-k", "1", home=home).returncode == 0  # the active model's photos
    proc = run_cli("search", "sky", "--model", "other", home=home, check=False)  # in no file name
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr) == (
        "no photos to search: none of the library's 12 photos is indexed yet for model 'other': "
        "run 'motis index --model other'"
    )


def test_terms_that_cancel_out_are_exit_1_like_an_empty_query(model_home: Path) -> None:
    proc = run_cli("search", "red - red", home=model_home, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr) == "the query's terms cancel out: nothing to search for (remove a '-' term)"


def test_the_query_service_answers_nothing_to_search_alike(model_home: Path) -> None:
    services = Services.open(model_home)
    try:
        with serving(services):
            reply = server.forward_search(services.home, ["red"])
    finally:
        services.close()
    assert reply is not None
    assert (reply[0], reply[1]) == (1, "")
    assert _one_error(reply[2]).startswith("no photos to search: the library has no folders yet")


def test_search_help_says_the_exit_status(model_home: Path) -> None:
    said = " ".join(run_cli("search", "--help", home=model_home).stdout.split())
    assert "exit status: 0 the search ran" in said
    assert "1 nothing to search (no model installed, no photo indexed yet" in said
