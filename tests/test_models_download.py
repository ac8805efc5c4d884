"""Model registry downloads against a local server (127.0.0.1), export round trip, and the eval harness."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.cli import cli_json, run_cli
from helpers.models import HF_PATH

from motis_desktop.core.models.download import DownloadCancelled, DownloadError, DownloadProblem, download
from motis_desktop.core.models.installed import ModelStore
from motis_desktop.core.models.registry import install_from_registry, load_registry

REPO = Path(__file__).resolve().parent.parent


def test_cli_download_installs_pair_via_drive_confirm_and_checkpoint_via_lfs_hash(registry, home: Path) -> None:
    available = cli_json("models", "available", home=home)
    assert [m["name"] for m in available] == ["colour-pair", "tiny-clip"]
    assert not available[0]["installed"]
    out = run_cli("models", "download", "colour-pair", home=home).stdout
    assert "installed model 'colour-pair'" in out
    assert "no published checksum: recorded" in out
    assert any(path.startswith("/download?") for path, _ in registry.behaviour.requests)  # followed the form
    out = run_cli("models", "download", "tiny-clip", home=home).stdout
    assert "matches the server's sha256" in out
    listed = {m["name"]: m for m in cli_json("models", "list", home=home)}
    assert set(listed) == {"colour-pair", "tiny-clip"}
    files = listed["colour-pair"]["origin"]["files"]
    assert [f["role"] for f in files] == ["image", "text"]
    assert files[1]["url"].endswith("id=TXTID")
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in files)
    assert not list((home / "cache" / "downloads").rglob("*.part"))


def test_resume_after_connection_cut(registry, tmp_path: Path, tiny_clip_bytes: bytes) -> None:
    registry.behaviour.cut_once_after[HF_PATH] = len(tiny_clip_bytes) // 3
    result = download("https://huggingface.co" + HF_PATH, tmp_path / "m.safetensors")
    assert (tmp_path / "m.safetensors").read_bytes() == tiny_clip_bytes
    assert result.verified_by == "server"
    assert result.sha256 == hashlib.sha256(tiny_clip_bytes).hexdigest()
    ranges = [r for p, r in registry.behaviour.requests if p == HF_PATH]
    assert ranges[0] is None
    assert ranges[1] == f"bytes={len(tiny_clip_bytes) // 3}-"  # resumed, not restarted


def test_checksum_mismatch_installs_nothing(registry, home: Path) -> None:
    model = next(m for m in load_registry() if m.name == "tiny-clip")
    bad = type(model.files[0])(**{**model.files[0].__dict__, "sha256": "0" * 64})
    model = type(model)(**{**model.__dict__, "files": (bad,)})
    store = ModelStore(home / "models")
    with pytest.raises(DownloadError, match="checksum mismatch.*nothing was installed"):
        install_from_registry(model, store, home / "cache" / "downloads")
    assert store.list() == []
    assert not list((home / "cache").rglob("*.part"))


def test_404_and_html_and_stall_give_clear_errors(registry, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"127\.0\.0\.1:\d+ answered HTTP 404") as refused:
        download("https://huggingface.co/missing/file.bin", tmp_path / "a")
    assert refused.value.kind is DownloadProblem.REFUSED and "motis" not in str(refused.value)  # each front end advises
    registry.behaviour.html.add("/login-wall")
    with pytest.raises(DownloadError, match="web page instead of the model file.*Sign in"):
        download("https://example.org/login-wall", tmp_path / "b")
    assert not (tmp_path / "b").exists()
    registry.behaviour.stall.add("/slow")  # the server answers nothing until the test ends
    with pytest.raises(DownloadError, match="cannot reach|stopped sending"):
        download("https://example.org/slow", tmp_path / "c", timeout_s=1.0, retries=0)
    assert registry.behaviour.stalled_now == 1  # the client gave up by itself while the server still stalled


def test_cancel_leaves_no_partial_model(registry, home: Path) -> None:
    cancel = threading.Event()
    model = next(m for m in load_registry() if m.name == "tiny-clip")
    store = ModelStore(home / "models")
    with pytest.raises(DownloadCancelled):
        install_from_registry(
            model, store, home / "cache" / "downloads", progress=lambda p: cancel.set(), cancel=cancel
        )
    assert store.list() == []  # what was downloaded is kept to resume (test_download_resume.py)
    assert not [p for p in (home / "models").iterdir()] if (home / "models").exists() else True


def test_export_checkpoint_model_to_pair_round_trip(registry, home: Path, tmp_path: Path) -> None:
    run_cli("models", "download", "tiny-clip", home=home)
    run_cli("models", "export", "tiny-clip", "--out", str(tmp_path / "pair"), home=home)
    run_cli(
        "models",
        "import",
        "--image",
        str(tmp_path / "pair" / "image_encoder.pt"),
        "--text",
        str(tmp_path / "pair" / "text_encoder.pt"),
        "--name",
        "tiny-pair",
        home=home,
    )
    store = ModelStore(home / "models")
    a, b = store.load_encoder("tiny-clip"), store.load_encoder("tiny-pair")
    images = torch.randn(3, 3, 64, 64, generator=torch.Generator().manual_seed(4))
    assert np.abs(a.encode_images(images) - b.encode_images(images)).max() <= 1e-5
    assert np.abs(a.encode_queries(["a red car", "sea"]) - b.encode_queries(["a red car", "sea"])).max() <= 1e-5
