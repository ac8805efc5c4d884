"""Indexing, search, the query service and the GUI run on onnxruntime alone: torch is never imported.

Each check runs in a fresh process where importing torch raises (``helpers/torch_free.py``), over a home
whose colour model was installed (converted to ONNX towers, which needs torch) by another process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.core.services import Services

REPO = Path(__file__).resolve().parent.parent
HELPER = REPO / "tests" / "helpers" / "torch_free.py"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, colour_pair) -> tuple[Path, Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("torch-free-home")
    photos = tmp_path_factory.mktemp("torch-free-photos")
    colours = make_colour_folder(photos, per_colour=2)
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.close()
    return home, photos, colours


def _env() -> dict[str, str]:
    env = {**os.environ, "MOTIS_NO_SERVICE": "1", "MOTIS_INFERENCE_MODE": ""}  # measure precision too
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "tests"), env.get("PYTHONPATH", "")])
    return env


def _helper(mode: str, home: Path, photos: Path) -> dict:
    proc = subprocess.run(
        [sys.executable, str(HELPER), mode, str(home), str(photos)],
        capture_output=True, text=True, env=_env(), timeout=600, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_cli_indexes_and_searches_without_torch(prepared) -> None:
    home, photos, colours = prepared
    result = _helper("cli", home, photos)
    assert not result["torch_imported"]
    (rc, out, err), (src, sout, serr) = result["index"], result["search"]
    assert rc == 0, err
    assert json.loads(out)["encoded"] == len(colours)
    assert src == 0, serr
    assert [colours[h["path"]] for h in json.loads(sout)] == ["red", "red"]


def test_query_service_answers_without_torch(prepared) -> None:
    home, photos, colours = prepared
    _helper("cli", home, photos)  # indexed (idempotent)
    result = _helper("service", home, photos)
    assert not result["torch_imported"]
    rc, out, err = result["search"]
    assert rc == 0, err
    assert [colours[h["path"]] for h in json.loads(out)] == ["blue", "blue"]


def test_gui_indexes_and_searches_without_torch(tmp_path: Path, colour_pair) -> None:
    home = tmp_path / "home"
    make_colour_folder(tmp_path / "photos", per_colour=2)
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(tmp_path / "photos")])
    services.close()
    env = {**_env(), "MOTIS_TORCH_FREE_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/helpers/gui_torch_free.py"],
        capture_output=True, text=True, env=env, timeout=600, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 passed" in proc.stdout
