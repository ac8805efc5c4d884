"""The seed's published encoder files as choices (issue 9): registry, `motis models available`, first-run dialog,
and a download of a file combination whose mobile-optimized files are converted at install."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers.seed_mobile import fixture, motis, motis_json

from motis_desktop.core.models.installed import ModelStore
from motis_desktop.core.models.registry import find_model, install_from_registry, load_registry

DRIVE = "https://drive.google.com/uc?export=download&id="

# id -> (Drive id, size in MB, R@10) as the issue lists them from the seed README
SEED_FILES = {
    "vits16": ("194tnzP0_6pB5XAFrL6QO2dQ5mWvhSF0r", 85, None),
    "vits16-in21k": ("1Whacd4qeFuP_sair3yNGUeQTm4bshDYh", 85, 75.3),
    "deitb-distilled": ("1Fg3ckUUqBs5n4jvNWZUcwwk7db0QBRri", 84, None),
    "text4l-hn": ("1c83gD8NGT8v8RcE_E_rCrkqWN2RIzHEg", 146, 78.4),
    "text6l-hn": ("1isMy64zuWnggd9K63RMHG4fx6U4O-izE", 170, 79.1),
}


def _files_by_tower() -> dict[str, object]:
    return {f.tower: f for m in load_registry() for f in m.files if f.tower}


def test_every_image_file_combines_with_every_text_file() -> None:
    pairs = {tuple(f.tower for f in m.files) for m in load_registry() if m.format == "torchscript-pair"}
    images, texts = ["vits16", "vits16-in21k", "deitb-distilled"], ["text4l-hn", "text6l-hn"]
    assert pairs == {(i, t) for i in images for t in texts}


@pytest.mark.parametrize("tower", list(SEED_FILES))
def test_seed_file_has_its_published_id_size_and_r10(tower: str) -> None:
    f = _files_by_tower()[tower]
    drive_id, mb, r10 = SEED_FILES[tower]
    assert (f.url, round(f.size / 1e6), f.r_at_10) == (DRIVE + drive_id, mb, r10)


def test_readme_current_best_text_id_is_the_alternate() -> None:
    assert _files_by_tower()["text4l-hn"].alternate_urls == (DRIVE + "1JKO7H3m-agQ10bXDkDiMgHHdlK3K8w9e",)


def test_the_measured_pair_is_the_recommended_model_with_its_recall() -> None:
    model = find_model("motis-vits16")
    assert model.recommended
    assert "R@1/5/10 40.4/68.5/78.4" in model.notes


def test_other_combinations_say_they_were_not_measured() -> None:
    others = [m for m in load_registry() if "combination" in m.extra]
    assert len(others) == 5
    assert all(m.notes.startswith("Not tested together by the MoTIS authors") for m in others)


def test_models_available_json_lists_combinations_with_per_file_r10(home: Path) -> None:
    available = {m["name"]: m for m in motis_json("models", "available", home=home)}
    entry = available["motis-vits16-in21k.text6l-hn"]
    assert [(f["tower"], f["r_at_10"]) for f in entry["files"]] == [("vits16-in21k", 75.3), ("text6l-hn", 79.1)]


def test_models_available_text_shows_sizes_and_r10(home: Path) -> None:
    code, out, _ = motis("models", "available", "--verbose", home=home)  # figures and files: on request
    assert code == 0
    assert "text6l-hn (170 MB, R@10 79.1)" in out


def test_first_run_dialog_labels_combinations_honestly(qtbot, home: Path) -> None:
    from motis_desktop.core.services import Services
    from motis_desktop.gui.model_dialog import ModelDialog

    services = Services.open(home)
    dialog = ModelDialog(services)
    qtbot.addWidget(dialog)
    labels = [dialog.choice.itemText(i) for i in range(dialog.choice.count())]
    index = [dialog.choice.itemData(i) for i in range(dialog.choice.count())].index("motis-vits16-in21k.text6l-hn")
    dialog.choice.setCurrentIndex(index)
    details = dialog.technical.text()  # behind "Technical details"
    services.close()
    assert "(your combination, not measured)" in labels[index]
    assert "R@10 75.3" in details
    assert "R@10 79.1" in details


@pytest.fixture
def seed_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A registry whose seed files are the mobile-optimized colour pair, served by the local model server."""
    from helpers.model_server import Behaviour, ModelServer

    repo = Path(__file__).resolve().parent.parent
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / "bpe_simple_vocab_16e6.txt.gz").symlink_to(repo / "resources" / "bpe_simple_vocab_16e6.txt.gz")
    towers = {
        "embed_dim": 512,
        "image": [{"id": "colour-image", "display_name": "Colour image", "url": DRIVE + "IMG", "r_at_10": None}],
        "text": [{"id": "colour-text", "display_name": "Colour text", "url": DRIVE + "TXT", "r_at_10": None}],
        "measured": [],
    }
    registry = {"format_version": 1, "models": [], "seed_towers": towers}
    (resources / "models.json").write_text(json.dumps(registry))
    monkeypatch.setenv("MOTIS_RESOURCES", str(resources))
    behaviour = Behaviour(
        drive_ids={
            "IMG": fixture("colour_image_encoder.pt").read_bytes(),
            "TXT": fixture("colour_text_encoder.pt").read_bytes(),
        }
    )
    with ModelServer(behaviour, stall_s=3.0) as server:
        monkeypatch.setenv("MOTIS_MODEL_MIRROR", server.url)
        yield server


def test_downloaded_seed_files_are_converted_at_install(seed_registry, home: Path) -> None:
    store = ModelStore(home / "models")
    info = install_from_registry(find_model("motis-colour-image.colour-text"), store, home / "downloads")
    assert sorted(info.origin["converted"]) == ["image", "text"]


def test_first_run_speaks_plain_words_and_shows_addresses_offline(qtbot, home: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QToolButton, QWidget

    from motis_desktop.core.services import Services
    from motis_desktop.gui.model_dialog import ModelDialog

    services = Services.open(home)
    dialog = ModelDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    shown = " ".join(label.text() for label in dialog.findChildren(QLabel) if label.isVisible())
    recommended = next(m for m in services.available_models() if m.recommended)
    services.close()
    assert "needs a <b>model</b>" in shown and f"about {recommended.size / 1e6:.0f} MB" in shown
    assert f"Recommended: <b>{recommended.display_name}</b>" in shown
    for jargon in ("R@", "COCO", "XNNPACK", "optimize_for_mobile", "vectors"):
        assert jargon not in shown, jargon
    assert dialog.download_button.isVisible() and dialog.download_button.text().startswith("Download (")
    assert not dialog.choice.isVisible()  # figures, licences and sources are behind "More about models"
    qtbot.mouseClick(dialog.findChild(QToolButton, "moreAboutModels"), Qt.MouseButton.LeftButton)
    assert dialog.choice.isVisible() and "licence" in dialog.details.text()

    qtbot.mouseClick(dialog.findChild(QToolButton, "noInternet"), Qt.MouseButton.LeftButton)
    offline = dialog.findChild(QWidget, "offlinePanel")
    assert offline.isVisible()
    addresses = [e.text() for e in offline.findChildren(QLineEdit)]
    assert addresses == [f.url for f in recommended.files]
    copy = offline.findChildren(QPushButton, "copyAddress")[0]
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == addresses[0]
    assert any(b.text() == "Import files I downloaded…" and b.isVisible() for b in offline.findChildren(QPushButton))


# QA 5, 9: the catalogue spoke developer jargon and said sizes twice.
JARGON = ("issue", "seed", "XNNPACK", "optimize_for_mobile", "torch.jit", "TorchScript", "README", "R@", "COCO")


def test_each_model_is_one_plain_sentence_with_its_size_once(home: Path) -> None:
    out = motis("models", "available", home=home)[1]
    sentences = [line.strip() for line in out.splitlines() if line.startswith(" ") and " — " in line]
    assert len(sentences) == len(load_registry())
    for sentence in sentences:
        assert not any(word in sentence for word in JARGON), sentence
        assert len(re.findall(r"\d+(?:\.\d+)? [kMG]B", sentence)) <= 2, sentence  # the download (and the disk)
    assert "231 MB download — small and fast" in out
    assert not any(word in out for word in ("issue", "XNNPACK", "optimize_for_mobile"))
    assert "motis models available --verbose" in out  # the rest is on request


def test_the_technical_notes_name_no_issue_and_each_size_once(home: Path) -> None:
    out = motis("models", "available", "--verbose", home=home)[1]
    assert "issue" not in out and "current best' id" not in out
    for line in out.splitlines():
        assert not re.search(r"[kMG]B\) (\(|— )\d", line), line  # not "(34.4 MB) (34 MB)" nor "(85 MB) — 85 MB"
    assert "config: open_clip_config.json (1.0 kB) https://" in out


def test_the_dialog_says_the_chosen_model_in_one_plain_sentence(qtbot, home: Path) -> None:
    from PySide6.QtCore import Qt

    from motis_desktop.core.services import Services
    from motis_desktop.gui.model_dialog import ModelDialog

    services = Services.open(home)
    dialog = ModelDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    services.close()
    qtbot.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)
    for i in range(dialog.choice.count()):
        dialog.choice.setCurrentIndex(i)
        said = dialog.details.text()
        assert " — " in said and not any(word in said for word in JARGON), said
        assert "issue" not in dialog.technical.text()
        assert not re.search(r"\(\d+ MB\) — \d+ MB", dialog.technical.text())  # "ViT-Small/16 (85 MB) — 85 MB"
    assert not dialog.technical.isVisible()  # the figures and notes: on request
    qtbot.mouseClick(dialog.technical_button, Qt.MouseButton.LeftButton)
    assert dialog.technical.isVisible() and "Licence:" in dialog.technical.text()
