"""A typo finds nothing (QA walk 6 #8): the words read in the photos suggest what was meant, "No photo shows the
text “invoce”. Did you mean invoice (2 photos)?", and a date filter that lets nothing through says the span of the
photos' dates. One owner in the core (``core/search/suggest.py``); the CLI says it here, the window in
``test_gui_search_suggest.py``."""

from __future__ import annotations

import time
from pathlib import Path

from helpers.cli import run_cli
from helpers.photos import write_colour_photo

from motis_desktop.core.search.suggest import WordSource
from motis_desktop.core.search.word_neighbours import edits
from motis_desktop.core.services import Services


def test_a_typo_in_a_text_filter_suggests_the_word_read_in_the_photos(signs_home: Path) -> None:
    said = run_cli("search", "text:invoce", home=signs_home)
    assert "No photo shows the text “invoce”. Did you mean invoice (2 photos)? (motis search text:invoice)" in (
        said.stdout
    )
    assert len(run_cli("search", "text:invoice", "--json", home=signs_home).stdout.split('"path"')) == 3


def test_a_typo_in_a_plain_word_suggests_too(signs_home: Path) -> None:
    said = run_cli("search", "recipt", home=signs_home)
    assert "No photo shows the text “recipt”. Did you mean receipt (1 photo)?" in said.stdout


def test_a_date_filter_that_lets_nothing_through_says_when_the_photos_are_from(signs_home: Path) -> None:
    said = run_cli("search", "after:2030", home=signs_home)
    now = time.localtime()  # the other photos' dates: their files' times, now
    month = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()[now.tm_mon - 1]
    assert f"no photo passes the filters: after:2030 (your photos run from Jan 2020 to {month} {now.tm_year})" in (
        said.stdout
    )


def test_edit_distance_counts_a_swap_as_one_edit_and_stops_past_its_limit() -> None:
    """Guard: the distance suggestions are chosen by."""
    assert edits("invoce", "invoice", 2) == 1
    assert edits("recieve", "receive", 2) == 1  # two letters swapped
    assert edits("rechnung", "receipt", 2) == 3  # over the limit: limit + 1


def test_a_typo_in_the_first_letter_suggests_too(signs_home: Path) -> None:
    """Only words beginning with the typed word's first letter were looked at: "ueceipt" got nothing."""
    said = run_cli("search", "ueceipt", home=signs_home)
    assert "No photo shows the text “ueceipt”. Did you mean receipt (1 photo)? (motis search receipt)" in said.stdout


def _lighthouse(colour_library: tuple[Services, Path]) -> Services:
    """The colour library with a photo in a folder named ``Lighthouse trip`` (nothing reads that in a photo)."""
    services, photos = colour_library
    write_colour_photo(photos / "Lighthouse trip" / "IMG_0001.png", (30, 60, 200), 64, 64, seed=9)
    assert services.index(read_text=True).encoded == 1
    return services


def test_a_typo_of_a_folder_name_suggests_it(colour_library: tuple[Services, Path], colour_home: Path) -> None:
    """Only the words read in photos were looked at: a folder's or file's name, which a plain word finds too, got
    nothing. A typo there, wherever it is ("lighthuose", "kighthouse"), suggests the word of the name."""
    services = _lighthouse(colour_library)
    found = services.query("lighthuose").suggestions
    assert [(s.word, s.photos, s.query, s.source) for s in found] == [("lighthouse", 1, "lighthouse", WordSource.NAME)]
    services.close()
    said = run_cli("search", "Kighthouse", home=colour_home).stdout
    assert "No photo's text or name holds “Kighthouse”. Did you mean lighthouse (1 photo by name)? " in said
    assert "(motis search lighthouse)" in said


def test_a_text_filter_is_not_offered_a_word_of_a_name(colour_library: tuple[Services, Path]) -> None:
    """Guard: ``text:`` looks in the photos' text only, so a name's word would find nothing there."""
    services = _lighthouse(colour_library)
    assert services.query("text:lighthuose").suggestions == ()
