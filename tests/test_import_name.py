"""The name a model imported from files is proposed under: the window proposed "image_encoder" (from
image_encoder.ptl) and showed "Model: image_encoder" everywhere (QA walk of 2026-12-07); ``motis models import``
required --name. One rule now (core/models/naming.py): the folder named for the model, else a manifest's name,
else "imported-model", numbered when taken."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.window import window_offering_a_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QToolButton

from motis_desktop.core.models.naming import import_name


def _pair_in(folder: Path, colour_pair: tuple[Path, Path]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    image, text = folder / "image_encoder.ptl", folder / "text_encoder.ptl"
    shutil.copyfile(colour_pair[0], image)
    shutil.copyfile(colour_pair[1], text)
    return [str(image), str(text)]


def test_the_rule(tmp_path: Path) -> None:
    named = tmp_path / "MoTIS ViT-S16 (mine)"
    named.mkdir()
    assert import_name([str(named / "image_encoder.ptl")], []) == "MoTIS-ViT-S16-mine"
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    files = [str(downloads / "image_encoder.ptl"), str(downloads / "text_encoder.ptl")]
    assert import_name(files, []) == "imported-model"  # a folder of everything says nothing of the model
    assert import_name(files, ["imported-model", "imported-model-2"]) == "imported-model-3"
    (downloads / "model.json").write_text(json.dumps({"name": "colour"}))  # an installed model's folder, copied
    assert import_name(files, []) == "colour"
    assert import_name([str(named)], ["MoTIS-ViT-S16-mine"]) == "MoTIS-ViT-S16-mine-2"  # a checkpoint folder


def test_the_window_proposes_the_folder_name_not_the_file_name(
    qtbot, home: Path, tmp_path: Path, colour_pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _pair_in(tmp_path / "motis-colour", colour_pair)
    proposed: list[str] = []

    def answer(*_args, **kwargs):  # type: ignore[no-untyped-def]
        proposed.append(kwargs["text"])
        return kwargs["text"], True  # the user presses OK

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (files, ""))
    monkeypatch.setattr(QInputDialog, "getText", answer)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)  # trust them
    win, services = window_offering_a_model(qtbot, home)
    dialog = win.models.dialog
    qtbot.mouseClick(dialog.findChild(QToolButton, "noInternet"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.offline.import_button, Qt.MouseButton.LeftButton)
    assert proposed == ["motis-colour"]
    qtbot.waitUntil(lambda: win.model_state == "ready", timeout=30_000)
    assert win.status.model_label.text() == "Model: motis-colour"
    win.close()
    services.close()


def test_motis_models_import_without_a_name_uses_the_same_rule(home: Path, tmp_path: Path, colour_pair) -> None:
    image, text = _pair_in(tmp_path / "Downloads", colour_pair)
    first = run_cli("models", "import", "--image", image, "--text", text, home=home)
    assert "installed model 'imported-model'" in first.stdout
    again = run_cli("models", "import", "--image", image, "--text", text, home=home)
    assert "installed model 'imported-model-2'" in again.stdout
