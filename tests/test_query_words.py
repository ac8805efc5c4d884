"""A new user's queries with a colon in them (QA walk-through): ``Re: invoice`` and ``train at 10:30`` are plain
words, a typo of an operator (``foldr:Trips``) is refused with the operator it probably meant, and ``0:red`` says
that a weight of 0 adds nothing (it used to say "remove a '-' term" of a query that has none)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.photos import COLOURS, make_colour_folder, write_colour_photo

from motis_desktop.core.search.query import QueryError, Term, parse_query


def _photos(folder: Path) -> dict[str, str]:
    colours = make_colour_folder(folder, per_colour=2)
    invoice = write_colour_photo(folder / "invoice_march.png", COLOURS["white"], 64, 48, 7)
    return {**colours, "invoice": str(invoice)}


@pytest.fixture
def photos(home: Path, indexed_libraries) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """This test's home: the colour model and an indexed folder of colour photos and invoice_march.png."""
    return indexed_libraries.copy_into(home, "query-words", _photos)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Re: invoice", "Re: invoice"),
        ("red colour:blue", "red colour:blue"),
        ("note: buy milk", "note: buy milk"),
        ("the:end port:80", "the:end port:80"),
        ("train at 10:30", "train at 10:30"),
    ],
)
def test_an_unknown_word_with_a_colon_is_a_plain_word(text: str, words: str) -> None:
    assert parse_query(text).terms == (Term(1.0, text=words),)


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("foldr:Trips", "foldr:' — did you mean folder:?"),
        ("red afer:2020", "afer:' — did you mean after:?"),
        ("befor:2022", "befor:' — did you mean before:?"),
        ("fodler:Trips", "fodler:' — did you mean folder:?"),
        ("srot:date", "srot:' — did you mean sort:?"),
        ("nmae:receipt", "nmae:' — did you mean name:?"),
        ("fólder:Trips", "fólder:' — did you mean folder:?"),
        ("txt:hotel", "txt:' — did you mean text:?"),  # QA re-walk: three letters were searched as words
        ("nam:receipt", "nam:' — did you mean name:?"),
    ],
)
def test_a_typo_of_an_operator_suggests_it(text: str, meant: str) -> None:
    with pytest.raises(QueryError) as err:
        parse_query(text)
    assert str(err.value) == f"unknown operator '{meant}"


def test_a_date_word_says_how_dates_are_filtered() -> None:
    """QA re-walk: "date:2024" searched the words and found nothing good."""
    with pytest.raises(QueryError, match=r"there is no date: filter — after:2024 before:2025"):
        parse_query("beach date:2024")


def test_an_operator_in_capitals_is_the_operator() -> None:
    assert parse_query("FOLDER:Trips red").folder_names == ("Trips",)


def test_cli_searches_re_colon_invoice_as_words(photos: dict[str, str]) -> None:
    proc = run_cli("search", "Re: invoice", check=False)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert photos["invoice"] in first and "[name: invoice_march.png]" in first, proc.stdout


def test_cli_typo_of_an_operator_is_one_line_with_the_suggestion(photos: dict[str, str]) -> None:
    proc = run_cli("search", "beach", "foldr:Trips", check=False)
    assert (proc.returncode, proc.stdout) == (2, "")  # a usage error (QA walk 6)
    assert proc.stderr == "motis: error: unknown operator 'foldr:' — did you mean folder:?\n"


def test_cli_a_zero_weight_says_it_adds_nothing(photos: dict[str, str]) -> None:
    proc = run_cli("search", "0:red", check=False)
    assert proc.returncode == 2
    assert proc.stderr == "motis: error: a term with weight 0 adds nothing, so there is nothing to search for (0:red)\n"
