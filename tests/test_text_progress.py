"""The text stage's rate and time left count the photos it reads, not the copies that take their text at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.watching import write_photos

from motis_desktop.core.services import Progress, ProgressPhase, Services


def test_copies_are_not_counted_in_the_text_rate_and_time_left(home: Path, colour_pair, tmp_path: Path) -> None:
    """QA: "Reading text in photos · 8.5 photos/s · ETA 09:45 24/5000" where 3,500 of the 5,000 were copies read in
    no time. Here a photo and 7 copies of it come first (one batch of 8: one progress report), then one other."""
    photos = tmp_path / "photos"
    (original,) = write_photos(photos, "red", 1)
    original = original.rename(photos / "a.jpg")
    for i in range(7):
        shutil.copy(original, photos / f"b{i}.jpg")
    write_photos(photos, "blue", 1)[0].rename(photos / "z.jpg")
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    seen: list[Progress] = []
    services.index(read_text=True, progress=seen.append)
    services.close()
    text = {p.done: p for p in seen if p.phase is ProgressPhase.TEXT}
    assert sorted(text) == [0, 8, 9]
    after_batch = text[8]  # 1 photo read, 7 copies of it: 1 photo left to read
    assert after_batch.rate == pytest.approx(1 / after_batch.elapsed_s)
    assert after_batch.eta_s == pytest.approx(after_batch.elapsed_s)


def test_a_folder_moved_away_while_its_text_is_read_is_read_when_back(home: Path, colour_pair, tmp_path: Path) -> None:
    """A folder moved away during the text stage: each photo was "text not read …: file vanished before it could be
    read", and its failure was kept, so the photos' text was never read once the folder was back (same sizes and
    times). Now: counted by the folder, nothing kept, read when it is back."""
    folder, away = tmp_path / "vanish", tmp_path / "moved"
    write_photos(folder / "sub", "red", 3)
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(folder)])

    def move_at_text_start(p: Progress) -> None:
        if p.phase is ProgressPhase.TEXT and folder.exists():
            folder.rename(away)

    summary = services.index(read_text=True, progress=move_at_text_start)
    assert (summary.encoded, summary.text_failed, summary.went_away) == (3, [], {str(folder): 3})
    away.rename(folder)
    again = services.index(read_text=True)
    services.close()
    assert (again.text_read, again.text_failed, again.went_away) == (3, [], {})
