"""The indexing speed a model switch plans with (``models/switch.py``: ``SpeedRecord``, "re-encoding 900 takes about
…, its speed when it last indexed here") is kept from runs long enough to say it: `motis watch` indexes each photo
copied in with a run of its own (``Services.index``), and a run of one photo, timed on a batch of one, overwrote the
figure of the big run before it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.watching import write_photos

from motis_desktop.core.services import Services


def _planned_speed(services: Services, photos: Path, start: int) -> float | None:
    """The photos per second a switch to "other" plans with, one photo after the library's last (``start``) added
    so that "other" has one to encode: the plan gives no time for a model that covers the library."""
    write_photos(photos, "green", 1, start=start)
    services.scan()
    plan = services.plan_model_switch("other")
    assert plan.to_encode == 1
    return plan.photos_per_s


def test_a_small_run_keeps_the_speed_a_switch_plans_with_and_a_big_run_updates_it(
    home: Path, tmp_path: Path, colour_pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTIS_INFERENCE_MODE", "fp32")  # no mode measurement: not what this tests
    services = Services.open(home)
    try:
        install_colour(services, colour_pair)  # active: the plan is a switch to "other"
        install_colour(services, colour_pair, name="other")
        photos = tmp_path / "photos"
        write_photos(photos, "red", 120)
        services.add_folders([str(photos)])
        assert services.index("other", read_text=False).encoded == 120  # a big run: timed
        big = _planned_speed(services, photos, 0)
        assert big is not None and big > 0
        assert services.index("other", read_text=False).encoded == 1  # a watch run's size: the figure stays
        assert _planned_speed(services, photos, 1) == big
        write_photos(photos, "blue", 120)
        assert services.index("other", read_text=False).encoded == 121  # big again: its own speed now
        again = _planned_speed(services, photos, 2)
        assert again is not None and again != big
    finally:
        services.close()
