"""The first run as a new user sees it: the model offer over an empty window, nothing drawn under it."""

from __future__ import annotations

from pathlib import Path

from helpers.window import window_offering_a_model
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QPushButton, QToolButton

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow


def _empty_text_rect(win: MainWindow) -> QRect:
    """Where the grid's empty-state text is drawn, in screen coordinates (empty if it draws none)."""
    label = win.empty
    if not label.isVisible() or not label.text():
        return QRect()
    return QRect(label.mapToGlobal(QPoint(0, 0)), label.size())


def test_the_first_run_offer_and_the_empty_state_never_draw_over_each_other(qtbot, home: Path) -> None:
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.models.offer_shown, timeout=10_000) as shown:
        pass
    assert shown.args == [True]
    dialog = win.models.dialog
    assert dialog is not None and dialog.isVisible()
    assert not _empty_text_rect(win).intersects(dialog.frameGeometry())
    assert "Drop a folder" not in win.empty.text() or not win.empty.isVisible()

    later = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Later")
    with qtbot.waitSignal(win.models.offer_shown, timeout=5_000) as hidden:
        qtbot.mouseClick(later, Qt.MouseButton.LeftButton)
    assert hidden.args == [False]
    assert win.empty.isVisible()
    assert "Drop a folder" in win.empty.text() and "No model installed" in win.empty.text()  # back once it closes
    win.close()
    services.close()


def test_a_folder_added_before_any_model_shows_its_photos(qtbot, home: Path, tmp_path: Path) -> None:
    """The window showed a blank grid and "0 photos" until a model was installed and had read them: the photos
    are listed at once now (thumbnails), and the status line says a model indexes them for search."""
    from helpers.photos import make_colour_folder

    make_colour_folder(tmp_path / "photos", per_colour=1)
    win, services = window_offering_a_model(qtbot, home)
    later = next(b for b in win.models.dialog.findChildren(QPushButton) if b.text() == "Later")
    with qtbot.waitSignal(win.models.offer_shown, timeout=5_000):
        qtbot.mouseClick(later, Qt.MouseButton.LeftButton)
    win.add_folders([str(tmp_path / "photos")])  # what a drop on the window or File ▸ Add folder does
    qtbot.waitUntil(lambda: win.model.rowCount() == 6, timeout=30_000)
    assert win.view.isVisible() and not win.empty.isVisible()
    assert "Install a model" in win.status_label.text()
    win.close()
    services.close()


def test_install_model_offers_to_use_a_model_installed_already(qtbot, home: Path, registry, colour_pair) -> None:
    """File ▸ Install model… offered a catalogue model installed already as a download, and "downloading" it failed
    as "The download did not work: model 'colour-pair' is already installed" with the addresses to fetch it
    elsewhere. Now the active one reads "In use", another installed one "Use this model" (a switch, as Settings
    makes), and importing files under an installed model's name is refused at once."""
    from helpers.models import install_colour
    from helpers.window import ready_window
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    services = Services.open(home)
    install_colour(services, colour_pair, name="colour-pair")  # the catalogue's recommended model, active
    install_colour(services, colour_pair, name="tiny-clip")  # the catalogue's other model, installed too
    services.close()
    windows = ready_window(qtbot, home, rows=0)
    win = next(windows)
    try:
        with qtbot.waitSignal(win.models.offer_shown, timeout=10_000):
            win.actions_by_name["install_model"].trigger()
        dialog = win.models.dialog
        labels = [dialog.choice.itemText(i) for i in range(dialog.choice.count())]
        assert all(label.endswith(" — installed") for label in labels), labels
        assert dialog.download_button.text() == "In use" and not dialog.download_button.isEnabled()

        said: list[str] = []

        def read_and_close() -> None:
            box = QApplication.activeModalWidget()
            assert isinstance(box, QMessageBox)
            said.append(box.text())
            box.accept()

        QTimer.singleShot(0, read_and_close)
        dialog.import_files(["image.pt", "text.pt"], "colour-pair")  # as "Import model files…" names them
        assert said == ["A model named “colour-pair” is already installed: choose another name."]

        dialog.choice.setCurrentIndex(labels.index(next(x for x in labels if x.startswith("Tiny CLIP"))))
        assert dialog.download_button.text() == "Use this model"
        with qtbot.waitSignal(win.models.ready, timeout=60_000, check_params_cb=lambda name: name == "tiny-clip"):
            qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible() and not dialog.offline.isVisible()
        assert win.status.model_label.text() == "Model: tiny-clip"
    finally:
        next(windows, None)


def test_the_first_run_says_each_thing_once_and_no_internet_is_a_button(qtbot, home: Path) -> None:
    """The box said "see the window for how to add one" while the window showed only the offer; after Later the
    same sentence stood in the centre and in the status line; "No internet here?" looked like plain text."""
    win, services = window_offering_a_model(qtbot, home)
    assert "see the window" not in win.search.placeholderText()
    offline = win.models.dialog.findChild(QToolButton, "noInternet")
    assert offline.isVisible() and not offline.autoRaise()  # drawn framed, like "More about models" beside it
    later = next(b for b in win.models.dialog.findChildren(QPushButton) if b.text() == "Later")
    with qtbot.waitSignal(win.models.offer_shown, timeout=5_000):
        qtbot.mouseClick(later, Qt.MouseButton.LeftButton)
    shown = [win.empty.text().replace("\n", " "), win.status_label.text(), win.search.placeholderText()]
    assert sum("Install model" in text for text in shown) == 1, shown  # the centre says how, once
    assert "Install model" in shown[0]
    win.close()
    services.close()
