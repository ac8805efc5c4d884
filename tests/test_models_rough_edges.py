"""`motis models` on a read-only home, and removing the active model: one plain line each."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.users import as_root


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """``read_only(home)``: a read-only view of ``home`` (a read-only bind mount: writes fail with EROFS, as
    on a read-only disk). Skips where this process cannot mount (not root, or no mount command)."""
    mounted: list[Path] = []

    def make(home: Path) -> Path:
        if not as_root() or shutil.which("mount") is None:
            pytest.skip("a read-only bind mount needs root and mount(8)")
        view = tmp_path / "read-only-home"
        view.mkdir()
        if subprocess.run(["mount", "--bind", str(home), str(view)], capture_output=True).returncode:
            pytest.skip("cannot bind-mount here")
        mounted.append(view)
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], capture_output=True).returncode:
            pytest.skip("cannot remount read-only here")
        return view

    yield make
    for view in mounted:
        subprocess.run(["umount", "-l", str(view)], check=True)


def _error_line(proc) -> str:  # type: ignore[no-untyped-def]
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr, proc.stderr
    return lines[-1]


# -- a read-only home ---------------------------------------------------------------------------------------


def test_remove_on_a_read_only_home_names_the_model_folder(colour_home: Path, read_only) -> None:
    view = read_only(colour_home)
    proc = run_cli("models", "remove", "colour", "--yes", home=view, check=False)
    assert _error_line(proc) == (
        f"motis: error: {view / 'models' / 'colour'}: cannot remove the model: the home cannot be written "
        "(Read-only file system)"
    )
    assert "colour" in run_cli("models", "list", home=view).stdout


def test_import_on_a_read_only_home_names_the_models_folder(colour_home: Path, read_only, colour_pair) -> None:
    view = read_only(colour_home)
    image, text = (str(p) for p in colour_pair)
    proc = run_cli("models", "import", "--image", image, "--text", text, "--name", "c2", home=view, check=False)
    line = _error_line(proc)
    assert line == f"motis: error: {view / 'models'}: the models folder cannot be written (Read-only file system)"
    assert ".convert-" not in proc.stderr


def test_use_of_the_active_model_on_a_read_only_home_writes_nothing(colour_home: Path, read_only) -> None:
    view = read_only(colour_home)
    proc = run_cli("models", "use", "colour", home=view, check=False)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "colour is already the active model\n", "")


def test_use_of_the_active_model_leaves_the_settings_file_alone(colour_home: Path) -> None:
    settings = colour_home / "config.json"
    before = settings.stat().st_mtime_ns, settings.stat().st_ino
    run_cli("models", "use", "colour", home=colour_home)
    assert (settings.stat().st_mtime_ns, settings.stat().st_ino) == before


# -- removing the active model ------------------------------------------------------------------------------


def test_removing_the_active_model_says_which_is_active_now(colour_home: Path, colour_pair) -> None:
    image, text = (str(p) for p in colour_pair)
    run_cli("models", "import", "--image", image, "--text", text, "--name", "other", home=colour_home)
    proc = run_cli("models", "remove", "colour", "--yes", home=colour_home)
    assert proc.stdout.strip() == "removed model 'colour'; the active model is now 'other'"
    status = json.loads(run_cli("status", "--json", home=colour_home).stdout)
    assert (status["active_model"], status["models"]) == ("other", ["other"])
    assert json.loads((colour_home / "config.json").read_text())["active_model"] == "other"
    proc = run_cli("models", "remove", "other", "--yes", home=colour_home)
    assert proc.stdout.strip() == (
        "removed model 'other'; no model is installed now: get one with 'motis models download NAME' "
        "(see 'motis models available') or 'motis models import'"
    )
    assert json.loads(run_cli("status", "--json", home=colour_home).stdout)["active_model"] is None


def test_removing_another_model_keeps_the_active_one(colour_home: Path, colour_pair) -> None:
    image, text = (str(p) for p in colour_pair)
    run_cli("models", "import", "--image", image, "--text", text, "--name", "other", home=colour_home)
    proc = run_cli("models", "remove", "other", home=colour_home)
    assert proc.stdout.strip() == "removed model 'other'"
    assert json.loads(run_cli("status", "--json", home=colour_home).stdout)["active_model"] == "colour"
