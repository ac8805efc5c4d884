"""Shared fixtures: temp app home, the colour model, generated photo folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "models"))
sys.path.insert(0, str(REPO / "benchmarks"))

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 180, 40),
    "blue": (30, 40, 220),
    "yellow": (240, 225, 30),
    "white": (245, 245, 245),
    "black": (10, 10, 10),
}


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own MOTIS_HOME: nothing touches the real user's data."""
    home = tmp_path_factory.mktemp("motis-home")
    monkeypatch.setenv("MOTIS_HOME", str(home))
    # Loading a model measures its inference modes once (seconds on this shared machine); tests run the
    # fp32 reference unless they test that choice (tests/test_modes.py removes this).
    monkeypatch.setenv("MOTIS_INFERENCE_MODE", "fp32")
    return home


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    return _isolated_home


@pytest.fixture(scope="session")
def colour_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hand-made TorchScript pair whose answers are known (models/colour_model.py)."""
    from colour_model import build_colour_pair

    return build_colour_pair(tmp_path_factory.mktemp("colour-model"))


def colour_image(colour: tuple[int, int, int], width: int, height: int, seed: int) -> np.ndarray:
    """An RGB image of one colour with texture (noise and a soft gradient)."""
    rng = np.random.default_rng(seed)
    base = np.array(colour, dtype=np.float32)
    noise = rng.normal(0, 12, (height, width, 3)).astype(np.float32)
    ramp = np.linspace(-10, 10, width, dtype=np.float32)[None, :, None]
    return np.clip(base + noise + ramp, 0, 255).astype(np.uint8)


def write_image(path: Path, rgb: np.ndarray) -> Path:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    ok, buf = cv2.imencode(path.suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    path.write_bytes(buf.tobytes())
    return path


def make_colour_folder(root: Path, per_colour: int = 10, big_every: int = 0) -> dict[str, str]:
    """Write ``per_colour`` images of each colour (mixed formats and sizes); return path → colour."""
    formats = [".jpg", ".png", ".webp"]
    sizes = [(64, 64), (200, 120), (96, 300), (640, 480), (1024, 768)]
    made: dict[str, str] = {}
    n = 0
    for colour, rgb in COLOURS.items():
        for i in range(per_colour):
            w, h = sizes[(i + n) % len(sizes)]
            if big_every and n % big_every == 0:
                w, h = 4000, 3000
            ext = formats[(i + n) % len(formats)] if (w, h) != (4000, 3000) else ".jpg"
            path = root / ("sub" if i % 3 == 0 else "") / f"{colour}_{i:02d}{ext}"
            write_image(path, colour_image(rgb, w, h, seed=n))
            made[str(path)] = colour
            n += 1
    return made


def make_broken_files(root: Path) -> dict[str, str]:
    """Broken inputs; returns path → a word the skip reason must contain."""
    root.mkdir(parents=True, exist_ok=True)
    broken: dict[str, str] = {}
    (root / "empty.jpg").write_bytes(b"")
    broken[str(root / "empty.jpg")] = "empty"
    good = write_image(root / "tmp_full.jpg", colour_image(COLOURS["red"], 300, 200, 99)).read_bytes()
    (root / "tmp_full.jpg").unlink()
    (root / "truncated.jpg").write_bytes(good[: len(good) // 3])
    broken[str(root / "truncated.jpg")] = "truncated"
    (root / "notes.jpg").write_text("this is not a photo\n")
    broken[str(root / "notes.jpg")] = "not an image"
    (root / "page.png").write_text("<!DOCTYPE html><html><body>404</body></html>")
    broken[str(root / "page.png")] = "HTML"
    return broken


def run_cli(*args: str, home: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real ``motis`` entry point in a subprocess."""
    env = dict(os.environ)
    if home is not None:
        env["MOTIS_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "motis_desktop.cli.main", *args], capture_output=True, text=True, env=env, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"motis {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def import_colour_model(colour_pair: tuple[Path, Path], home: Path, name: str = "c") -> None:
    """Install the colour model through the real CLI."""
    run_cli(
        "models", "import", "--image", str(colour_pair[0]), "--text", str(colour_pair[1]), "--name", name, home=home
    )


def cli_json(*args: str, home: Path | None = None) -> object:
    return json.loads(run_cli(*args, "--json", home=home).stdout)


HF_PATH = "/timm/tiny-clip/resolve/abc123/open_clip_model.safetensors"


@pytest.fixture(scope="module")
def tiny_clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    import torch
    from safetensors.torch import save_file

    from motis_desktop.core.models.encoders.clip_model import CLIP, CLIPConfig

    torch.manual_seed(0)
    cfg = CLIPConfig(
        embed_dim=32,
        image_resolution=64,
        vision_layers=1,
        vision_width=64,
        vision_patch_size=16,
        context_length=77,
        vocab_size=49408,
        text_width=64,
        text_heads=1,
        text_layers=1,
    )
    path = tmp_path_factory.mktemp("tiny") / "m.safetensors"
    save_file({k: v.contiguous() for k, v in CLIP(cfg).state_dict().items()}, str(path))
    return path.read_bytes()


@pytest.fixture
def registry(tmp_path: Path, colour_pair, tiny_clip_bytes, monkeypatch: pytest.MonkeyPatch):
    """A resources folder whose registry points at real-looking URLs, served by the local server."""
    from model_server import Behaviour

    behaviour = Behaviour(
        drive_ids={"IMGID": colour_pair[0].read_bytes(), "TXTID": colour_pair[1].read_bytes()},
        files={HF_PATH: tiny_clip_bytes},
    )
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / "bpe_simple_vocab_16e6.txt.gz").symlink_to(REPO / "resources" / "bpe_simple_vocab_16e6.txt.gz")
    entries = [
        {
            "name": "colour-pair",
            "display_name": "Colour pair",
            "format": "torchscript-pair",
            "embed_dim": 512,
            "recommended": True,
            "files": [
                {"role": "image", "url": "https://drive.google.com/uc?export=download&id=IMGID", "size": None},
                {
                    "role": "text",
                    "url": "https://drive.google.com/uc?export=download&id=MISSING",
                    "alternate_urls": ["https://drive.google.com/uc?export=download&id=TXTID"],
                    "size": None,
                },
            ],
        },
        {
            "name": "tiny-clip",
            "display_name": "Tiny CLIP",
            "format": "openai-checkpoint",
            "embed_dim": 32,
            "files": [{"role": "checkpoint", "url": "https://huggingface.co" + HF_PATH, "size": len(tiny_clip_bytes)}],
        },
    ]
    (resources / "models.json").write_text(json.dumps({"format_version": 1, "models": entries}))
    monkeypatch.setenv("MOTIS_RESOURCES", str(resources))
    from model_server import ModelServer

    with ModelServer(behaviour) as server:
        monkeypatch.setenv("MOTIS_MODEL_MIRROR", server.url)
        yield server
