"""Issue 20: with a multilingual model, German/Japanese/Chinese queries work everywhere a query works:
in-process queries with +/− terms, `motis search`, and the query service behind it.

The model is the tiny SigLIP2 of the parity fixtures (random weights, the real architecture and a
Gemma-structured tokenizer): what is checked is that every front end reaches the model through its own
tokenizer, i.e. that each answer's scores are those of the expected query vector.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.photos import make_colour_folder
from helpers.serving import search_in_process, serving

from motis_desktop.cli import server
from motis_desktop.core.models.encoders.open_clip_hf import load_towers
from motis_desktop.core.models.hf_tokenizer import HFTokenizer
from motis_desktop.core.services import Services
from motis_desktop.core.vectors import l2_normalize

TINY = Path(__file__).resolve().parent / "data" / "parity" / "siglip2_b32_tiny"


@pytest.fixture
def services(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MOTIS_INFERENCE_MODE", "fp32")
    svc = Services.open(home)
    svc.import_checkpoint(TINY, "siglip2-tiny")
    make_colour_folder(tmp_path / "photos", per_colour=2)
    svc.add_folders([str(tmp_path / "photos")])
    svc.index()
    yield svc
    svc.close()


def _text_vectors(texts: list[str]) -> np.ndarray:
    towers = load_towers(TINY)
    ids = HFTokenizer(TINY / "tokenizer.json", 64, "canonicalize")(texts)
    with torch.no_grad():
        return l2_normalize(towers.text_tower(torch.from_numpy(ids)).numpy())


def _expected_scores(services: Services, query: np.ndarray) -> dict[str, float]:
    ids, vectors = services.embeddings()
    paths = {f.id: f.path for f in services.files()}
    return {paths[int(i)]: float(v @ query) for i, v in zip(ids, vectors)}


@pytest.mark.parametrize(
    ("query", "plus", "minus"),
    [
        ("rote Katze auf dem Sofa", "rote Katze auf dem Sofa", None),
        ("海に沈む夕日 - 東京の夜景", "海に沈む夕日", "東京の夜景"),
        ("生日蛋糕 + puesta de sol sobre el mar", "生日蛋糕", "puesta de sol sobre el mar"),
    ],
)
def test_queries_in_other_languages_reach_the_model_through_its_tokenizer(
    services: Services, query: str, plus: str, minus: str | None
) -> None:
    vectors = _text_vectors([plus] + ([minus] if minus else []))
    if minus is None:
        want = vectors[0]
    elif "+" in query:
        want = l2_normalize((vectors[0] + vectors[1])[None])[0]
    else:
        want = l2_normalize((vectors[0] - vectors[1])[None])[0]
    expected = _expected_scores(services, want)
    hits = services.query(query, limit=5, cutoff=False).hits
    assert len(hits) == 5
    for hit in hits:
        assert hit.score == pytest.approx(expected[hit.path], abs=1e-4)
    assert [h.path for h in hits] == sorted(expected, key=lambda p: -expected[p])[:5]


def test_motis_search_and_the_query_service_answer_japanese_alike(services: Services) -> None:
    argv = ["海に沈む夕日", "-k", "3"]
    rc, out, _ = search_in_process(services, argv)
    assert rc == 0
    expected = _expected_scores(services, _text_vectors(["海に沈む夕日"])[0])
    best = sorted(expected, key=lambda p: -expected[p])[:3]
    assert all(Path(p).name in out for p in best)
    with serving(services):
        reply = server.forward_search(services.home, argv)
    assert reply == (rc, out, search_in_process(services, argv)[2])
