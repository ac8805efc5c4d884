"""Conversion to ONNX towers: every source format answers like torch fp32, bad files, the colour model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from motis_desktop.core.errors import ModelError
from motis_desktop.core.images.preprocess import PreprocessConfig, preprocess
from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig
from motis_desktop.core.models.encoders.checkpoint import build_clip, load_state_dict, load_torchscript
from motis_desktop.core.models.installed import ModelStore
from motis_desktop.core.models.tokenizer import tokenize

TINY = CLIPConfig.tiny()


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight CLIP from our own architecture code, saved as safetensors."""
    from safetensors.torch import save_file

    torch.manual_seed(0)
    model = CLIP(TINY)
    path = tmp_path_factory.mktemp("tiny") / "tiny.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path


@pytest.fixture(scope="module")
def tiny_store(tiny_checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> ModelStore:
    """The tiny CLIP installed from its checkpoint, exported as a TorchScript pair and installed again."""
    store = ModelStore(tmp_path_factory.mktemp("models"))
    store.import_checkpoint(tiny_checkpoint, "ckpt")
    image_pt, text_pt = store.export_pair("ckpt", tmp_path_factory.mktemp("export"))
    store.import_pair(image_pt, text_pt, "pair")
    return store


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a.astype(np.float64), b.astype(np.float64)
    return np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


@pytest.mark.parametrize("name", ["ckpt", "pair"])
def test_every_format_matches_torch_fp32(tiny_store: ModelStore, tiny_checkpoint: Path, name: str) -> None:
    model = build_clip(load_state_dict(tiny_checkpoint))
    encoder = tiny_store.load_encoder(name)
    images = torch.randn(5, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    ids = tokenize(["three cats on a sofa", "receipt", "sunset over the sea", "a dog", ""])
    with torch.no_grad():
        want_images = model.visual(images).numpy()
        want_texts = model.text_tower()(torch.from_numpy(ids)).numpy()
    got_images, got_texts = encoder.encode_images(images.numpy()), encoder.encode_texts(ids)
    assert got_images.shape == (5, 32)
    assert np.allclose(np.linalg.norm(got_images, axis=1), 1.0, atol=1e-5)
    assert _cosines(got_images, want_images).min() >= 0.9999
    assert _cosines(got_texts, want_texts).min() >= 0.9999
    assert encoder.preprocess_config.size == 64


def test_installed_model_is_onnx_towers_with_a_full_manifest(tiny_store: ModelStore) -> None:
    info = tiny_store.get("ckpt")
    folder = tiny_store.models_dir / "ckpt"
    assert info.format == "onnx" and info.source_format == "openai-checkpoint"
    assert {"image", "text"} <= set(info.files)
    assert all((folder / f).is_file() for f in info.files.values())
    assert (folder / "model.safetensors").is_file()  # kept: export needs it
    assert info.tokenizer == "clip-bpe" and info.context_length == 77 and info.embed_dim == 32
    assert info.score == {"kind": "cosine"}
    assert info.conversion["cosine_to_torch"]["image"] >= 0.9999
    assert tiny_store.get("pair").source_format == "torchscript-pair"


def test_causal_text_tower_takes_cut_ids_with_equal_vectors(tiny_store: ModelStore) -> None:
    for name in ("ckpt", "pair"):
        encoder = tiny_store.load_encoder(name)
        assert encoder.truncate_text  # verified at conversion
        ids = tokenize(["a red car", "snowy mountains under a blue sky at dawn"])
        full = encoder.encode_texts(ids)
        session_input = ids[:, : int(ids.argmax(axis=1).max()) + 1]
        assert session_input.shape[1] < 77
        assert np.abs(encoder.encode_texts(session_input) - full).max() <= 1e-5


def test_batch_of_any_size(tiny_store: ModelStore) -> None:
    encoder = tiny_store.load_encoder("ckpt")
    images = np.random.default_rng(2).normal(size=(7, 3, 64, 64)).astype(np.float32)
    one = np.concatenate([encoder.encode_images(images[i : i + 1]) for i in range(7)])
    assert np.abs(encoder.encode_images(images) - one).max() <= 1e-5


def test_config_inferred_from_state_dict(tiny_checkpoint: Path) -> None:
    assert CLIPConfig.from_state_dict(load_state_dict(tiny_checkpoint)) == TINY


def test_pt_state_dict_loads_with_weights_only_and_fp16(tiny_checkpoint: Path, tmp_path: Path) -> None:
    sd = load_state_dict(tiny_checkpoint)
    half = {f"module.{k}": v.half() for k, v in sd.items()}
    torch.save({"state_dict": half}, tmp_path / "m.pt")
    loaded = load_state_dict(tmp_path / "m.pt")
    assert set(loaded) == set(sd)
    assert all(v.dtype == torch.float32 for v in loaded.values())


def test_attention_matches_torch_multihead_attention() -> None:
    torch.manual_seed(2)
    model = CLIP(TINY).eval()
    attn = model.transformer.resblocks[0].attn
    ref = torch.nn.MultiheadAttention(64, 1, batch_first=True).eval()
    ref.load_state_dict(attn.state_dict())
    x = torch.randn(2, 77, 64)
    mask = model.attn_mask
    with torch.no_grad():
        expected = ref(x, x, x, need_weights=False, attn_mask=mask)[0]
        assert torch.allclose(attn(x, mask), expected, atol=1e-5)


def test_text_features_come_from_end_token_and_are_causal() -> None:
    torch.manual_seed(3)
    model = CLIP(TINY).eval()
    ids = torch.from_numpy(tokenize(["red car"]))
    changed = ids.clone()
    changed[0, 10] = 500  # a token after the end token must not change anything (causal mask)
    with torch.no_grad():
        assert torch.allclose(model.text_tower()(ids), model.text_tower()(changed), atol=1e-6)


@pytest.mark.parametrize("content", [b"", b"not a model at all", b"PK\x03\x04broken zip"])
def test_corrupt_model_files_name_the_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken_image.pt"
    bad.write_bytes(content)
    with pytest.raises(ModelError, match="broken_image.pt"):
        load_torchscript(bad)
    ckpt = tmp_path / "broken.safetensors"
    ckpt.write_bytes(content)
    with pytest.raises(ModelError, match="broken.safetensors"):
        load_state_dict(ckpt)


def test_mismatched_checkpoint_is_refused(tmp_path: Path) -> None:
    torch.save({"weight": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ModelError, match="other.pt.*not a ViT CLIP"):
        build_clip(load_state_dict(tmp_path / "other.pt"), source=str(tmp_path / "other.pt"))


def test_colour_model_ranks_colours(colour_pair: tuple[Path, Path], tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    store.import_pair(*colour_pair, "colour")
    encoder = store.load_encoder("colour")
    assert encoder.embed_dim == 512
    colours = {"red": (220, 30, 30), "green": (30, 180, 40), "blue": (30, 40, 220), "yellow": (240, 225, 30)}
    batch = np.stack([preprocess(np.full((40, 50, 3), c, np.uint8)) for c in colours.values()])
    images = encoder.encode_images(batch)
    texts = encoder.encode_queries(["red", "a green field", "blue sky", "yellow"])
    assert (np.argmax(texts @ images.T, axis=1) == np.arange(4)).all()


def test_checkpoint_import_via_cli_installs_a_working_model(tiny_checkpoint: Path, home: Path, tmp_path: Path) -> None:
    from helpers.cli import cli_json, run_cli
    from helpers.photos import make_colour_folder

    from motis_desktop.core.models.installed import ModelStore

    torch.save(load_state_dict(tiny_checkpoint), tmp_path / "tiny.pt")
    run_cli("models", "import", "--checkpoint", str(tmp_path / "tiny.pt"), "--name", "tiny", home=home)
    info = ModelStore(home / "models").get("tiny")
    assert info.source_format == "openai-checkpoint"
    assert info.embed_dim == 32
    assert info.image_size == 64
    assert (home / "models" / "tiny" / "model.safetensors").is_file()
    installed = ModelStore(home / "models").load_encoder("tiny")
    images = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        expected = build_clip(load_state_dict(tiny_checkpoint)).visual(images).numpy()
    assert _cosines(installed.encode_images(images.numpy()), expected).min() >= 0.9999
    make_colour_folder(tmp_path / "photos", per_colour=2)
    summary = cli_json("index", str(tmp_path / "photos"), home=home)
    assert summary["encoded"] == 12
    assert summary["model_id"] == info.model_id
    assert len(cli_json("search", "a photo", "-k", "5", home=home)) == 5


class _NoisyTextTower(torch.nn.Module):
    """A text tower whose output is random: its ONNX file cannot match torch, so the conversion must fail."""

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.rand(ids.shape[0], 32)


def test_failed_conversion_installs_nothing_and_leaves_no_staging(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    torch.manual_seed(0)
    clip = CLIP(TINY).eval()
    with pytest.raises(ModelError, match="text tower") as err:
        store.install_towers(
            "broken", clip.visual, _NoisyTextTower(), source_format="test", preprocess_config=PreprocessConfig(size=64)
        )
    assert "\n" not in str(err.value)
    assert store.list() == []
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == []  # no model, no .convert-* folder


def test_a_model_installed_by_an_older_version_converts_on_first_use(
    tmp_path: Path, colour_pair: tuple[Path, Path]
) -> None:
    """The old layout (TorchScript pair + model.json without ONNX towers) keeps its id, so its embeddings."""
    import json
    import shutil

    folder = tmp_path / "models" / "old"
    folder.mkdir(parents=True)
    shutil.copyfile(colour_pair[0], folder / "image_encoder.pt")
    shutil.copyfile(colour_pair[1], folder / "text_encoder.pt")
    old = {
        "name": "old", "format": "torchscript-pair", "model_id": "old-0123456789ab", "embed_dim": 512,
        "files": {"image": "image_encoder.pt", "text": "text_encoder.pt"}, "image_size": 224,
        "mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711],
        "context_length": 77, "source": "x", "installed_at": 0.0, "size_bytes": 1, "origin": {},
    }  # fmt: skip
    (folder / "model.json").write_text(json.dumps(old))
    store = ModelStore(tmp_path / "models")
    assert not store.get("old").converted
    encoder = store.load_encoder("old")
    info = store.get("old")
    assert info.converted and info.model_id == "old-0123456789ab" and info.source_format == "torchscript-pair"
    assert encoder.model_id == "old-0123456789ab"
    red = preprocess(np.full((40, 50, 3), (220, 30, 30), np.uint8))[None]
    scores = encoder.encode_queries(["red", "blue"]) @ encoder.encode_images(red).T
    assert scores[0, 0] > scores[1, 0]
    assert not [p.name for p in (tmp_path / "models").iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("fixture_name", ["siglip2_b32_tiny", "mobileclip2_s0_tiny"])
def test_open_clip_models_convert_and_match_torch_fp32(tmp_path: Path, fixture_name: str) -> None:
    from motis_desktop.core.models.encoders.open_clip_hf import load_towers
    from motis_desktop.core.vectors import l2_normalize

    src = Path(__file__).parent / "data" / "parity" / fixture_name
    store = ModelStore(tmp_path / "models")
    info = store.import_checkpoint(src, "m")
    assert info.source_format == "open-clip-hf" and info.converted
    encoder = store.load_encoder("m")
    towers = load_towers(src)
    pixels = np.random.default_rng(0).normal(size=(3, 3, info.image_size, info.image_size)).astype(np.float32)
    ids = encoder.tokenize(["a red car", "ein Hund im Schnee", "sunset over the sea"])
    with torch.no_grad():
        want_images = l2_normalize(towers.image_tower(torch.from_numpy(pixels)).numpy())
        want_texts = l2_normalize(towers.text_tower(torch.from_numpy(ids)).numpy())
    assert _cosines(encoder.encode_images(pixels), want_images).min() >= 0.9999
    assert _cosines(encoder.encode_texts(ids), want_texts).min() >= 0.9999


class _InPlaceImageTower(torch.nn.Module):
    """Writes into slices of its output, like the colour model of older versions (``out[:, :3] = ...``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(x.shape[0], 8)
        out[:, :3] = x.mean(dim=(2, 3))
        out[:, 7] = 0.5
        return out


class _InPlaceTextTower(torch.nn.Module):
    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(ids.shape[0], 9)
        out.scatter_add_(1, ids % 9, torch.ones(ids.shape))
        out = out[:, :8]
        out[:, 7] = 0.5
        return out


def test_scripted_towers_writing_in_place_convert(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    image, text = torch.jit.script(_InPlaceImageTower()), torch.jit.script(_InPlaceTextTower())
    info = store.install_towers("inplace", image, text, source_format="test", preprocess_config=PreprocessConfig(32))
    encoder = store.load_encoder(info.name)
    pixels = np.random.default_rng(4).normal(size=(5, 3, 32, 32)).astype(np.float32)
    ids = tokenize(["red", "a blue car", "sunset over the sea", "x", ""])
    with torch.no_grad():
        want_images, want_texts = image(torch.from_numpy(pixels)).numpy(), text(torch.from_numpy(ids)).numpy()
    assert _cosines(encoder.encode_images(pixels), want_images).min() >= 0.9999
    assert _cosines(encoder.encode_texts(ids), want_texts).min() >= 0.9999
