"""Inference modes: conversion of every model format, the fidelity rule, the cached choice, the CLI table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.cli import cli_json

from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models import mode_select
from motis_desktop.core.models.encoders.base import Encoder
from motis_desktop.core.models.encoders.checkpoint import clip_encoder, export_torchscript_pair
from motis_desktop.core.models.encoders.clip_model import CLIP, CLIPConfig
from motis_desktop.core.models.encoders.torchscript_pair import load_pair_encoder
from motis_desktop.core.models.mode_select import ModeResult, choose_mode, measure_modes
from motis_desktop.core.models.modes import ModeUnavailable, tower_in_mode
from motis_desktop.core.services import Services

TINY = CLIPConfig.tiny()
CONFIG = PreprocessConfig(size=64)


@pytest.fixture(scope="module")
def tiny_clip() -> CLIP:
    torch.manual_seed(0)
    return CLIP(TINY).eval()


@pytest.fixture(scope="module")
def tiny_pair(tiny_clip: CLIP, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return export_torchscript_pair(tiny_clip, tmp_path_factory.mktemp("pair"))


@pytest.fixture(scope="module")
def images() -> np.ndarray:
    return mode_select.probe_images(CONFIG, count=12)


def _encoders(tiny_clip: CLIP, tiny_pair: tuple[Path, Path]) -> dict[str, Encoder]:
    return {
        "our-clip": clip_encoder(tiny_clip, "tiny", CONFIG),
        "torchscript-pair": load_pair_encoder(*tiny_pair, "tiny-ts", CONFIG),
    }


@pytest.mark.parametrize("fmt", ["our-clip", "torchscript-pair"])
@pytest.mark.parametrize("mode", ["bf16", "int8"])
def test_every_format_runs_in_every_mode_close_to_fp32(
    tiny_clip: CLIP, tiny_pair: tuple[Path, Path], images: np.ndarray, fmt: str, mode: str
) -> None:
    base = _encoders(tiny_clip, tiny_pair)[fmt]
    converted = base.in_mode(mode)
    assert converted.mode == mode
    image_cos = np.sum(converted.encode_images(images) * base.encode_images(images), axis=1)
    assert image_cos.min() >= 0.99
    texts = ["a dog on the beach", "sunset"]
    text_cos = np.sum(converted.encode_queries(texts) * base.encode_queries(texts), axis=1)
    assert text_cos.min() >= 0.99


def test_conversion_leaves_the_fp32_model_untouched(tiny_clip: CLIP, images: np.ndarray) -> None:
    base = clip_encoder(tiny_clip, "tiny", CONFIG)
    before = base.encode_images(images)
    base.in_mode("int8")
    assert np.array_equal(base.encode_images(images), before)


def test_converted_graph_uses_int8_and_bf16_kernels(tiny_clip: CLIP) -> None:
    int8 = tower_in_mode(tiny_clip.visual, "int8")
    bf16 = tower_in_mode(tiny_clip.visual, "bf16")
    assert "quantized::linear_dynamic" in str(int8.graph)
    assert "aten::linear" not in str(int8.graph)
    assert "BFloat16" in str(bf16.graph)


def test_tower_without_linear_layers_is_unavailable() -> None:
    with pytest.raises(ModeUnavailable, match="no linear layers"):
        tower_in_mode(torch.nn.Flatten(), "int8")


def _perturbed(encoder: Encoder, mode: str) -> Encoder:
    """A fake mode whose image vectors are visibly off (cosine ~0.9 to fp32)."""
    generator = torch.Generator().manual_seed(7)

    def image_tower(x: torch.Tensor) -> torch.Tensor:
        out = encoder._image_tower(x)
        return out + 0.5 * out.norm(dim=1, keepdim=True) * torch.randn(out.shape, generator=generator) / 5.0

    other = Encoder(encoder.model_id, encoder.embed_dim, image_tower, encoder._text_tower, encoder.preprocess_config)
    other.mode = mode
    return other


def test_fidelity_rule_rejects_a_perturbed_mode(tiny_clip: CLIP, images: np.ndarray) -> None:
    base = clip_encoder(tiny_clip, "tiny", CONFIG)
    results = measure_modes(base, images, modes=("fp32", "perturbed"), convert=_perturbed, min_seconds=0.0)
    perturbed = results[1]
    assert perturbed.available
    assert perturbed.image_cos_min < mode_select.MIN_COSINE
    assert not perturbed.faithful


def test_fastest_mode_wins_only_when_faithful() -> None:
    fp32 = ModeResult("fp32", True, image_per_s=10, image_cos_min=1, text_cos_min=1, top10_same=True)
    bf16 = ModeResult("bf16", True, image_per_s=20, image_cos_min=0.9999, text_cos_min=0.9999, top10_same=True)
    broken = ModeResult("int8", True, image_per_s=40, image_cos_min=0.998, text_cos_min=0.9999, top10_same=True)
    assert choose_mode([fp32, bf16, broken]) == "bf16"


def test_mode_changing_the_top10_is_rejected() -> None:
    fp32 = ModeResult("fp32", True, image_per_s=10, image_cos_min=1, text_cos_min=1, top10_same=True)
    int8 = ModeResult("int8", True, image_per_s=40, image_cos_min=0.9999, text_cos_min=0.9999, top10_same=False)
    assert choose_mode([fp32, int8]) == "fp32"


def test_unavailable_mode_is_reported_not_chosen(tiny_clip: CLIP, images: np.ndarray) -> None:
    def unavailable(encoder: Encoder, mode: str) -> Encoder:
        raise ModeUnavailable("not on this CPU")

    base = clip_encoder(tiny_clip, "tiny", CONFIG)
    results = measure_modes(base, images, modes=("fp32", "bf16"), convert=unavailable, min_seconds=0.0)
    assert (results[1].available, results[1].reason) == (False, "not on this CPU")
    assert choose_mode(results) == "fp32"


def test_causal_text_tower_is_truncated_without_changing_vectors(tiny_clip: CLIP) -> None:
    encoder = clip_encoder(tiny_clip, "tiny", CONFIG)
    assert mode_select.check_text_truncation(encoder)
    full = encoder.encode_queries(["three cats on a sofa"])
    encoder.truncate_text = True
    assert np.allclose(encoder.encode_queries(["three cats on a sofa"]), full, atol=1e-5)


def test_fixed_length_text_tower_is_not_truncated() -> None:
    table = torch.randn(77, 32)

    def text_tower(ids: torch.Tensor) -> torch.Tensor:
        return (table + ids[..., None].float()).sum(dim=1)  # needs all 77 positions

    encoder = Encoder("fixed", 32, lambda x: x.flatten(1)[:, :32], text_tower, CONFIG)
    assert not mode_select.check_text_truncation(encoder)


# -- the cached choice ------------------------------------------------------------------------------------


@pytest.fixture
def tiny_services(home: Path, tiny_clip: CLIP, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    from safetensors.torch import save_file

    monkeypatch.delenv(mode_select.MODE_ENV, raising=False)  # conftest pins fp32 for the other tests

    path = tmp_path / "tiny.safetensors"
    save_file({k: v.contiguous() for k, v in tiny_clip.state_dict().items()}, str(path))
    services = Services.open(home)
    services.import_checkpoint(path, "tiny")
    yield services
    services.close()


def _count_measurements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = mode_select.measure_and_choose

    def counting(encoder: Encoder, *args: object, **kwargs: object) -> dict:
        calls.append(encoder.model_id)
        return real(encoder, *args, **kwargs)

    monkeypatch.setattr(mode_select, "measure_and_choose", counting)
    return calls


def test_choice_is_measured_once_and_cached_in_the_home(
    tiny_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_measurements(monkeypatch)
    encoder = tiny_services.encoder()
    info = tiny_services.active_model()
    cached = json.loads((tiny_services.cache_dir("modes") / f"{info.model_id}.json").read_text())
    assert encoder.mode == cached["mode"]
    assert {r["mode"] for r in cached["results"]} == {"fp32", "bf16", "int8"}
    fresh = Services.open(tiny_services.home)
    try:
        assert fresh.encoder().mode == cached["mode"]
    finally:
        fresh.close()
    assert calls == [info.model_id]


def test_choice_from_another_machine_is_measured_again(
    tiny_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny_services.encoder()
    info = tiny_services.active_model()
    path = tiny_services.cache_dir("modes") / f"{info.model_id}.json"
    data = json.loads(path.read_text())
    data["fingerprint"]["cpu"] = "some other CPU"
    path.write_text(json.dumps(data))
    calls = _count_measurements(monkeypatch)
    fresh = Services.open(tiny_services.home)
    try:
        fresh.encoder()
    finally:
        fresh.close()
    assert calls == [info.model_id]


def test_damaged_choice_file_is_measured_again(tiny_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    info = tiny_services.active_model()
    path = tiny_services.cache_dir("modes") / f"{info.model_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    calls = _count_measurements(monkeypatch)
    tiny_services.encoder()
    assert calls == [info.model_id]


def test_environment_forces_a_mode_without_measuring(tiny_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_measurements(monkeypatch)
    monkeypatch.setenv(mode_select.MODE_ENV, "int8")
    assert tiny_services.encoder().mode == "int8"
    assert calls == []


def test_cli_bench_prints_the_table_and_caches(tiny_services: Services) -> None:
    home = tiny_services.home
    out = cli_json("models", "bench", "tiny", "--json", home=home)
    assert [r["mode"] for r in out["results"]] == ["fp32", "bf16", "int8"]
    assert out["mode"] in {r["mode"] for r in out["results"] if r["faithful"]}
    info = tiny_services.active_model()
    assert (home / "cache" / "modes" / f"{info.model_id}.json").is_file()
