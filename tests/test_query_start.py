"""What a query pays for at start: the text tower's optimized copy (``engine.make_session(copies=...)``, kept in
the cache) and the tokenizer's vocabulary."""

from __future__ import annotations

import os
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
    copies = sorted((home / "cache" / "onnx").glob("*/*.onnx"))
    # written by the first session, in the cache; only for the mode chosen (not those merely measured)
    assert len(copies) == 1 and copies[0].name.startswith(f"{tower.stem}.{tower.stat().st_size}-")
    assert not list(tower.parent.glob("*.ort-*"))  # nothing beside the tower
    again, _ = text_vector(home, "a red square")  # another Services in this process: its session is the copy's
    np.testing.assert_allclose(again, first, atol=1e-6)
    copies[0].write_bytes(b"not a model")  # a damaged copy: the tower itself answers
    damaged, _ = text_vector(home, "a red square")
    np.testing.assert_allclose(damaged, first, atol=1e-6)


def test_a_changed_tower_gets_a_new_copy_and_old_ones_go(home: Path, colour_pair: tuple[Path, Path]) -> None:
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.close()
    first, tower = text_vector(home, "a blue circle")
    folder = next((home / "cache" / "onnx").iterdir())
    (old,) = folder.iterdir()
    left = folder / f".{old.name}.999-1.tmp"  # what a killed process leaves while onnxruntime writes
    left.write_bytes(b"partial")
    os.utime(left, (1, 1))
    stat = tower.stat()
    os.utime(tower, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the tower rewritten in place
    again, _ = text_vector(home, "a blue circle")
    np.testing.assert_allclose(again, first, atol=1e-6)
    (new,) = folder.iterdir()
    assert new.name != old.name and new.is_file()


def test_the_tokenizer_splits_words_as_clip_does() -> None:
    tokenizer = BPETokenizer()
    ids = tokenizer(["a red car on the street", "Sunset!! café 123"])
    assert ids.shape == (2, 77)
    assert ids[0, :8].tolist() == [49406, 320, 736, 1615, 525, 518, 2012, 49407]
    assert ids[1, 0] == 49406 and 49407 in ids[1].tolist()
