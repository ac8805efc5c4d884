"""What a query pays for at start: the text tower's optimized copy (``engine.make_session(reuse=True)``) and the
tokenizer's vocabulary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from helpers.models import install_colour

from motis_desktop.core.models.tokenizer import BPETokenizer
from motis_desktop.core.services import Services


def text_vector(home: Path, text: str) -> tuple[np.ndarray, Path]:
    services = Services.open(home)
    try:
        encoder = services.encoder()
        return encoder.encode_queries([text])[0], encoder.files[
            encoder.modes["text"] == "fp32" and "text" or "text.int8"
        ]
    finally:
        services.close()


def test_the_text_towers_optimized_copy_answers_as_the_tower(home: Path, colour_pair: tuple[Path, Path]) -> None:
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.close()
    first, tower = text_vector(home, "a red square")
    copies = sorted(tower.parent.glob("*.ort-*.onnx"))
    # written by the first session, beside the tower; only for the mode chosen (not those merely measured)
    assert [c.name.split(".ort-")[0] for c in copies] == [tower.stem]
    again, _ = text_vector(home, "a red square")  # a fresh process's session, made from the copy
    np.testing.assert_allclose(again, first, atol=1e-6)
    copies[0].write_bytes(b"not a model")  # a damaged copy: the tower itself answers
    damaged, _ = text_vector(home, "a red square")
    np.testing.assert_allclose(damaged, first, atol=1e-6)


def test_the_tokenizer_splits_words_as_clip_does() -> None:
    tokenizer = BPETokenizer()
    ids = tokenizer(["a red car on the street", "Sunset!! café 123"])
    assert ids.shape == (2, 77)
    assert ids[0, :8].tolist() == [49406, 320, 736, 1615, 525, 518, 2012, 49407]
    assert ids[1, 0] == 49406 and 49407 in ids[1].tolist()
