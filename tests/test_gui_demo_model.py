"""The first-run offer's demo model (QA 5, 7): "Try a demo model (colour words only)" installs a tiny model built
here, in the background, and the window then searches with it like with any installed model."""

from __future__ import annotations

from pathlib import Path

from helpers.keys import search_by_keys
from helpers.photos import make_colour_folder
from helpers.window import window_offering_a_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from motis_desktop.core.services import Services
from motis_desktop.gui.texts import NO_MODEL_TEXT

DEMO = "Try a demo model (colour words only)"


def _shown_demo_buttons(dialog) -> list[QPushButton]:  # type: ignore[no-untyped-def]
    return [b for b in dialog.findChildren(QPushButton) if b.text() == DEMO and b.isVisible()]


def test_the_demo_button_installs_a_model_that_finds_red_photos(qtbot, home: Path, tmp_path: Path) -> None:
    colours = make_colour_folder(tmp_path / "photos", per_colour=2)
    before = Services.open(home)  # a folder added before any model (the window lists it, unread)
    before.add_folders([str(tmp_path / "photos")])
    before.close()
    win, services = window_offering_a_model(qtbot, home)
    dialog = win.models.dialog
    assert len(_shown_demo_buttons(dialog)) == 1  # in the offer itself
    qtbot.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)  # "No internet here?": offered there too
    buttons = _shown_demo_buttons(dialog)
    assert len(buttons) == 2
    assert "colour words only" in dialog.offline.demo_text.text()
    with qtbot.waitSignal(dialog.installed, timeout=60_000) as installed:
        qtbot.mouseClick(buttons[-1], Qt.MouseButton.LeftButton)
        assert not any(b.isEnabled() for b in buttons)  # no second install while this one runs
    assert installed.args == ["colour-demo"]
    probe = Services.open(home)
    model_id = probe.model_info("colour-demo").model_id
    qtbot.waitUntil(lambda: probe.counts(model_id)["indexed"] == len(colours), timeout=60_000)
    qtbot.waitUntil(lambda: win.model_state == "ready" and win.indexer is None, timeout=60_000)
    search_by_keys(qtbot, win, "red")
    assert [colours[r.path] for r in win.model.rows()] == ["red"] * 2
    probe.close()
    win.close()
    services.close()


def test_the_window_without_a_model_names_the_demo() -> None:
    """Guard: the window's "no model" text (its centre, and the search box's reason) points at the demo."""
    assert "Try a demo model" in NO_MODEL_TEXT and "colour words only" in NO_MODEL_TEXT


def test_the_demo_is_not_offered_once_it_is_installed(qtbot, home: Path) -> None:
    """File ▸ Install model… after the demo was installed: neither the offer nor "No internet here?" offers it."""
    from motis_desktop.gui.model_dialog import ModelDialog

    services = Services.open(home)
    services.install_demo_model()
    dialog = ModelDialog(services)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.offline_button, Qt.MouseButton.LeftButton)
    assert dialog.offline.isVisible() and _shown_demo_buttons(dialog) == []
    assert not dialog.offline.demo_text.isVisible()
    services.close()


def test_a_model_imported_after_the_demo_takes_over_in_the_window(
    qtbot, home: Path, tmp_path: Path, colour_pair, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The core makes a real model active over the demo; the window said "installed, not in use: switch in
    Settings" and kept searching with the demo model."""
    import shutil

    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QToolButton

    folder = tmp_path / "motis-colour"
    folder.mkdir()
    files = [str(folder / "image_encoder.ptl"), str(folder / "text_encoder.ptl")]
    for source, target in zip(colour_pair, files, strict=True):
        shutil.copyfile(source, target)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (files, ""))
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (k["text"], True))  # OK to the proposed name
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    win, services = window_offering_a_model(qtbot, home)
    with qtbot.waitSignal(win.models.dialog.installed, timeout=60_000):
        qtbot.mouseClick(_shown_demo_buttons(win.models.dialog)[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.status.model_label.text() == "Model: colour-demo", timeout=30_000)
    win.models.open_dialog()  # File ▸ Install model…
    dialog = win.models.dialog
    qtbot.mouseClick(dialog.findChild(QToolButton, "noInternet"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.offline.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.status.model_label.text() == "Model: motis-colour", timeout=60_000)
    win.close()
    services.close()


def test_the_demo_install_can_be_cancelled(qtbot, home: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The demo's install had no Cancel, while downloads and imports do: in a window that has not imported torch yet
    it takes 2-3 s on a loaded 2-core machine (import, build, conversion). Cancel pressed while it builds: nothing is
    installed, no error is shown, and the demo can be tried again."""
    import threading

    from motis_desktop.core.models.architectures import colour

    building, go_on = threading.Event(), threading.Event()
    real_build = colour.build_colour_pair

    def slow_build(folder):  # type: ignore[no-untyped-def]
        building.set()
        go_on.wait(30)  # held until Cancel is pressed: the test does not race the build
        return real_build(folder)

    monkeypatch.setattr(colour, "build_colour_pair", slow_build)
    win, services = window_offering_a_model(qtbot, home)
    dialog = win.models.dialog
    qtbot.mouseClick(_shown_demo_buttons(dialog)[0], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(building.is_set, timeout=10_000)
    cancel = dialog.progress_dialog.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Cancel"
    with qtbot.waitSignal(dialog.runner.signals.finished, timeout=60_000):
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
        go_on.set()
    assert services.installed_models() == []
    assert dialog.isVisible() and not dialog.offline.isVisible()  # no failure said: the person cancelled
    assert all(b.isEnabled() for b in _shown_demo_buttons(dialog))  # and it can be tried again
    assert dialog.note.text() == "Install of the demo model cancelled: nothing was installed."  # QA walk 8 #8
    win.close()
    services.close()
