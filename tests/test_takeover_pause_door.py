"""The door for a paused take-over of the demo model (``Services.pause_takeover``/``takeover_paused``): saved in the
home, so another process (the window started again) sees it; void once the model no longer waits."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import run_cli
from helpers.models import install_colour
from helpers.photos import make_colour_folder
from helpers.window import index_folders

from motis_desktop.core.services import Services


def test_a_paused_take_over_is_kept_in_the_home_until_the_model_takes_over(
    home: Path, tmp_path: Path, colour_pair: tuple[Path, Path]
) -> None:
    make_colour_folder(tmp_path / "photos", per_colour=1)
    assert run_cli("models", "demo", home=home).returncode == 0
    index_folders(home, tmp_path / "photos")
    services = Services.open(home)
    try:
        install_colour(services, colour_pair, name="colour")
        assert services.takeover_model() == "colour" and services.takeover_paused() is None
        services.pause_takeover("colour")
        services.pause_takeover("colour")  # twice: the same
    finally:
        services.close()
    again = Services.open(home)  # another process, or the window started again
    try:
        assert again.takeover_paused() == "colour"
        again.pause_takeover(None)  # File ▸ Update index resumed it
        assert again.takeover_paused() is None
        again.pause_takeover("colour")
    finally:
        again.close()
    assert "took over from the demo model" in run_cli("index", "--no-text", home=home).stdout  # `motis index`
    last = Services.open(home)
    try:
        assert last.active_model().name == "colour" and last.takeover_paused() is None  # no model waits any more
    finally:
        last.close()
