"""Issue 20: switching models never empties search.

An indexed library answers with the colour model; switching to another model re-encodes the library
while a second front end (another Services over the same home, as the GUI or `motis serve` beside a
`motis models use`) keeps searching: every search in between answers with the colour model, and the new
model takes over once, after its last photo is encoded.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.core.services import Services

TINY_SIGLIP = Path(__file__).resolve().parent / "data" / "parity" / "siglip2_b32_tiny"


@pytest.fixture
def indexed(home: Path, tmp_path: Path, colour_pair, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MOTIS_INFERENCE_MODE", "fp32")  # no mode measurement: not what this tests
    photos = tmp_path / "photos"
    make_colour_folder(photos, per_colour=5)  # 30 photos
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    services.index(batch_size=4)
    services.import_checkpoint(TINY_SIGLIP, "other")  # installed, not active
    yield services
    services.close()


def _answer(services: Services, model: str | None = None) -> list[tuple[str, float]]:
    return [(h.path, round(h.score, 5)) for h in services.query("red", limit=5, cutoff=False, model=model).hits]


def test_every_search_during_a_switch_answers_with_the_old_model(indexed: Services, home: Path) -> None:
    beside = Services.open(home)  # another front end on the same library
    colour_answer = _answer(beside, "colour")
    seen: list[tuple[str, str | None, int, int, list]] = []  # (active, pending, done, total, answer)

    def progress(p) -> None:
        if p.phase == "encode":
            active = beside.active_model()
            seen.append((active.name if active else "", beside.pending_model(), p.done, p.total, _answer(beside)))

    try:
        plan = indexed.plan_model_switch("other")
        assert (plan.current, plan.target, plan.photos, plan.covered) == ("colour", "other", 30, 0)
        assert plan.photos_per_s is None and plan.seconds is None  # "other" never indexed here: no time yet
        assert "searches keep using colour" in plan.describe() and "about 30 photos to encode" in plan.describe()
        result = indexed.switch_model("other", progress=progress, batch_size=4, plan=plan)
        after = beside.active_model()
        assert after is not None
        other_answer = _answer(beside)
    finally:
        beside.close()
    assert result.switched and result.encoded == 30
    assert len(seen) >= 3
    assert all(active == "colour" and pending == "other" for active, pending, *_ in seen)
    assert all(answer == colour_answer for *_, answer in seen)  # the old model's vectors answered
    assert seen[-1][2] == seen[-1][3] == 30  # the last photo was encoded while colour still answered
    assert after.name == "other" and beside.pending_model() is None  # then it took over, once
    assert other_answer != colour_answer


def test_cancel_keeps_the_old_model_and_switching_back_is_instant(indexed: Services) -> None:
    cancel = threading.Event()

    def progress(p) -> None:
        if p.phase == "encode" and p.done >= 8:
            cancel.set()

    result = indexed.switch_model("other", progress=progress, cancel=cancel, batch_size=4)
    assert not result.switched and result.cancelled and result.active == "colour"
    assert indexed.active_model().name == "colour" and indexed.pending_model() is None
    # what was encoded is kept: the next switch encodes only the rest
    plan = indexed.plan_model_switch("other", measure=False)
    assert 0 < plan.covered < 30 and plan.to_encode == 30 - plan.covered
    assert indexed.switch_model("other", batch_size=4).switched
    # colour's vectors were kept: switching back is instant
    back = indexed.plan_model_switch("colour")
    assert back.instant and back.photos_per_s is None
    assert "takes over now" in back.describe()
    result = indexed.switch_model("colour", plan=back)
    assert result.switched and result.encoded == 0


def test_cli_models_use_says_what_will_happen(indexed: Services, home: Path) -> None:
    indexed.close()
    proc = run_cli("models", "use", "other", home=home)
    assert "other covers 0 of 30 photos: about 30 photos to encode; the time shows once it starts" in proc.stderr
    assert "active model: other (encoded 30 photos)" in proc.stdout
    proc = run_cli("models", "use", "colour", home=home)
    assert "colour already covers all 30 photos: it takes over now." in proc.stderr
