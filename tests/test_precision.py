"""Precision by measurement: the fidelity rule on a known-answer and a random-weight model, the per-tower
choice, its cache, the forcing variable and the CLI table."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.cli import cli_json

from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models import precision
from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig
from motis_desktop.core.models.engine import Encoder
from motis_desktop.core.models.installed import ModelStore
from motis_desktop.core.models.precision import TowerResult, choose_modes, forced_modes, measure_towers
from motis_desktop.core.services import Services

TINY = CLIPConfig.tiny()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory, colour_pair: tuple[Path, Path]) -> ModelStore:
    """The colour model (known answers) and a random-weight CLIP, installed as ONNX towers with int8 ones."""
    store = ModelStore(tmp_path_factory.mktemp("models"))
    store.import_pair(*colour_pair, "colour")
    torch.manual_seed(0)
    clip = CLIP(TINY).eval()
    store.install_towers(
        "random", clip.visual, clip.text_tower(), source_format="test", preprocess_config=PreprocessConfig(size=64)
    )
    return store


class _Confused:
    """A deliberately perturbed image tower: every ``every``-th photo's vector is moved a fraction ``t`` of
    the way to the vector of the photo four places on (a mode that confuses some inputs); the rest is exact."""

    def __init__(self, encoder: Encoder, every: int = 8, t: float = 1.0) -> None:
        self.encoder, self.every, self.t = encoder, every, t

    def encode_images(self, images: np.ndarray) -> np.ndarray:
        out = self.encoder.encode_images(images).copy()
        for i in range(0, len(out) - 4, self.every):
            moved = (1 - self.t) * out[i] + self.t * out[i + 4]
            out[i] = moved / np.linalg.norm(moved)
        return out

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode_queries(texts)


def _probes(encoder: Encoder) -> np.ndarray:
    """Known-answer photos for the colour model (4 of each colour, textured), photo-like ones otherwise."""
    if encoder.embed_dim != 512:
        return precision.probe_images(encoder.preprocess_config)
    from helpers.photos import COLOURS, colour_image

    from motis_desktop.core.images.preprocess import preprocess

    return np.stack([preprocess(colour_image(rgb, 80, 60, seed)) for seed in range(4) for rgb in COLOURS.values()])


def _image_results(encoder: Encoder, perturbed: bool, every: int = 8, t: float = 1.0) -> dict[str, TowerResult]:
    def variant(enc: Encoder, role: str, mode: str) -> Encoder:
        faithful = enc.with_modes(**{role: mode})
        return _Confused(faithful, every, t) if perturbed else faithful  # type: ignore[return-value]

    images = _probes(encoder)
    results = measure_towers(encoder, images, min_seconds=0.05, variants=variant)
    return {r.mode: r for r in results if r.role == "image"}


@pytest.mark.parametrize("name", ["colour", "random"])
def test_rule_accepts_int8_and_rejects_a_perturbed_mode(models: ModelStore, name: str) -> None:
    encoder = models.load_encoder(name)
    faithful = _image_results(encoder, perturbed=False)["int8"]
    assert faithful.available and faithful.faithful, faithful
    assert faithful.resolvable_pairs > 0
    wrong = _image_results(encoder, perturbed=True)["int8"]
    assert not wrong.faithful, wrong
    assert wrong.agreement < precision.MIN_AGREEMENT  # resolvable pairs come out in another order
    assert wrong.cos_min < faithful.cos_min


def test_known_answer_model_still_answers_in_int8(models: ModelStore) -> None:
    from helpers.photos import COLOURS

    from motis_desktop.core.images.preprocess import preprocess

    encoder = models.load_encoder("colour").with_modes(image="int8", text="int8")
    words = list(COLOURS)
    batch = np.stack([preprocess(np.full((40, 50, 3), COLOURS[w], np.uint8)) for w in words])
    scores = encoder.encode_queries(words) @ encoder.encode_images(batch).T
    assert (np.argmax(scores, axis=1) == np.arange(len(words))).all()


def test_each_tower_chooses_for_itself() -> None:
    results = [
        TowerResult("image", "fp32", True, speed=10.0),
        TowerResult("image", "int8", True, speed=30.0, cos_min=0.9996, agreement=1.0),
        TowerResult("text", "fp32", True, speed=2.0),
        TowerResult("text", "int8", True, speed=3.0, cos_min=0.9996, agreement=1.0),  # slower per query
    ]
    assert choose_modes(results) == {"image": "int8", "text": "fp32"}
    results[1].agreement = 0.5  # unfaithful, however fast
    assert choose_modes(results)["image"] == "fp32"


def test_forcing_variable() -> None:
    assert forced_modes("int8") == {"image": "int8", "text": "int8"}
    assert forced_modes("image=int8,text=fp32") == {"image": "int8", "text": "fp32"}


@pytest.fixture
def tiny_services(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    from safetensors.torch import save_file

    monkeypatch.delenv(precision.MODE_ENV, raising=False)  # conftest pins fp32 for the other tests
    torch.manual_seed(0)
    path = tmp_path / "tiny.safetensors"
    save_file({k: v.contiguous() for k, v in CLIP(TINY).state_dict().items()}, str(path))
    services = Services.open(home)
    services.import_checkpoint(path, "tiny")
    yield services
    services.close()


def _count_measurements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = precision.measure_and_choose

    def counting(encoder: Encoder, *args: object, **kwargs: object) -> dict:
        calls.append(encoder.model_id)
        return real(encoder, *args, **kwargs)

    monkeypatch.setattr(precision, "measure_and_choose", counting)
    return calls


def test_choice_is_measured_once_per_tower_and_cached(tiny_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_measurements(monkeypatch)
    encoder = tiny_services.encoder()
    info = tiny_services.active_model()
    assert info is not None
    cached = json.loads((tiny_services.cache_dir("modes") / f"{info.model_id}.json").read_text())
    assert encoder.modes == cached["modes"]
    assert {(r["role"], r["mode"]) for r in cached["results"]} == {
        (role, mode) for role in ("image", "text") for mode in ("fp32", "int8")
    }
    fresh = Services.open(tiny_services.home)
    try:
        assert fresh.encoder().modes == cached["modes"]
    finally:
        fresh.close()
    assert calls == [info.model_id]


def test_choice_from_another_machine_is_measured_again(
    tiny_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny_services.encoder()
    info = tiny_services.active_model()
    assert info is not None
    path = tiny_services.cache_dir("modes") / f"{info.model_id}.json"
    data = json.loads(path.read_text())
    data["fingerprint"]["onnxruntime"] = "0.0"
    path.write_text(json.dumps(data))
    calls = _count_measurements(monkeypatch)
    fresh = Services.open(tiny_services.home)
    try:
        fresh.encoder()
    finally:
        fresh.close()
    assert calls == [info.model_id]


def test_environment_forces_modes_without_measuring(tiny_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_measurements(monkeypatch)
    monkeypatch.setenv(precision.MODE_ENV, "image=int8,text=fp32")
    assert tiny_services.encoder().modes == {"image": "int8", "text": "fp32"}
    assert calls == []


def test_cli_bench_prints_each_tower_and_caches(tiny_services: Services) -> None:
    out = cli_json("models", "bench", "tiny", "--json", home=tiny_services.home)
    assert [(r["role"], r["mode"]) for r in out["results"]] == [
        ("image", "fp32"),
        ("image", "int8"),
        ("text", "fp32"),
        ("text", "int8"),
    ]
    for role in ("image", "text"):
        faithful = {r["mode"] for r in out["results"] if r["role"] == role and r["faithful"]}
        assert out["modes"][role] in faithful


def test_int8_weights_use_seven_bits_where_the_cpu_would_saturate() -> None:
    """x86 without VNNI sums u8 x s8 pairs in saturating int16 (the random tower above lost cosine 0.984 on an
    AVX2-only CPU with 8-bit weights); VNNI and ARM keep 8 bits."""
    assert precision.reduced_range_for("x86_64", {"avx2", "fma"})
    assert precision.reduced_range_for("AMD64", set())  # flags unknown (not Linux): the safe side
    assert not precision.reduced_range_for("x86_64", {"avx2", "avx512_vnni"})
    assert not precision.reduced_range_for("x86_64", {"avx2", "avx_vnni"})
    assert not precision.reduced_range_for("aarch64", set())


def test_int8_towers_made_for_another_kind_of_cpu_are_made_again(
    tiny_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A home moved to a CPU of the other kind (or installed before 7-bit weights): the next load makes the int8
    towers again with the weight bits this CPU needs and measures again, once; later loads use the cache."""
    tiny_services.encoder()  # measured and cached for the towers as installed
    info = tiny_services.active_model()
    assert info is not None
    here = 7 if precision.int8_reduced_range() else 8
    assert info.conversion["int8_weight_bits"] == here
    tower = tiny_services.home / "models" / info.name / info.files["image.int8"]
    before = tower.read_bytes()
    other = here == 8
    monkeypatch.setattr(precision, "int8_reduced_range", lambda: other)  # the other kind of CPU
    calls = _count_measurements(monkeypatch)
    for _ in range(2):
        fresh = Services.open(tiny_services.home)
        try:
            assert fresh.encoder().modes["image"] in ("fp32", "int8")
            assert fresh.model_info().conversion["int8_weight_bits"] == 15 - here
        finally:
            fresh.close()
    assert calls == [info.model_id]  # measured again once, for the new towers
    assert tower.read_bytes() != before
    assert not [p for p in (tiny_services.home / "models").iterdir() if p.name.startswith(".int8-")]


def test_a_faithful_int8_tower_is_kept_unless_fp32_is_clearly_faster() -> None:
    """An AVX-512 machine measured at load 4 chose the fp32 text tower for 10.6 against 12.4 ms a query: a timing
    within the swing of a busy machine, for four times the memory (the app held 870 MB at 100k photos)."""
    results = [
        TowerResult("image", "fp32", True, speed=8.2),
        TowerResult("image", "int8", True, speed=21.5, cos_min=0.9998, agreement=1.0),
        TowerResult("text", "fp32", True, speed=10.56),
        TowerResult("text", "int8", True, speed=12.37, cos_min=0.9997, agreement=1.0),
    ]
    assert choose_modes(results) == {"image": "int8", "text": "int8"}
    results[3].speed = 14.0  # 1.33 times the fp32 tower's time: fp32 is clearly faster
    assert choose_modes(results)["text"] == "fp32"


def test_a_cached_choice_is_read_under_todays_rule(tmp_path: Path) -> None:
    """Choices cached before the rule kept int8 within reach are read again from their measurements (no new
    measuring at the next start)."""
    fingerprint = {"cpu": "test", "cores": 2}
    results = [
        TowerResult("image", "fp32", True, speed=8.2),
        TowerResult("image", "int8", True, speed=21.5, cos_min=0.9998, agreement=1.0),
        TowerResult("text", "fp32", True, speed=10.56),
        TowerResult("text", "int8", True, speed=12.37, cos_min=0.9997, agreement=1.0),
    ]
    cached = {
        "version": precision.CHOICE_VERSION,
        "model_id": "m",
        "modes": {"image": "int8", "text": "fp32"},  # what the older rule chose
        "fingerprint": fingerprint,
        "results": [r.to_json() for r in results],
    }
    path = tmp_path / "m.json"
    path.write_text(json.dumps(cached))
    assert precision.read_choice(path, fingerprint)["modes"] == {"image": "int8", "text": "int8"}
    cached["results"] = [{"role": "text", "mode": "int8", "available": True, "speed": "fast"}]  # not ours: as written
    path.write_text(json.dumps(cached))
    assert precision.read_choice(path, fingerprint)["modes"] == {"image": "int8", "text": "fp32"}


def test_a_cancelled_run_stops_the_first_use_measuring_and_caches_nothing(
    tiny_services: Services, tmp_path: Path
) -> None:
    """QA walk 8 #5: quitting while a new model was measured for its first use waited for the whole measuring (7-10
    s under load): the run's cancel did not reach it. Cancelled, the run ends without measuring and caches no choice;
    the next run measures."""
    from helpers.photos import make_colour_folder

    make_colour_folder(tmp_path / "photos", per_colour=1)
    tiny_services.add_folders([str(tmp_path / "photos")])
    info = tiny_services.active_model()
    assert info is not None
    modes = tiny_services.cache_dir("modes") / f"{info.model_id}.json"
    cancel = threading.Event()
    cancel.set()  # Cancel (or the quit) came as the run began
    summary = tiny_services.index(cancel=cancel)
    assert summary.cancelled and summary.encoded == 0
    assert not modes.exists()
    summary = tiny_services.index()
    assert not summary.cancelled and summary.encoded == 6
    assert json.loads(modes.read_text())["model_id"] == info.model_id
