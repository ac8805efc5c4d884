"""The query language: parsing, and known answers with the colour model for every operator and the cut-off."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import run_cli
from helpers.exif import write_photo_with_date
from helpers.models import install_colour
from helpers.photos import COLOURS, colour_image, make_colour_folder, write_image

from motis_desktop.core.search.cutoff import relevance_cutoff, without_subtracted
from motis_desktop.core.search.query import QueryError, Term, parse_query
from motis_desktop.core.services import Services

# -- parsing ------------------------------------------------------------------------


def test_words_form_one_term() -> None:
    assert parse_query("red car").terms == (Term(1.0, text="red car"),)


def test_plus_and_minus_make_signed_terms() -> None:
    assert parse_query("beach - people + snow").terms == (
        Term(1.0, text="beach"),
        Term(-1.0, text="people"),
        Term(1.0, text="snow"),
    )


def test_minus_glued_to_a_word() -> None:
    assert parse_query("beach -people").terms == (Term(1.0, text="beach"), Term(-1.0, text="people"))


def test_weights() -> None:
    assert parse_query("2:red + 0.5:blue - 3: green").terms == (
        Term(2.0, text="red"),
        Term(0.5, text="blue"),
        Term(-3.0, text="green"),
    )


def test_filters_leave_the_text() -> None:
    q = parse_query("red car folder:Trips after:2021-06 before:2022 sort:date")
    assert q.terms == (Term(1.0, text="red car"),)
    assert q.folder_names == ("Trips",)
    assert q.after == time.mktime((2021, 6, 1, 0, 0, 0, 0, 0, -1))
    assert q.before == time.mktime((2022, 1, 1, 0, 0, 0, 0, 0, -1))
    assert q.sort == "date"


def test_folder_path_and_bare_folder_are_path_prefixes(tmp_path: Path) -> None:
    (tmp_path / "a b").mkdir()
    q = parse_query(f'red folder:{tmp_path} "{tmp_path / "a b"}"')
    assert q.path_prefixes == (str(tmp_path), str(tmp_path / "a b"))


def test_image_path_is_a_term(tmp_path: Path) -> None:
    photo = write_image(tmp_path / "g.png", colour_image(COLOURS["green"], 32, 32, 1))
    assert parse_query(f"{photo} + 2:snow").terms == (Term(1.0, image=str(photo)), Term(2.0, text="snow"))


def test_relative_image_path_is_a_term(tmp_path: Path) -> None:
    photo = write_image(tmp_path / "sub" / "green_1.png", colour_image(COLOURS["green"], 32, 32, 1))
    assert parse_query("sub/green_1.png + red", cwd=str(tmp_path)).terms == (
        Term(1.0, image=str(photo)),
        Term(1.0, text="red"),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("red foldr:blue", "unknown operator 'foldr:' — did you mean folder:?"),
        ("red after:last-week", "after:last-week is not a date"),
        ("red sort:size", "sort:size is not known"),
        ("red after:2022 before:2021", "after: must be earlier than before:"),
        ("red + /nope/cat.jpg", "no such image file"),
        ("red + cat.jpg", "no such image file"),
        ("2:", "needs a term after it"),
    ],
)
def test_bad_queries_get_one_line_messages(text: str, message: str) -> None:
    with pytest.raises(QueryError) as err:
        parse_query(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


# -- the cut-off statistic ---------------------------------------------------------------


def test_cutoff_of_a_flat_background_passes_nothing() -> None:
    background = np.full(100, 0.3) + np.random.default_rng(0).normal(0, 1e-7, 100)
    assert not any(relevance_cutoff(background).passes(s) for s in background)


def test_cutoff_passes_the_outliers_only() -> None:
    rng = np.random.default_rng(0)
    background = np.concatenate([rng.normal(0.2, 0.01, 990), np.full(10, 0.3)])
    cut = relevance_cutoff(background)
    assert sum(cut.passes(s) for s in background) == 10


def test_cutoff_holds_when_half_the_library_matches() -> None:
    rng = np.random.default_rng(1)
    background = np.concatenate([rng.normal(0.0, 0.01, 30), rng.normal(0.99, 0.001, 30)])
    cut = relevance_cutoff(background)
    assert sum(cut.passes(s) for s in background) == 30


def test_cutoff_leaves_the_subtracted_matches_out_of_its_background() -> None:
    """Eight photos, "red - blue": three reds score 0.7, the blue one -0.7 (it sits in the lower 10 %)."""
    query = np.array([0.7, 0.7, 0.7, -0.7, 0.0, 0.0, 0.0, 0.0])
    blue = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0])
    assert not any(relevance_cutoff(query).passes(s) for s in query)
    cut = relevance_cutoff(without_subtracted(query, [blue]))
    assert [cut.passes(s) for s in query] == [True] * 3 + [False] * 5


# -- known answers with the colour model ------------------------------------------------


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, colour_pair) -> dict:
    """60 colour photos (10 per colour, some in sub/), plus three dated photos in dated/."""
    home = tmp_path_factory.mktemp("query-home")
    photos = tmp_path_factory.mktemp("query-photos")
    colours = make_colour_folder(photos, per_colour=10)
    dated = {
        "red_2019.jpg": ("red", "2019:07:04 10:00:00"),
        "red_2021.jpg": ("red", "2021:08:15 12:30:00"),
        "blue_2022.jpg": ("blue", "2022:02:01 08:00:00"),
    }
    for name, (colour, stamp) in dated.items():
        path = write_photo_with_date(photos / "dated" / name, COLOURS[colour], stamp)
        colours[str(path)] = colour
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    services.index()
    yield {"services": services, "home": home, "photos": photos, "colours": colours}
    services.close()


def _colours(library: dict, hits) -> list[str]:
    return [library["colours"][h.path] for h in hits]


def test_red_returns_exactly_the_red_photos(library) -> None:
    result = library["services"].query("red")
    truth = {p for p, c in library["colours"].items() if c == "red"}
    assert {h.path for h in result.hits} == truth


def test_unknown_word_returns_no_good_matches(library) -> None:
    result = library["services"].query("zebra")
    assert result.hits == []
    assert result.candidates == len(library["colours"])


def test_red_plus_blue_ranks_red_and_blue_first(library) -> None:
    hits = library["services"].query("red + blue", limit=30, cutoff=False).hits
    assert set(_colours(library, hits[:23])) == {"red", "blue"}


def test_red_plus_blue_cutoff_is_the_red_and_blue_photos(library) -> None:
    hits = library["services"].query("red + blue").hits
    assert sorted(set(_colours(library, hits))) == ["blue", "red"]
    assert len(hits) == 23


def test_weight_orders_the_terms(library) -> None:
    hits = library["services"].query("2:red + blue", limit=23, cutoff=False).hits
    assert _colours(library, hits) == ["red"] * 12 + ["blue"] * 11


def test_minus_pushes_a_colour_to_the_bottom(library) -> None:
    hits = library["services"].query("white - red", cutoff=False).hits
    assert _colours(library, hits[-12:]) == ["red"] * 12


@pytest.fixture(scope="module")
def eight_photos(tmp_path_factory: pytest.TempPathFactory, colour_pair) -> dict:
    """Three red photos and one of each other colour, with plain names (no colour word for the name signal)."""
    home, photos = tmp_path_factory.mktemp("eight-home"), tmp_path_factory.mktemp("eight-photos")
    colours = {}
    for n, colour in enumerate(["red", "red", "red", "green", "blue", "yellow", "white", "black"]):
        path = photos / f"photo_{n}.jpg"
        write_image(path, colour_image(COLOURS[colour], 120, 90, n))
        colours[str(path)] = colour
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    services.index()
    yield {"services": services, "colours": colours}
    services.close()


@pytest.mark.parametrize("query", ["red - blue", "red - green", "red - blue - white"])
def test_subtracting_a_colour_shows_the_matches_on_a_small_library(eight_photos, query: str) -> None:
    hits = eight_photos["services"].query(query).hits
    assert [eight_photos["colours"][h.path] for h in hits] == ["red"] * 3


def test_red_minus_red_is_not_an_error(library) -> None:
    result = library["services"].query("red - red")
    assert result.cancelled
    assert result.hits == []


def test_image_query_of_a_green_photo_ranks_greens_first(library, tmp_path: Path) -> None:
    outside = write_image(tmp_path / "query_green.png", colour_image(COLOURS["green"], 80, 80, 4242))
    hits = library["services"].query(str(outside), limit=10, cutoff=False).hits
    assert _colours(library, hits) == ["green"] * 10


def test_library_photo_as_query_leaves_itself_out(library) -> None:
    green = next(p for p, c in library["colours"].items() if c == "green")
    hits = library["services"].query(f'"{green}"').hits
    assert green not in [h.path for h in hits]
    assert set(_colours(library, hits)) == {"green"}


def test_folder_name_filter(library) -> None:
    hits = library["services"].query("red folder:sub", cutoff=False).hits
    assert {os.path.basename(os.path.dirname(h.path)) for h in hits} == {"sub"}
    assert len(hits) == 24


def test_path_prefix_filter(library) -> None:
    dated = library["photos"] / "dated"
    hits = library["services"].query(f"blue {dated}", cutoff=False).hits
    assert sorted(os.path.basename(h.path) for h in hits) == ["blue_2022.jpg", "red_2019.jpg", "red_2021.jpg"]


def test_after_filter_uses_exif_dates(library) -> None:
    hits = library["services"].query("red after:2021 before:2022").hits
    assert [os.path.basename(h.path) for h in hits] == ["red_2021.jpg"]


def test_before_filter_applies_before_top_k(library) -> None:
    # The best red photo taken before 2020: with -k 1 it must be that one, not "the top red, then filtered".
    hits = library["services"].query("red before:2020", limit=1, cutoff=False).hits
    assert [os.path.basename(h.path) for h in hits] == ["red_2019.jpg"]


def test_sort_by_date_is_newest_first(library) -> None:
    hits = library["services"].query(f"red {library['photos'] / 'dated'} sort:date", cutoff=False).hits
    assert [os.path.basename(h.path) for h in hits] == ["blue_2022.jpg", "red_2021.jpg", "red_2019.jpg"]


def test_filters_alone_list_the_photos_newest_first(library) -> None:
    result = library["services"].query(f"{library['photos'] / 'dated'}")
    assert [os.path.basename(h.path) for h in result.hits] == ["blue_2022.jpg", "red_2021.jpg", "red_2019.jpg"]
    assert (result.more, result.candidates) == (0, 3)
    first = library["services"].query("after:2020 before:2023", limit=1)
    assert ([os.path.basename(h.path) for h in first.hits], first.more) == (["blue_2022.jpg"], 1)


def test_hits_carry_their_exif_date(library) -> None:
    hit = library["services"].query("red after:2021 before:2022").hits[0]
    assert (hit.date_source, time.strftime("%Y-%m-%d %H:%M", time.localtime(hit.taken_at))) == (
        "exif",
        "2021-08-15 12:30",
    )


def test_photos_without_exif_are_dated_by_mtime(library) -> None:
    hit = library["services"].query("yellow", limit=1, cutoff=False).hits[0]
    assert (hit.date_source, hit.taken_at) == ("mtime", os.stat(hit.path).st_mtime_ns / 1e9)


# -- the CLI ------------------------------------------------------------------------------


def test_cli_json_has_dates(library) -> None:
    proc = run_cli("search", "red after:2021 before:2022", "--json", home=library["home"])
    assert '"date": "2021-08-15T12:30:00", "date_source": "exif"' in proc.stdout


def test_cli_unknown_word_says_no_good_matches(library) -> None:
    proc = run_cli("search", "zebra", home=library["home"])
    assert proc.stdout.startswith("no good matches among 63 photos")


def test_cli_unknown_operator_is_one_line(library) -> None:
    proc = run_cli("search", "red foldr:blue", home=library["home"], check=False)
    assert (proc.returncode, proc.stderr.count("\n"), "Traceback" in proc.stderr) == (
        2,
        1,
        False,
    )  # a usage error (QA walk 6)


def test_cli_all_and_k(library) -> None:
    every = run_cli("search", "red", "--all", "--json", home=library["home"]).stdout
    top = run_cli("search", "red", "-k", "3", "--json", home=library["home"]).stdout
    assert (every.count('"path"'), top.count('"path"')) == (63, 3)


def test_cli_image_option(library, tmp_path: Path) -> None:
    outside = write_image(tmp_path / "q.png", colour_image(COLOURS["yellow"], 64, 64, 77))
    proc = run_cli("search", "--image", str(outside), "--json", home=library["home"])
    assert proc.stdout.count('"path"') == 10
    assert proc.stdout.count("yellow_") == 10


def test_cli_help_documents_the_syntax() -> None:
    out = run_cli("search", "--help").stdout
    assert all(word in out for word in ("beach - people", "2:red", "folder:", "after:", "before:", "sort:date"))


def test_cli_folders_list_and_remove_keep_files(home: Path, colour_pair, tmp_path: Path) -> None:
    from helpers.cli import import_colour_model

    import_colour_model(colour_pair, home)
    a, b = tmp_path / "a", tmp_path / "b"
    make_colour_folder(a, per_colour=1)
    make_colour_folder(b, per_colour=1)
    run_cli("index", str(a), str(b), home=home)
    listed = run_cli("folders", "list", home=home).stdout
    assert str(a) in listed
    assert str(b) in listed
    before = sorted(p.name for p in a.rglob("*") if p.is_file())
    out = run_cli("folders", "remove", str(a), home=home).stdout
    assert "forgot" in out
    assert "no files were deleted" in out
    assert sorted(p.name for p in a.rglob("*") if p.is_file()) == before
    hits = run_cli("search", "red", "--all", "--json", home=home).stdout
    assert str(a) not in hits
    assert hits.count('"path"') == 6
