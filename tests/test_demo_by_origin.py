"""The demo model is known by the origin its install recorded (``DEMO_ORIGIN`` in its manifest), not by its name: a
model a person imported as "colour-demo" (an older version let them) is theirs, and an import may no longer take
the demo's name (it is kept for the demo, so the two never meet under one name)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.cli import run_cli
from helpers.models import install_colour
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from motis_desktop.core.models.naming import import_name
from motis_desktop.core.services import Services

KEPT = "'colour-demo' is the demo model's name: choose another name"


def _own_model_named_like_the_demo(home: Path, colour_pair) -> None:  # type: ignore[no-untyped-def]
    """A home whose active model is the person's own colour pair, imported as "colour-demo" by an older version."""
    services = Services.open(home)
    install_colour(services, colour_pair, name="colour-demo")  # as an import made it: no demo origin
    services.close()


def test_a_model_of_ones_own_named_like_the_demo_is_not_taken_for_it(home: Path, colour_pair) -> None:  # type: ignore[no-untyped-def]
    """`motis models demo` said "the demo model 'colour-demo' is already installed" over a model of the person's."""
    _own_model_named_like_the_demo(home, colour_pair)
    said = run_cli("models", "demo", home=home, check=False)
    assert said.returncode != 0
    assert "a model of yours is named 'colour-demo', the demo model's name" in said.stderr
    assert "motis models remove colour-demo" in said.stderr


def test_a_new_model_does_not_take_over_from_ones_own_model_named_like_the_demo(home: Path, colour_pair) -> None:  # type: ignore[no-untyped-def]
    """The demo steps aside for the first real model; a model of one's own under its name did too (by name)."""
    _own_model_named_like_the_demo(home, colour_pair)
    run_cli(
        "models", "import", "--image", str(colour_pair[0]), "--text", str(colour_pair[1]), "--name", "other", home=home
    )
    listed = {m["name"]: m["active"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)}
    assert listed == {"colour-demo": True, "other": False}


def test_an_import_may_not_take_the_demos_name(home: Path, colour_pair) -> None:  # type: ignore[no-untyped-def]
    refused = run_cli(
        "models", "import", "--image", str(colour_pair[0]), "--text", str(colour_pair[1]), "--name", "colour-demo",
        home=home, check=False,
    )  # fmt: skip
    assert refused.returncode != 0 and KEPT in refused.stderr
    assert json.loads(run_cli("models", "list", "--json", home=home).stdout) == []


def test_the_name_proposed_for_an_import_is_never_the_demos(tmp_path: Path) -> None:
    folder = tmp_path / "colour-demo"
    folder.mkdir()
    assert import_name([folder / "image.pt", folder / "text.pt"], taken=[]) == "colour-demo-2"


def test_the_window_refuses_the_demos_name_for_an_import_before_any_work(
    qtbot, home: Path, tmp_path: Path, colour_pair, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from helpers.window import window_offering_a_model

    folder = tmp_path / "mine"
    folder.mkdir()
    files = [str(folder / "image_encoder.ptl"), str(folder / "text_encoder.ptl")]
    for source, target in zip(colour_pair, files, strict=True):
        shutil.copyfile(source, target)
    told: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (files, ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("colour-demo", True))  # the person types it
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text, *a: told.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    window, services = window_offering_a_model(qtbot, home)
    dialog = window.models.dialog
    qtbot.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.offline.import_button, Qt.MouseButton.LeftButton)
    assert told == [KEPT]
    assert dialog.runner is None and services.installed_models() == []  # nothing started
    window.close()
    services.close()
