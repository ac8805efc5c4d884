"""Conversion to ONNX towers: every source format answers like torch fp32, bad files, the colour model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from motis_desktop.core.errors import ModelError
from motis_desktop.core.images.preprocess import preprocess
from motis_desktop.core.models.encoders.checkpoint import build_clip, load_state_dict
from motis_desktop.core.models.encoders.clip_model import CLIP, CLIPConfig
from motis_desktop.core.models.encoders.torchscript_pair import load_torchscript
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
        want_images = model.encode_image(images).numpy()
        want_texts = model.encode_text(torch.from_numpy(ids)).numpy()
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
        assert torch.allclose(model.encode_text(ids), model.encode_text(changed), atol=1e-6)


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
        expected = build_clip(load_state_dict(tiny_checkpoint)).encode_image(images).numpy()
    assert _cosines(installed.encode_images(images.numpy()), expected).min() >= 0.9999
    make_colour_folder(tmp_path / "photos", per_colour=2)
    summary = cli_json("index", str(tmp_path / "photos"), home=home)
    assert summary["encoded"] == 12
    assert summary["model_id"] == info.model_id
    assert len(cli_json("search", "a photo", "-k", "5", home=home)) == 5
