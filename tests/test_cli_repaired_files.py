"""QA walk 9 #8 in the command line: a truncated JPEG replaced by a whole one and an empty file deleted were
"encoded 1, …, removed 1" with nothing said of what they were; ``motis index`` says it as the window does (the words
of ``core/formatting.unreadable_words``)."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import run_cli
from helpers.models import index_with_colour
from helpers.photos import with_two_unreadable


def test_motis_index_says_an_unreadable_file_was_repaired_and_one_gone(home: Path, tmp_path: Path, colour_pair) -> None:
    photos = tmp_path / "photos"
    _made, whole = with_two_unreadable(photos)
    index_with_colour(home, colour_pair, photos)
    (photos / "broken.jpg").write_bytes(whole)  # a whole copy now
    (photos / "empty.jpg").unlink()
    first = run_cli("index", "--no-text", home=home).stdout.splitlines()[0]
    assert "1 unreadable file can now be shown, 1 unreadable file gone (" in first, first
