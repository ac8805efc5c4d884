"""Encoders: our CLIP vs its TorchScript export, checkpoint formats, bad files, the colour model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from motis_desktop.core.errors import ModelError
from motis_desktop.core.images.preprocess import PreprocessConfig, preprocess
from motis_desktop.core.models.encoders.checkpoint import (
    build_clip,
    checkpoint_encoder,
    export_torchscript_pair,
    load_state_dict,
)
from motis_desktop.core.models.encoders.clip_model import CLIP, CLIPConfig
from motis_desktop.core.models.encoders.torchscript_pair import BatchFallback, load_pair_encoder
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


def test_config_inferred_from_state_dict(tiny_checkpoint: Path) -> None:
    assert CLIPConfig.from_state_dict(load_state_dict(tiny_checkpoint)) == TINY


def test_checkpoint_and_exported_pair_give_same_embeddings(tiny_checkpoint: Path, tmp_path: Path) -> None:
    eager = checkpoint_encoder(tiny_checkpoint, "tiny")
    image_pt, text_pt = export_torchscript_pair(build_clip(load_state_dict(tiny_checkpoint)), tmp_path)
    scripted = load_pair_encoder(image_pt, text_pt, "tiny-ts", PreprocessConfig(size=64))
    images = torch.randn(4, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    ids = tokenize(["three cats on a sofa", "receipt", "sunset over the sea", "a dog"])
    a, b = eager.encode_images(images), scripted.encode_images(images)
    assert a.shape == (4, 32)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.abs(a - b).max() <= 1e-5
    assert np.abs(eager.encode_texts(ids) - scripted.encode_texts(ids)).max() <= 1e-5
    assert scripted.embed_dim == 32
    assert eager.preprocess_config.size == 64


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
    ids = tokenize(["red car"])
    changed = ids.clone()
    changed[0, 10] = 500  # a token after the end token must not change anything (causal mask)
    with torch.no_grad():
        assert torch.allclose(model.encode_text(ids), model.encode_text(changed), atol=1e-6)


@pytest.mark.parametrize("content", [b"", b"not a model at all", b"PK\x03\x04broken zip"])
def test_corrupt_model_files_name_the_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken_image.pt"
    bad.write_bytes(content)
    with pytest.raises(ModelError, match="broken_image.pt"):
        load_pair_encoder(bad, bad, "x")
    ckpt = tmp_path / "broken.safetensors"
    ckpt.write_bytes(content)
    with pytest.raises(ModelError, match="broken.safetensors"):
        load_state_dict(ckpt)


def test_mismatched_checkpoint_is_refused(tmp_path: Path) -> None:
    torch.save({"weight": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ModelError, match="other.pt.*not a ViT CLIP"):
        checkpoint_encoder(tmp_path / "other.pt", "x")


class _OnlyBatchOne(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] != 1:
            raise RuntimeError("batch size must be 1")
        return x.flatten(1)[:, :4] * 2


def test_batch_fallback_loops_for_batch_one_modules() -> None:
    tower = BatchFallback(torch.jit.script(_OnlyBatchOne()))
    x = torch.randn(3, 1, 2, 2)
    out = tower(x)
    assert out.shape == (3, 4)
    assert not tower.batched
    assert torch.allclose(out, x.flatten(1) * 2)


def test_colour_model_ranks_colours(colour_pair: tuple[Path, Path]) -> None:
    encoder = load_pair_encoder(*colour_pair, "colour")
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
    assert info.format == "openai-checkpoint"
    assert info.embed_dim == 32
    assert info.image_size == 64
    assert (home / "models" / "tiny" / "model.safetensors").is_file()
    installed = ModelStore(home / "models").load_encoder("tiny")
    images = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(5))
    expected = checkpoint_encoder(tiny_checkpoint, "x").encode_images(images)
    assert np.abs(installed.encode_images(images) - expected).max() <= 1e-6
    make_colour_folder(tmp_path / "photos", per_colour=2)
    summary = cli_json("index", str(tmp_path / "photos"), home=home)
    assert summary["encoded"] == 12
    assert summary["model_id"] == info.model_id
    assert len(cli_json("search", "a photo", "-k", "5", home=home)) == 5
