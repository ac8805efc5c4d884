"""Searches a new user tries first: a query of only sort:date, an empty query, filters that let nothing through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.exif import write_photo_with_date
from helpers.photos import COLOURS, make_colour_folder

from motis_desktop.core.search.query import QueryError
from motis_desktop.core.services import Services


def _photos(folder: Path) -> dict[str, str]:
    colours = make_colour_folder(folder, per_colour=2)
    for name, colour, stamp in (
        ("red_2019.jpg", "red", "2019:07:04 10:00:00"),
        ("blue_2022.jpg", "blue", "2022:02:01 08:00:00"),
    ):
        colours[str(write_photo_with_date(folder / "dated" / name, COLOURS[colour], stamp))] = colour
    return colours


@pytest.fixture
def indexed_home(home: Path, indexed_libraries) -> Path:
    """A home whose library (2 photos of each colour, some in sub/, and two dated ones) is indexed."""
    indexed_libraries.copy_into(home, "search-rough-edges", _photos)
    return home


def _search(home: Path, *args: str):  # type: ignore[no-untyped-def]
    return run_cli("search", *args, home=home, check=False)


def _query(home: Path, text: str):  # type: ignore[no-untyped-def]
    services = Services.open(home)
    try:
        return services.query(text)
    finally:
        services.close()


# -- 1. sort:date alone, and a query with nothing in it ------------------------------------------------------


def test_sort_date_alone_lists_every_photo_newest_first(indexed_home: Path) -> None:
    by_date, by_filter = _query(indexed_home, "sort:date"), _query(indexed_home, "after:1900")
    assert len(by_date.hits) == by_date.candidates == 14
    assert [h.path for h in by_date.hits] == [h.path for h in by_filter.hits]
    dates = [h.taken_at or 0.0 for h in by_date.hits]
    assert dates == sorted(dates, reverse=True)
    proc = _search(indexed_home, "sort:date")
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout.splitlines()) == 14
    assert "blue_2022.jpg" in proc.stdout.splitlines()[-2] and "red_2019.jpg" in proc.stdout.splitlines()[-1]


def test_sort_date_with_a_filter_lists_the_filtered_photos(indexed_home: Path) -> None:
    proc = _search(indexed_home, "sort:date folder:dated")
    assert proc.returncode == 0, proc.stderr
    assert [os.path.basename(line.split()[-1]) for line in proc.stdout.splitlines()] == [
        "blue_2022.jpg",
        "red_2019.jpg",
    ]


@pytest.mark.parametrize("text", ["+", "-", "+ -", '""'])
def test_a_query_with_nothing_in_it_says_it_is_empty(indexed_home: Path, text: str) -> None:
    proc = _search(indexed_home, text)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("motis: error: the query is empty: type words to search for"), lines[0]
    assert "only filters" not in lines[0]
    with pytest.raises(QueryError, match="the query is empty"):
        _query(indexed_home, text)


# -- 2. filters that let no photo through ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "filters"),
    [
        ("after:2030", "after:2030"),
        ("red after:2030", "after:2030"),
        ("folder:/nonexist", "folder:/nonexist"),
        ("red folder:nowhere before:2000", "folder:nowhere before:2000"),
        ("name:zzzz", "name:zzzz"),
    ],
)
def test_filters_that_pass_no_photo_say_so(indexed_home: Path, text: str, filters: str) -> None:
    proc = _search(indexed_home, text)
    assert proc.returncode == 0, proc.stderr
    nowhere = " (no folder named nowhere)" if "folder:nowhere" in filters else ""  # and no name close to it
    said = proc.stdout.strip()
    if filters == "after:2030":  # and when the photos are from (QA walk 6 #8)
        assert said.startswith(f"no photo passes the filters: {filters} (your photos ") and said.endswith(")")
    else:
        assert said == f"no photo passes the filters: {filters}{nowhere}"
    result = _query(indexed_home, text)
    assert (result.hits, result.candidates, result.filtered_out) == ([], 0, tuple(filters.split()))


def test_text_filter_matching_nothing_says_so(indexed_home: Path) -> None:
    proc = _search(indexed_home, 'text:"hello world"')
    assert proc.stdout.startswith('no photo passes the filters: text:"hello world" (the text of 14 photos is not read')


@pytest.mark.parametrize("text", ["red", "after:2030", "sort:date"])
def test_an_empty_library_still_says_none_indexed(colour_home: Path, text: str) -> None:
    proc = _search(colour_home, text)
    assert (proc.returncode, proc.stdout) == (1, "")  # nothing to search: a problem to fix, as without a model
    assert proc.stderr.startswith("motis: error: no photos to search: the library has no folders yet"), proc.stderr
    assert "filters" not in proc.stderr
    assert _query(colour_home, text).filtered_out == ()
