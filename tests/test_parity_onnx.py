"""Issue 20 acceptance: the parity fixtures through our loader AND the ONNX engine (what runs at run time).

Each tiny model made by open_clip/timm (tests/data/parity, scripts/make_parity_fixtures.py) is imported
with ``ModelStore.import_open_clip`` (our towers → ONNX, checked, manifest written), loaded as the
runtime loads it (``engine.Encoder``, onnxruntime, fp32) and compared with open_clip's own unit vectors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.models.installed import ModelStore

PARITY = Path(__file__).resolve().parent / "data" / "parity"
MAX_DIFF = 1e-4  # on unit vectors


@pytest.mark.parametrize(("name", "mean", "std"), [("siglip2_b32_tiny", 0.5, 0.5), ("mobileclip2_s0_tiny", 0.0, 1.0)])
def test_onnx_engine_matches_open_clip(tmp_path: Path, name: str, mean: float, std: float) -> None:
    store = ModelStore(tmp_path / "models")
    info = store.import_open_clip(PARITY / name, name.replace("_", "-"))
    encoder = store.load_encoder(info.name)
    assert type(encoder).__module__ == "motis_desktop.core.models.engine"
    assert encoder.modes == {"image": "fp32", "text": "fp32"}
    ref = dict(np.load(PARITY / name / "reference.npz"))
    pixels = ((ref["images_u8"].astype(np.float32) / 255.0 - mean) / std).astype(np.float32)
    image = encoder.encode_images(pixels)
    text = encoder.encode_texts(ref["ids"].astype(np.int64))
    assert np.abs(image - ref["image_vectors"]).max() <= MAX_DIFF
    assert np.abs(text - ref["text_vectors"]).max() <= MAX_DIFF
    assert (ref["image_vectors"] @ ref["image_vectors"].T)[np.triu_indices(3, 1)].max() < 0.99


def test_siglip2_manifest_says_what_the_runtime_needs(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    info = store.import_open_clip(PARITY / "siglip2_b32_tiny", "siglip2-tiny")
    assert info.format == "onnx" and info.source_format == "open-clip-hf"
    assert (info.image_size, info.context_length, info.tokenizer) == (256, 64, "hf")
    assert info.score["kind"] == "scale-bias"
    assert not info.text_truncation  # SigLIP pools the last position: padding matters
    # indexing resizes as the reference does: the whole image squashed to 256 x 256, bicubic, mean/std 0.5
    again = store.get(info.name)  # read back from the manifest
    assert again.preprocess_config == PreprocessConfig(256, (0.5,) * 3, (0.5,) * 3, "squash", "bicubic")
    mobile = store.import_open_clip(PARITY / "mobileclip2_s0_tiny", "mobileclip2-tiny")
    assert store.get(mobile.name).preprocess_config == PreprocessConfig(
        256, (0.0,) * 3, (1.0,) * 3, "shortest", "bilinear"
    )
    # the tokenizer path reaches the ONNX text tower: a German query equals its ids run directly
    from motis_desktop.core.models.hf_tokenizer import HFTokenizer

    encoder = store.load_encoder(info.name)
    ids = HFTokenizer(tmp_path / "models" / "siglip2-tiny" / "tokenizer.json", 64)(["Eine rote Katze"])
    assert np.abs(encoder.encode_queries(["Eine rote Katze"]) - encoder.encode_texts(ids)).max() < 1e-6
