"""The command line as a QA engineer met it as a new user: options after ``--``, error lines that quoted a
library's internals, "photo(s)", and scores that said nothing (a hit found by its words printed ``0.0010``, a
list by date ``0.0000``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.photos import make_colour_folder

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
