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
    assert f"motis: note: “dog”, “beach” ignored: {DEMO_LIMITS}" in scene.stderr
    colour = run_cli("search", "purple", home=home)  # a colour the demo knows (found): nothing to add
    assert DEMO_LIMITS not in colour.stderr


def test_the_demo_names_the_words_it_ignored_also_when_it_shows_photos(home: Path, tmp_path: Path) -> None:
    """QA walk 9 #5: "a dog on the beach" showed a folder "Beach day"'s photos, each with the same 0.0010 as if it
    matched by colour, and "red car" the red photos, with no word of "dog", "beach" or "car" ignored. Now the note
    names them, and a photo its folder's name found shows no score ("-") but the name, as one its file name found."""
    run_cli("models", "demo", home=home)
    make_colour_folder(tmp_path / "photos", per_colour=4)
    make_colour_folder(tmp_path / "photos" / "Beach day", per_colour=1, seed=1)
    run_cli("index", str(tmp_path / "photos"), home=home)
    scene = run_cli("search", "a dog on the beach", home=home)
    assert f"motis: note: “dog”, “beach” ignored: {DEMO_LIMITS}" in scene.stderr
    lines = scene.stdout.splitlines()[:-1]  # the last: how many stand out
    assert lines and all(line.split()[0] == "-" and line.endswith("[name: Beach day/]") for line in lines), scene.stdout
    car = run_cli("search", "red car", home=home)
    assert f"motis: note: “car” ignored: {DEMO_LIMITS}" in car.stderr
    assert "/red_" in car.stdout.splitlines()[0]


def test_the_demo_words_are_the_words_it_knows() -> None:
    """Guard: the words the note and the search box name are the colour pair's palette."""
    from motis_desktop.core.models.architectures.colour import PALETTE

    assert DEMO_COLOURS == tuple(PALETTE)
