"""QA walk 8 #4: ``motis search "a dog on the beach"`` with the demo model said "no good matches" and nothing of
the demo knowing colour words only; now its note says so, in the core's sentence (``core/models/demo.py``)."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import run_cli
from helpers.photos import make_colour_folder

from motis_desktop.core.models.demo import DEMO_COLOURS, DEMO_LIMITS


def test_search_with_the_demo_says_it_knows_colour_words_only(home: Path, tmp_path: Path) -> None:
    run_cli("models", "demo", home=home)
    make_colour_folder(tmp_path / "photos", per_colour=2)
    run_cli("index", str(tmp_path / "photos"), home=home)
    scene = run_cli("search", "a dog on the beach", home=home)
    assert scene.stdout.startswith("no good matches")
    assert f"motis: note: {DEMO_LIMITS}" in scene.stderr
    colour = run_cli("search", "purple", home=home)  # a colour the demo knows (found): nothing to add
    assert DEMO_LIMITS not in colour.stderr


def test_the_demo_words_are_the_words_it_knows() -> None:
    """Guard: the words the note and the search box name are the colour pair's palette."""
    from motis_desktop.core.models.architectures.colour import PALETTE

    assert DEMO_COLOURS == tuple(PALETTE)
