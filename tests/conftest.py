"""Shared fixtures: temp app home, the colour model, generated photo folders."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from helpers.models import HF_PATH, IndexedLibraries, install_colour  # noqa: E402  (after the Qt platform is chosen)

from motis_desktop.core.services import name_this_process  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _plain_process_name() -> Iterator[None]:
    """Each test a plain MoTIS process again: a test that ran ``motis`` or the window in this process named it (the
    role another process's lock refusal quotes, "'motis search'"), and a later test's words depended on the order."""
    yield
    name_this_process("")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own MOTIS_HOME: nothing touches the real user's data."""
    home = tmp_path_factory.mktemp("motis-home")
    monkeypatch.setenv("MOTIS_HOME", str(home))
    # Loading a model measures its inference modes once (seconds on this shared machine); tests run the
    # fp32 reference unless they test that choice (tests/test_precision.py removes this).
    monkeypatch.setenv("MOTIS_INFERENCE_MODE", "fp32")
    # Reading text (OCR) starts a worker process that loads two ONNX models per indexing run: only the tests
    # of that stage turn it on (tests/test_ocr*.py); the setting's default for users is on.
    monkeypatch.setenv("MOTIS_READ_TEXT", "0")
    return home


@pytest.fixture
def home(_isolated_home: Path) -> Path:
    return _isolated_home


@pytest.fixture(scope="session")
def colour_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The hand-made TorchScript pair whose answers are known (models/colour_model.py)."""
    from colour_model import build_colour_pair

    return build_colour_pair(tmp_path_factory.mktemp("colour-model"))


@pytest.fixture
def colour_home(home: Path, colour_pair: tuple[Path, Path]) -> Path:
    """A home with the colour model installed and active, no folder and no photo (the library opened once, as any
    command does)."""
    from helpers.models import install_colour

    from motis_desktop.core.services import Services

    services = Services.open(home)
    install_colour(services, colour_pair)
    services.open_library()
    services.close()
    return home


@pytest.fixture
def sql_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the threads that ran each SQL statement of every connection opened from now on (GUI tests: none
    on the GUI thread)."""
    import sqlite3
    import threading

    seen: list[str] = []
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(lambda _sql: seen.append(threading.current_thread().name))
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return seen


@pytest.fixture
def colour_library(colour_home: Path, tmp_path: Path) -> Iterator[tuple[object, Path]]:
    """The colour home's library: 12 photos (2 per colour, some in ``sub``) in ``tmp_path/photos``, indexed."""
    from helpers.photos import make_colour_folder

    from motis_desktop.core.services import Services

    photos = tmp_path / "photos"
    make_colour_folder(photos, per_colour=2)
    services = Services.open(colour_home)
    services.add_folders([str(photos)])
    assert services.index().encoded == 12
    yield services, photos
    services.close()


@pytest.fixture
def signs_home(colour_home: Path, tmp_path: Path) -> Path:
    """The colour home's library: two photos reading "INVOICE 2024", one "Receipt 42 EUR" (the OCR reads these bold
    signs without their spaces: "invoice2024"), a red one dated January 2020; indexed with their text read."""
    import os
    import time

    from helpers.photos import write_colour_photo
    from helpers.text_photos import save, text_photo

    from motis_desktop.core.services import Services

    photos = tmp_path / "photos"
    save(text_photo(["INVOICE 2024"], background=(245, 245, 245)), photos / "a.jpg")
    save(text_photo(["INVOICE 2024"], background=(240, 240, 250)), photos / "b.jpg")
    save(text_photo(["Receipt 42 EUR"], background=(250, 245, 240)), photos / "c.jpg")
    write_colour_photo(photos / "red.png", (220, 20, 20), 64, 64, seed=1)
    old = time.mktime((2020, 1, 15, 12, 0, 0, 0, 0, -1))
    os.utime(photos / "red.png", (old, old))
    services = Services.open(colour_home)
    services.add_folders([str(photos)])
    assert services.index(read_text=True).text_read == 4
    services.close()
    return colour_home


@pytest.fixture
def station_library(colour_home: Path, tmp_path: Path) -> Iterator[tuple[object, Path]]:
    """The colour home's library: one photo of a sign reading "Platform 9" (``tmp_path/photos/trip/station.jpg``),
    indexed with its text read."""
    from helpers.text_photos import save, text_photo

    from motis_desktop.core.services import Services

    photos = tmp_path / "photos"
    save(text_photo(["Platform 9"], background=(245, 245, 245)), photos / "trip" / "station.jpg")
    services = Services.open(colour_home)
    services.add_folders([str(photos)])
    assert services.index(read_text=True).text_read == 1
    yield services, photos
    services.close()


@pytest.fixture(scope="session")
def indexed_libraries(tmp_path_factory: pytest.TempPathFactory, colour_pair: tuple[Path, Path]) -> IndexedLibraries:
    """Indexed libraries made once per test process; ``copy_into(home, name, make_photos)`` gives each test
    its own copy of the home (the photos are shared, read-only by convention: see IndexedLibraries)."""
    return IndexedLibraries(tmp_path_factory.mktemp("indexed-libraries"), colour_pair)


@pytest.fixture(scope="session")  # immutable bytes of a seeded model: built once per run
def tiny_clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    import torch
    from safetensors.torch import save_file

    from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig

    torch.manual_seed(0)
    cfg = CLIPConfig.tiny(vision_layers=1, text_layers=1)
    path = tmp_path_factory.mktemp("tiny") / "m.safetensors"
    save_file({k: v.contiguous() for k, v in CLIP(cfg).state_dict().items()}, str(path))
    return path.read_bytes()


@pytest.fixture
def registry(tmp_path: Path, colour_pair, tiny_clip_bytes, monkeypatch: pytest.MonkeyPatch):
    """A resources folder whose registry points at real-looking URLs, served by the local server."""
    from helpers.model_server import Behaviour

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
    from helpers.model_server import ModelServer

    with ModelServer(behaviour) as server:
        monkeypatch.setenv("MOTIS_MODEL_MIRROR", server.url)
        yield server


@pytest.fixture
def window(qtbot, home: Path, colour_pair: tuple[Path, Path]) -> Iterator:
    """The main window over a fresh home with the colour model installed and loaded."""
    from motis_desktop.core.services import Services
    from motis_desktop.gui.main_window import MainWindow

    services = Services.open(home)
    install_colour(services, colour_pair)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model_state == "ready", timeout=30_000)
    yield win
    win.close()
    services.close()


# -- running side by side (pytest-xdist: ./dev test runs -n auto) ---------------------------------------------
_MODULE_FIXTURE = re.compile(r"""scope\s*=\s*["']module["']""")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # type: ignore[no-untyped-def]
    """``--dist load`` (what ``-n`` does), except that a file with a module-scoped fixture goes whole to one
    worker, so that fixture is made once; those files are handed out first (most tests first), then every
    other test one by one. (``--dist loadgroup`` with ``xdist_group`` marks would say the same per file, but
    pytest-xdist 3.8 cannot rename node ids under pytest 9.2, so its groups are silently ignored.)"""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    rootpath = config.rootpath
    shared: dict[str, bool] = {}

    class WholeFilesWithModuleFixtures(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path not in shared:
                file = rootpath / path
                shared[path] = file.is_file() and bool(_MODULE_FIXTURE.search(file.read_text(encoding="utf-8")))
            return path if shared[path] else nodeid

    return WholeFilesWithModuleFixtures(config, log)
