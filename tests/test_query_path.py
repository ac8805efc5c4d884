"""Query path: the text-vector cache under search, and exact search after changes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.core.search.indexes import ExactIndex
from motis_desktop.core.search.text_cache import TextVectorCache
from motis_desktop.core.services import Services


class CountingEncoder:
    """Stands in for an Encoder: counts model calls, returns a vector derived from the text."""

    def __init__(self, model_id: str = "m", mode: str = "fp32") -> None:
        self.model_id, self.mode, self.calls = model_id, mode, 0

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rng = np.random.default_rng(abs(hash(" ".join(texts[0].split()).lower())) % 2**32)
        v = rng.normal(size=(1, 8)).astype(np.float32)
        return v / np.linalg.norm(v)


def test_repeated_query_is_encoded_once() -> None:
    cache, enc = TextVectorCache(), CountingEncoder()
    first = cache.vector(enc, "sunset over the sea")
    again = cache.vector(enc, "sunset over the sea")
    assert enc.calls == 1
    assert np.array_equal(first, again)


def test_query_differing_only_in_case_and_spaces_hits() -> None:
    cache, enc = TextVectorCache(), CountingEncoder()
    cache.vector(enc, "Sunset over  the sea")
    cache.vector(enc, " sunset over the SEA ")
    assert (enc.calls, cache.hits) == (1, 1)


def test_other_model_or_mode_is_encoded_again() -> None:
    cache = TextVectorCache()
    for enc in (CountingEncoder("m", "fp32"), CountingEncoder("m", "int8"), CountingEncoder("n", "fp32")):
        cache.vector(enc, "a dog")
        assert enc.calls == 1
    assert len(cache) == 3


def test_cache_is_bounded_and_evicts_least_recent() -> None:
    cache, enc = TextVectorCache(capacity=2), CountingEncoder()
    cache.vector(enc, "a")
    cache.vector(enc, "b")
    cache.vector(enc, "a")  # "b" is now the least recently used
    cache.vector(enc, "c")
    assert len(cache) == 2
    cache.vector(enc, "a")
    assert enc.calls == 3  # a, b, c; "a" was kept
    cache.vector(enc, "b")
    assert enc.calls == 4  # "b" was evicted


def test_cached_vector_is_read_only() -> None:
    vector = TextVectorCache().vector(CountingEncoder(), "a cat")
    with pytest.raises(ValueError):
        vector[0] = 1.0


def test_services_search_reuses_the_text_vector(
    home: Path, colour_pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services.open(home)
    try:
        install_colour(services, colour_pair)
        make_colour_folder(tmp_path / "photos", per_colour=2)
        services.add_folders([str(tmp_path / "photos")])
        services.index()
        encoder = services.encoder()
        texts: list[str] = []
        real = encoder.encode_queries
        monkeypatch.setattr(encoder, "encode_queries", lambda batch: texts.extend(batch) or real(batch))
        first = services.query("red", 3, cutoff=False).hits
        services.set_index_strategy("kmeans")  # another index; the same text-vector cache
        second = services.query("red", 3, cutoff=False).hits
        third = services.query("red", 3, cutoff=False, strategy="annoy").hits  # this call only
        assert texts == ["red"]  # the text tower ran once
        assert [h.path for h in first] == [h.path for h in second]
        assert [h.path for h in first][:2] == [h.path for h in third][:2]  # the two red photos (annoy: approximate)
        assert services.update_search_index().strategy == "kmeans"
    finally:
        services.close()


def _unit(rng: np.random.Generator, n: int, d: int = 64) -> np.ndarray:
    v = rng.normal(size=(n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_exact_index_sees_additions_and_removals_after_a_search() -> None:
    rng = np.random.default_rng(1)
    vectors = _unit(rng, 100)
    index = ExactIndex()
    index.build(np.arange(100), vectors)
    index.search(vectors[:1], 5)
    index.add(np.array([500]), -vectors[7:8])
    index.remove(np.array([0]))
    ids, _ = index.search(-vectors[7:8], 1)
    assert ids[0, 0] == 500
    ids, _ = index.search(vectors[:1], 1)
    assert ids[0, 0] != 0
