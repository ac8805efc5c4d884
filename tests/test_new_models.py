"""Issue 20: SigLIP2 and MobileCLIP2 towers and the Gemma tokenizer against fixtures made by the references.

The fixtures (tests/data/parity/, written by scripts/make_parity_fixtures.py with open_clip + timm +
transformers in a throwaway venv) hold open_clip's own outputs for randomized tiny models of the real
architectures; here only our code runs: our HF-layout loader, our towers (the FastViT one folded from
the training-form weights), our tokenizer over ``tokenizers``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from motis_desktop.core.errors import ModelError
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.architectures.fastvit import FastViTTower, fold_state_dict
from motis_desktop.core.models.encoders.open_clip_hf import load_towers
from motis_desktop.core.models.hf_tokenizer import HFTokenizer
from motis_desktop.core.vectors import l2_normalize

PARITY = Path(__file__).resolve().parent / "data" / "parity"
MAX_DIFF = 1e-4  # on unit vectors


def _reference(name: str) -> dict[str, np.ndarray]:
    return dict(np.load(PARITY / name / "reference.npz"))


def _pixels(ref: dict[str, np.ndarray], mean: float, std: float) -> torch.Tensor:
    return (torch.from_numpy(ref["images_u8"]).float() / 255.0 - mean) / std


@pytest.mark.parametrize(
    ("name", "mean", "std", "family"),
    [("siglip2_b32_tiny", 0.5, 0.5, "siglip"), ("mobileclip2_s0_tiny", 0.0, 1.0, "mobileclip")],
)
def test_our_towers_match_open_clip(name: str, mean: float, std: float, family: str) -> None:
    towers = load_towers(PARITY / name)
    ref = _reference(name)
    assert towers.family == family
    assert (towers.preprocess.mean, towers.preprocess.std) == ((mean,) * 3, (std,) * 3)
    with torch.no_grad():
        image = l2_normalize(towers.image_tower(_pixels(ref, mean, std)).numpy())
        text = l2_normalize(towers.text_tower(torch.from_numpy(ref["ids"])).numpy())
    assert np.abs(image - ref["image_vectors"]).max() <= MAX_DIFF
    assert np.abs(text - ref["text_vectors"]).max() <= MAX_DIFF
    # the fixture separates its inputs: parity is not three copies of one vector
    assert (ref["image_vectors"] @ ref["image_vectors"].T)[np.triu_indices(3, 1)].max() < 0.99


def test_siglip2_scores_with_its_scale_and_bias_and_64_tokens() -> None:
    towers = load_towers(PARITY / "siglip2_b32_tiny")
    ref = _reference("siglip2_b32_tiny")
    assert towers.score == {
        "kind": "scale-bias",
        "scale": pytest.approx(float(np.exp(ref["logit_scale"].reshape(-1)[0]))),
        "bias": pytest.approx(float(ref["logit_bias"].reshape(-1)[0])),
    }
    assert (towers.context_length, towers.tokenizer, towers.tokenizer_clean) == (64, "hf", "canonicalize")
    assert towers.preprocess == PreprocessConfig(256, (0.5,) * 3, (0.5,) * 3, "squash", "bicubic")


def test_mobileclip_says_its_licence_and_uses_clip_tokens() -> None:
    towers = load_towers(PARITY / "mobileclip2_s0_tiny")
    assert "research" in towers.license_notice and "Import your own copy" in towers.license_notice
    assert (towers.context_length, towers.tokenizer) == (77, "clip-bpe")
    assert towers.score["kind"] == "cosine"


def test_folding_removes_every_branch_and_keeps_the_function() -> None:
    sd = load_file(str(PARITY / "mobileclip2_s0_tiny" / "open_clip_model.safetensors"))
    trunk = {k.removeprefix("visual.trunk."): v.float() for k, v in sd.items() if k.startswith("visual.trunk.")}
    folded = fold_state_dict(trunk)
    branch_words = (
        "conv_kxk",
        "conv_scale",
        "identity",
        "large_conv",
        "small_conv",
        "pos_enc",
        ".bn.",
        "mixer.mixer",
        "mixer.norm",
    )
    assert not [k for k in folded if any(w in k for w in branch_words)]
    tower = FastViTTower(folded)
    tower.load_state_dict(folded)
    # already-folded weights pass through unchanged
    again = fold_state_dict(folded)
    assert again.keys() == folded.keys() and all(torch.equal(again[k], folded[k]) for k in folded)


def test_tokenizer_ids_equal_the_reference_on_the_whole_set() -> None:
    strings = json.loads((PARITY / "tokenizer" / "strings.json").read_text(encoding="utf-8"))
    expected = np.load(PARITY / "tokenizer" / "ids.npz")["ids"]
    assert len(strings) >= 2000
    scripts = {
        "latin": "a",
        "cjk": "猫",
        "kana": "ソ",
        "hangul": "소",
        "cyrillic": "К",
        "arabic": "ق",
        "devanagari": "स",
        "greek": "Τ",
        "thai": "แ",
        "hebrew": "ש",
    }
    for script, char in scripts.items():
        assert any(char in s for s in strings), script
    ours = HFTokenizer(PARITY / "tokenizer" / "tokenizer.json", context_length=64, clean="canonicalize")(strings)
    assert ours.shape == expected.shape == (len(strings), 64)
    mismatched = [strings[i] for i in np.where((ours != expected).any(axis=1))[0]]
    assert not mismatched, mismatched[:5]
    assert (expected[:, -1] == 0).any() and (expected[:, -1] == 1).any()  # padded rows and truncated rows (eos kept)


def test_tokenizer_lower_cases_and_drops_punctuation_like_the_reference() -> None:
    tok = HFTokenizer(PARITY / "tokenizer" / "tokenizer.json", context_length=64)
    assert np.array_equal(tok("Rote_Katze!!"), tok("rote katze"))
    ids = tok("rote katze")[0]
    assert ids[np.flatnonzero(ids)[-1]] == 1  # <eos> after the words, then <pad> (0)
    assert tok(["x"]).dtype == np.int64


def _copy(name: str, tmp_path: Path) -> Path:
    dst = tmp_path / name
    shutil.copytree(PARITY / name, dst)
    (dst / "reference.npz").unlink()
    return dst


def test_safetensors_file_with_config_beside_it_loads(tmp_path: Path) -> None:
    folder = _copy("siglip2_b32_tiny", tmp_path)
    towers = load_towers(folder / "open_clip_model.safetensors")
    assert towers.embed_dim == 64


def test_depth_comes_from_the_weights_when_the_config_does_not_say(tmp_path: Path) -> None:
    folder = _copy("siglip2_b32_tiny", tmp_path)
    config = json.loads((folder / "open_clip_config.json").read_text())
    config["model_cfg"]["vision_cfg"].pop("layers")
    config["model_cfg"]["text_cfg"].pop("layers")
    (folder / "open_clip_config.json").write_text(json.dumps(config))
    towers = load_towers(folder)
    assert len(towers.image_tower.blocks) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c, sd: c["model_cfg"]["text_cfg"].update(layers=5), "config says text layers 5 but the weights have 2"),
        (lambda c, sd: c["model_cfg"].update(embed_dim=32), "config embed_dim 32"),
        (lambda c, sd: c["preprocess_cfg"].update(size=224), "take 256-pixel images but the config says 224"),
        (lambda c, sd: sd.pop("text.ln_final.weight"), "missing ['ln_final.weight']"),
        (lambda c, sd: sd.update({"text.positional_embedding": torch.zeros(64, 7)}), "positional_embedding"),
        (lambda c, sd: c["model_cfg"]["vision_cfg"].update(timm_model_name="resnet50"), "is not a SigLIP"),
    ],
)
def test_inconsistent_checkpoints_give_one_line_errors(tmp_path: Path, change, message: str) -> None:
    folder = _copy("siglip2_b32_tiny", tmp_path)
    config = json.loads((folder / "open_clip_config.json").read_text())
    sd = load_file(str(folder / "open_clip_model.safetensors"))
    change(config, sd)
    (folder / "open_clip_config.json").write_text(json.dumps(config))
    save_file(sd, str(folder / "open_clip_model.safetensors"))
    with pytest.raises(ModelError) as err:
        load_towers(folder)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_tokenizer_json_is_named(tmp_path: Path) -> None:
    folder = _copy("siglip2_b32_tiny", tmp_path)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="needs its tokenizer.json"):
        load_towers(folder)
