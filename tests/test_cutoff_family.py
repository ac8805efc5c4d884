"""Issue 20: the relevance cut-off per model family (calibrated sigmoid for SigLIP2, percentile for cosine)."""

from __future__ import annotations

import math

import numpy as np

from motis_desktop.core.search.cutoff import P_MIN, cutoff_for_model, relevance_cutoff, sigmoid_cutoff

SIGLIP = {"kind": "scale-bias", "scale": 112.0, "bias": -16.5}


def _p(cos: float) -> float:
    return 1.0 / (1.0 + math.exp(-(112.0 * cos - 16.5)))


def test_sigmoid_bar_is_the_cosine_of_the_least_match_probability() -> None:
    cut = sigmoid_cutoff(SIGLIP["scale"], SIGLIP["bias"])
    assert math.isclose(_p(cut.threshold), P_MIN, rel_tol=1e-9)
    assert cut.passes(cut.threshold + 1e-4) and not cut.passes(cut.threshold - 1e-4)
    assert math.isclose(_p(cut.centre), 0.5) and math.isclose(cut.spread, 1 / 112.0)


def test_sigmoid_models_ignore_the_library_and_keep_a_library_of_matches() -> None:
    # every photo matches (a folder of beaches searched for "beach"): the percentile rule shows none,
    # the calibrated rule shows all of them
    background = np.full(500, 0.2) + np.random.default_rng(0).normal(0, 0.005, 500)
    assert not (background >= relevance_cutoff(background).threshold).any()
    assert (background >= cutoff_for_model(SIGLIP, background).threshold).all()


def test_sigmoid_models_show_nothing_for_an_unrelated_query() -> None:
    background = np.random.default_rng(1).normal(0.0, 0.01, 500)
    background[:3] = 0.08  # the least unrelated photos stand out of the background, but p stays tiny
    assert _p(0.08) < P_MIN
    assert (background >= relevance_cutoff(background).threshold).sum() == 3
    assert not (background >= cutoff_for_model(SIGLIP, background).threshold).any()


def test_cosine_models_keep_the_percentile_rule() -> None:
    background = np.random.default_rng(2).normal(0.2, 0.01, 1000)
    assert cutoff_for_model({"kind": "cosine"}, background) == relevance_cutoff(background)
    assert cutoff_for_model(None, background) == relevance_cutoff(background)


def test_a_siglip_model_gets_the_calibrated_cutoff_through_services(home, tmp_path, monkeypatch) -> None:
    from pathlib import Path

    from helpers.photos import make_colour_folder

    from motis_desktop.core.services import Services

    monkeypatch.setenv("MOTIS_INFERENCE_MODE", "fp32")
    tiny = Path(__file__).resolve().parent / "data" / "parity" / "siglip2_b32_tiny"
    services = Services.open(home)
    try:
        services.import_checkpoint(tiny, "siglip2-tiny")
        make_colour_folder(tmp_path / "photos", per_colour=2)
        services.add_folders([str(tmp_path / "photos")])
        services.index()
        result = services.query("rote katze", limit=12)
        score = services.model_info().origin["open_clip"]["score"]
    finally:
        services.close()
    assert result.cutoff == sigmoid_cutoff(score["scale"], score["bias"])
