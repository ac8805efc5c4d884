"""Issue 20: the catalogue's new models (SigLIP2 to download, MobileCLIP2 to import) and their download.

The download runs against a local HTTP server (127.0.0.1) serving a tiny SigLIP2 in the repository
layout of the real ``timm/ViT-B-32-SigLIP2-256`` (open_clip_config.json, open_clip_model.safetensors,
tokenizer.json, tokenizer_config.json under ``/<repo>/resolve/<rev>/``), with its LFS sha256 header.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.cli import cli_json, run_cli

from motis_desktop.core.models.encoders.open_clip_hf import load_towers
from motis_desktop.core.models.hf_tokenizer import HFTokenizer
from motis_desktop.core.models.registry import find_model, load_registry
from motis_desktop.core.vectors import l2_normalize

REPO = Path(__file__).resolve().parent.parent
PARITY = REPO / "tests" / "data" / "parity"
TINY = PARITY / "siglip2_b32_tiny"
FILES = ("open_clip_config.json", "open_clip_model.safetensors", "tokenizer.json", "tokenizer_config.json")


def test_catalogue_lists_siglip2_with_size_languages_licence_and_figure() -> None:
    for name, repo in (
        ("siglip2-vit-b32-256", "ViT-B-32-SigLIP2-256"),
        ("siglip2-vit-b16-256", "ViT-B-16-SigLIP2-256"),
    ):
        m = find_model(name)
        assert m.format == "open-clip-hf" and not m.import_only
        assert [f.filename for f in m.files] == list(FILES)
        assert all(f.url.startswith(f"https://huggingface.co/timm/{repo}/resolve/") for f in m.files)
        assert 1.4e9 < m.size < 1.7e9  # the real download: float32 weights + the 34 MB Gemma tokenizer
        assert m.license.startswith("Apache-2.0")
        assert "multilingual" in m.languages
        assert m.disk_size and 3.3e9 < m.disk_size < 3.5e9 and "(3.4 GB on disk)" in m.sentence()  # the real disk size
    b32 = find_model("siglip2-vit-b32-256")
    assert "73.2" in b32.quality and "Crossmodal-3600" in b32.quality_source


def test_mobileclip_is_import_only_with_its_research_licence() -> None:
    for name in ("mobileclip2-s0", "mobileclip2-s2"):
        m = find_model(name)
        assert m.import_only and not m.files
        assert "research use only" in m.license
        assert "import your own copy; research licence" in m.display_name
    assert "48.8" in find_model("mobileclip2-s2").quality


def test_seed_pairs_stay_with_their_figures() -> None:
    names = [m.name for m in load_registry()]
    assert "motis-vits16" in names and "clip-vit-b32" in names
    assert "40.4/68.5/78.4" in find_model("motis-vits16").quality
    assert len([n for n in names if n.startswith("motis-") and "." in n]) == 5


def test_models_available_shows_what_users_choose(home: Path) -> None:
    out = run_cli("models", "available", home=home).stdout
    assert "import your own copy; research licence" in out
    assert "1.5 GB download (3.4 GB on disk)" in out and "100+ other languages" in out and "Apache-2.0" in out
    out = run_cli("models", "available", "--verbose", home=home).stdout  # the figures and notes: on request
    assert "languages: multilingual" in out
    assert "licence: Apache-2.0" in out
    assert "quality: Crossmodal-3600 text-to-image recall 73.2" in out
    assert "disk: ONNX towers" in out
    rows = {m["name"]: m for m in cli_json("models", "available", home=home)}
    assert rows["siglip2-vit-b32-256"]["quality_source"]
    assert rows["mobileclip2-s2"]["import_only"] is True


def test_downloading_an_import_only_model_says_how_to_import(home: Path) -> None:
    result = run_cli("models", "download", "mobileclip2-s0", home=home, check=False)
    assert result.returncode != 0
    assert "import your own copy" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_first_run_dialog_shows_languages_licence_and_figure(qtbot, home: Path) -> None:
    from motis_desktop.core.services import Services
    from motis_desktop.gui.model_dialog import ModelDialog

    services = Services.open(home)
    dialog = ModelDialog(services)
    qtbot.addWidget(dialog)
    names = [dialog.choice.itemData(i) for i in range(dialog.choice.count())]
    dialog.choice.setCurrentIndex(names.index("siglip2-vit-b32-256"))
    details, technical, button = dialog.details.text(), dialog.technical.text(), dialog.download_button.text()
    dialog.choice.setCurrentIndex(names.index("mobileclip2-s2"))
    mobile, enabled = dialog.details.text(), dialog.download_button.isEnabled()
    label = dialog.choice.itemText(names.index("mobileclip2-s2"))
    services.close()
    assert "100+ other languages" in details and "Apache-2.0" in details  # the plain sentence
    assert "73.2" in technical and "source:" in technical and "Licence: Apache-2.0" in technical
    assert "Download (1534 MB)" == button
    assert "research use only" in mobile and not enabled and "import only" in label


@pytest.fixture
def siglip_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A registry whose SigLIP2 entry points at the local server holding the tiny model's files."""
    from helpers.model_server import Behaviour, ModelServer

    base = "/timm/ViT-B-32-SigLIP2-256/resolve/0123abc/"
    behaviour = Behaviour(files={base + name: (TINY / name).read_bytes() for name in FILES})
    real = find_model("siglip2-vit-b32-256").to_json()
    entry = {k: v for k, v in real.items() if k not in ("size",)}
    entry["name"] = "siglip2-tiny"
    entry["embed_dim"] = 64
    entry["files"] = [
        {**f, "url": "https://huggingface.co" + base + f["filename"], "size": (TINY / f["filename"]).stat().st_size}
        for f in real["files"]
    ]
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / "bpe_simple_vocab_16e6.txt.gz").symlink_to(REPO / "resources" / "bpe_simple_vocab_16e6.txt.gz")
    (resources / "models.json").write_text(json.dumps({"format_version": 1, "models": [entry]}))
    monkeypatch.setenv("MOTIS_RESOURCES", str(resources))
    with ModelServer(behaviour) as server:
        monkeypatch.setenv("MOTIS_MODEL_MIRROR", server.url)
        yield server


def test_download_from_the_repository_layout_installs_and_reads_german(siglip_registry, home: Path) -> None:
    out = run_cli("models", "download", "siglip2-tiny", home=home).stdout
    assert "installed model 'siglip2-tiny'" in out
    assert out.count("matches the server's sha256") == len(FILES)
    assert not list((home / "cache" / "downloads").rglob("*.part"))
    [info] = cli_json("models", "list", home=home)
    assert info["origin"]["open_clip"]["score"]["kind"] == "scale-bias"
    assert [f["role"] for f in info["origin"]["files"]] == ["config", "weights", "tokenizer", "tokenizer_config"]
    # a German query goes through the model's own Gemma tokenizer, not CLIP's
    from motis_desktop.core.services import Services

    services = Services.open(home)
    try:
        encoder = services.encoder()
        got = encoder.encode_queries(["Eine rote Katze auf dem Sofa", "海に沈む夕日"])
    finally:
        services.close()
    towers = load_towers(TINY)
    ids = HFTokenizer(TINY / "tokenizer.json", 64, "canonicalize")(["Eine rote Katze auf dem Sofa", "海に沈む夕日"])
    with torch.no_grad():
        want = l2_normalize(towers.text_tower(torch.from_numpy(ids)).numpy())
    assert np.abs(got - want).max() < 1e-5
