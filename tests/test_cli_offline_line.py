"""Library folders out of reach (a drive unplugged: a folder renamed away) in `motis index` and `motis watch`: one
line a run, not one a folder plus another for the photos waiting for the model (lead's note after QA walk 6), and
`motis watch` says it once while it holds, not after every pass."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run_cli
from helpers.models import drive_and_local_with_other_model
from helpers.photos import make_colour_folder
from helpers.watching import write_photos

from motis_desktop.core.services import IndexSummary, Services


def _two_drives_away(home: Path, colour_pair: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path, Path]:
    """Two drives (6 photos each) and a local folder indexed with the colour model, both drives unplugged, then a
    switch to "other" (the local photos encoded with it): (drive 1, drive 2, local folder)."""
    first = drive_and_local_with_other_model(home, colour_pair, tmp_path)
    second = tmp_path / "G7"
    make_colour_folder(second, per_colour=1, seed=200)
    services = Services.open(home)
    try:
        services.add_folders([str(second)])
        assert services.index(read_text=False).encoded == 6
    finally:
        services.close()
    first.rename(tmp_path / "G6-away")
    second.rename(tmp_path / "G7-away")
    assert run_cli("models", "use", "other", home=home).returncode == 0
    return first, second, tmp_path / "local"


def _about_offline(out: str) -> list[str]:
    return [line for line in out.splitlines() if "offline" in line or "will be indexed" in line]


def test_index_says_the_unplugged_drives_in_one_line(
    colour_home: Path, colour_pair: tuple[Path, Path], tmp_path: Path
) -> None:
    """Two drives away: one line names both, says their photos are kept and how many wait for the model."""
    first, second, _local = _two_drives_away(colour_home, colour_pair, tmp_path)
    out = run_cli("index", "--no-text", home=colour_home).stdout
    assert _about_offline(out) == [
        f"  2 folders offline (unplugged or moved?): {first}, {second}; their photos are kept; 12 will be indexed "
        "with other when they are back"
    ]


def test_watch_says_the_unplugged_drives_once_not_after_every_pass(
    colour_home: Path, colour_pair: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`motis watch` with the drives away: of its two passes that index a new photo of the local folder (the first
    pass finds nothing to say), the first says the drives, the second what it did and not the drives again."""
    first, _second, local = _two_drives_away(colour_home, colour_pair, tmp_path)

    def three_passes(  # the watcher's runs: at start, then after a new photo (no waiting on the file system)
        self: Services, stop: threading.Event, on_summary: Callable[[IndexSummary], None], *_a: Any, **_k: Any
    ) -> None:
        on_summary(self.index(read_text=False))
        for start in (300, 301):
            write_photos(local / "new", "red", 1, start=start)
            on_summary(self.index(read_text=False))

    monkeypatch.setattr(Services, "watch_and_index", three_passes)
    out = run_cli("watch", home=colour_home).stdout
    assert out.count("encoded 1") == 2  # both passes that found a photo spoke
    assert len(_about_offline(out)) == 1 and str(first) in _about_offline(out)[0]
