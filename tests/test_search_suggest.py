"""A typo finds nothing (QA walk 6 #8): the words read in the photos suggest what was meant, "No photo shows the
text “invoce”. Did you mean invoice (2 photos)?", and a date filter that lets nothing through says the span of the
photos' dates. One owner in the core (``core/search/suggest.py``); the CLI says it here, the window in
``test_gui_search_suggest.py``."""

from __future__ import annotations

import time
from pathlib import Path

from helpers.cli import run_cli

from motis_desktop.core.search.suggest import edits


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
