"""File ▸ Install model… with a model in use (QA walk 6, finding 9): the dialog names the model in use first (the
demo says it knows colour words only), lists the installed models with that one marked, and closes with Close;
the first-run offer keeps its text and its Later."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from helpers.window import ready_window, window_offering_a_model
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow


def _seen(dialog: QWidget) -> tuple[list[str], list[str]]:
    """The texts of the dialog's visible labels and buttons, as a user reads them."""
    labels = [w.text() for w in dialog.findChildren(QLabel) if w.isVisible() and w.text()]
    buttons = [b.text() for b in dialog.findChildren(QPushButton) if b.isVisible()]
    return labels, buttons


def _listed(dialog) -> list[str]:  # type: ignore[no-untyped-def]
    """The installed models' list, line by line."""
    return [dialog.models.list.item(i).text() for i in range(dialog.models.list.count())]


def _window_with_demo(qtbot, home: Path) -> tuple[Iterator[MainWindow], MainWindow]:  # type: ignore[no-untyped-def]
    """A window on an empty library whose one model is the demo: (its generator, which closes it; the window)."""
    services = Services.open(home)
    services.install_demo_model()
    services.close()
    windows = ready_window(qtbot, home, rows=0)
    return windows, next(windows)


def test_install_model_with_the_demo_in_use_names_it_and_closes_with_close(qtbot, home: Path) -> None:
    windows, win = _window_with_demo(qtbot, home)
    try:
        with qtbot.waitSignal(win.models.offer_shown, timeout=10_000):
            win.actions_by_name["install_model"].trigger()  # File ▸ Install model…
        dialog = win.models.dialog
        labels, buttons = _seen(dialog)
        assert labels[0].startswith("In use: <b>colour-demo</b> — the demo model, colour words only"), labels
        assert _listed(dialog)[0].startswith("colour-demo (in use, demo: colour words only")
        assert not any("needs a <b>model</b>" in text for text in labels)  # not the first-run offer's words
        assert "Close" in buttons and "Later" not in buttons, buttons
        close = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Close")
        with qtbot.waitSignal(win.models.offer_shown, timeout=10_000, check_params_cb=lambda shown: not shown):
            qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
    finally:
        next(windows, None)


def test_install_model_lists_the_installed_models_with_the_active_one_marked(qtbot, home: Path, colour_pair) -> None:  # type: ignore[no-untyped-def]
    from helpers.models import install_colour

    services = Services.open(home)
    install_colour(services, colour_pair, name="colour-pair")  # active
    install_colour(services, colour_pair, name="tiny-clip")  # installed too
    services.close()
    windows = ready_window(qtbot, home, rows=0)
    win = next(windows)
    try:
        with qtbot.waitSignal(win.models.offer_shown, timeout=10_000):
            win.actions_by_name["install_model"].trigger()
        labels, buttons = _seen(win.models.dialog)
        assert labels[0] == "In use: <b>colour-pair</b>", labels  # no demo note: it is not the demo
        listed = _listed(win.models.dialog)
        assert listed[0].startswith("colour-pair (in use") and listed[1].startswith("tiny-clip"), listed
        assert "in use" not in listed[1]
        assert "Close" in buttons and "Later" not in buttons
    finally:
        next(windows, None)


def test_the_first_run_offer_keeps_its_words_and_later(qtbot, home: Path) -> None:
    """Guard: with no model installed the offer is unchanged: its first-run sentence, no "In use", and Later."""
    window, services = window_offering_a_model(qtbot, home)
    labels, buttons = _seen(window.models.dialog)
    assert labels[0].startswith("To find photos by describing them, MoTIS Desktop needs a <b>model</b>"), labels
    assert not any(text.startswith("In use") for text in labels)
    assert "Later" in buttons and "Close" not in buttons
    window.close()
    services.close()


# -- Remove… and Enter (QA walk 6, finding 9, the lead's notes) ----------------------------------------------------


def _open_dialog(qtbot, win):  # type: ignore[no-untyped-def]
    """File ▸ Install model…, as a user chooses it; the dialog once shown."""
    with qtbot.waitSignal(win.models.offer_shown, timeout=10_000):
        win.actions_by_name["install_model"].trigger()
    return win.models.dialog


def _remove_by_clicks(qtbot, dialog, name: str) -> str:  # type: ignore[no-untyped-def]
    """Click ``name`` in the installed models' list, then Remove…, then Remove in the confirmation; its words."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    listed = dialog.models.list
    item = next(listed.item(i) for i in range(listed.count()) if listed.item(i).text().startswith(name + " "))
    qtbot.mouseClick(listed.viewport(), Qt.MouseButton.LeftButton, pos=listed.visualItemRect(item).center())
    assert dialog.models.remove_button.isEnabled()
    qtbot.mouseClick(dialog.models.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=10_000)
    box = QApplication.activeModalWidget()
    said = f"{box.text()}\n{box.informativeText()}"
    remove = next(b for b in box.buttons() if b.text() == "Remove")
    with qtbot.waitSignal(dialog.removed, timeout=30_000):
        qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    return said


def test_remove_an_installed_model_from_the_dialog(qtbot, home: Path, colour_pair) -> None:  # type: ignore[no-untyped-def]
    """Only `motis models remove` could remove a model. Now Remove… removes the selected one after a confirmation
    that says what goes (its files, not a photo); the list follows, and the model in use keeps answering."""
    from helpers.models import install_colour

    services = Services.open(home)
    install_colour(services, colour_pair, name="colour-pair")  # active
    install_colour(services, colour_pair, name="tiny-clip")
    services.close()
    windows = ready_window(qtbot, home, rows=0)
    win = next(windows)
    try:
        dialog = _open_dialog(qtbot, win)
        assert dialog.models.remove_button.isEnabled()  # for the model in use, the current row on opening
        said = _remove_by_clicks(qtbot, dialog, "tiny-clip")
        assert "Remove the model “tiny-clip”?" in said and "Your photos are not touched" in said, said
        assert "searches use now" not in said  # not the model in use
        assert not (home / "models" / "tiny-clip").exists()
        listed = _listed(dialog)
        assert len(listed) == 1 and listed[0].startswith("colour-pair (in use"), listed
        assert dialog.isVisible() and win.model_state == "ready"
        assert win.status.model_label.text() == "Model: colour-pair"
    finally:
        next(windows, None)


def test_removing_the_model_in_use_lets_the_next_take_over(qtbot, home: Path, colour_pair, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """As `motis models remove` of the active model (once confirmed): the first model left takes over. The
    confirmation says how many photos' search data it made (kept in the library) and which model takes over."""
    from helpers.models import install_colour
    from helpers.photos import make_colour_folder
    from helpers.window import index_folders

    services = Services.open(home)
    install_colour(services, colour_pair, name="colour")  # active, indexes the 6 photos
    services.close()
    make_colour_folder(tmp_path / "photos", per_colour=1)
    index_folders(home, tmp_path / "photos")
    services = Services.open(home)
    install_colour(services, colour_pair, name="second")  # installed after: not active, no photo read with it
    services.close()
    windows = ready_window(qtbot, home, rows=6)
    win = next(windows)
    try:
        dialog = _open_dialog(qtbot, win)
        with qtbot.waitSignal(win.models.ready, timeout=60_000, check_params_cb=lambda name: name == "second"):
            said = _remove_by_clicks(qtbot, dialog, "colour")
        assert "search data it made for 6 photos stays in the library" in said, said
        assert "searches use now: second takes over" in said, said
        assert win.status.model_label.text() == "Model: second"
        listed = _listed(dialog)
        assert len(listed) == 1 and listed[0].startswith("second (in use"), listed
        assert dialog.later.text() == "Close"
    finally:
        next(windows, None)


def test_removing_the_only_model_makes_the_dialog_the_first_run_offer(qtbot, home: Path) -> None:
    """The demo in use and nothing else: removed, the window has no model (and says it was removed here, not by
    "another MoTIS window"), and the dialog is the first-run offer again, its demo button offered."""
    windows, win = _window_with_demo(qtbot, home)
    try:
        dialog = _open_dialog(qtbot, win)
        with qtbot.waitSignal(win.models.state_changed, timeout=30_000, check_params_cb=lambda s: s == "missing"):
            said = _remove_by_clicks(qtbot, dialog, "colour-demo")
        assert "the only one: search needs a model until you install one" in said, said
        labels, buttons = _seen(dialog)
        assert labels[0].startswith("To find photos by describing them"), labels
        assert "Later" in buttons and "Try a demo model (colour words only)" in buttons, buttons
        assert not dialog.models.isVisible()
        assert win.status.model_label.text() == "Model: none installed"
        assert "another MoTIS window" not in win.status_line.note and "colour-demo was removed" in win.status_line.note
    finally:
        next(windows, None)


def test_the_dialog_opens_on_the_model_in_use_and_remove_is_a_key_away(qtbot, home: Path) -> None:
    """QA walk 8 #10: with a model in use the dialog opened with the focus on its text, and Remove… was no Tab stop
    until a row was picked. Now the list has the focus with the model in use current, Tab reaches Remove…, Space
    asks (Esc keeps the model)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    windows, win = _window_with_demo(qtbot, home)
    try:
        dialog = _open_dialog(qtbot, win)
        listed = dialog.models.list
        qtbot.waitUntil(listed.hasFocus, timeout=5_000)
        assert listed.currentRow() == 0 and listed.currentItem().text().startswith("colour-demo (in use")
        qtbot.keyClick(listed, Qt.Key.Key_Tab)
        remove = dialog.models.remove_button
        assert QApplication.focusWidget() is remove and remove.isEnabled()
        qtbot.keyClick(remove, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox), timeout=10_000)
        box = QApplication.activeModalWidget()
        assert box.text().startswith("Remove the model “colour-demo”?"), box.text()
        qtbot.keyClick(box, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not box.isVisible(), timeout=5_000)
        assert (home / "models" / "colour-demo").is_dir() and win.model_state == "ready"
    finally:
        next(windows, None)


def test_enter_closes_the_dialog_when_a_model_is_in_use(qtbot, home: Path, registry) -> None:  # type: ignore[no-untyped-def]
    """With the demo in use, Enter in File ▸ Install model… started the recommended model's download (231 MB in the
    real catalogue): Download was the default button. Now Enter closes, even on the Download button itself."""
    windows, win = _window_with_demo(qtbot, home)
    try:
        for target in ("focus", "download button"):
            dialog = _open_dialog(qtbot, win)
            assert dialog.download_button.text().startswith("Download")
            widget = dialog.download_button if target == "download button" else dialog.focusWidget() or dialog
            with qtbot.waitSignal(win.models.offer_shown, timeout=10_000, check_params_cb=lambda shown: not shown):
                qtbot.keyClick(widget, Qt.Key.Key_Return)
            assert dialog.runner is None, target  # no download started
        assert registry.behaviour.requests == []
    finally:
        next(windows, None)


def test_enter_on_the_first_run_offer_still_downloads(qtbot, home: Path, registry) -> None:  # type: ignore[no-untyped-def]
    """Guard: with no model yet, Enter downloads the recommended model, as before."""
    window, services = window_offering_a_model(qtbot, home)
    dialog = window.models.dialog
    with qtbot.waitSignal(dialog.installed, timeout=60_000):
        qtbot.keyClick(dialog.focusWidget() or dialog, Qt.Key.Key_Return)
    assert [m.name for m in services.installed_models()] == ["colour-pair"]
    window.close()
    services.close()
