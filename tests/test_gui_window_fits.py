"""The window keeps the size it was given and fits the screen (QA walk 14): text that comes from the user — a
long query, a path — wraps or is elided instead of widening the window; the first window and the dialogs open
within the screen; faint hint colours are readable; a photo whose drive is offline is said in words."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.keys import search_by_keys
from helpers.photos import make_colour_folder
from helpers.watching import write_photos
from helpers.window import index_folders, ready_window
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.theme import apply_scheme, contrast

LONG_QUERY = (
    "a photo of three fluffy cats sitting together on an old leather sofa in a quiet living room next to a big"
    " open window with plants and books on the shelf"
)


@pytest.fixture
def photos(home: Path, indexed_libraries) -> dict[str, str]:
    return indexed_libraries.copy_into(home, "gui-window", lambda folder: make_colour_folder(folder, per_colour=5))


@pytest.fixture
def win(qtbot, home: Path, photos: dict[str, str]) -> Iterator[MainWindow]:
    yield from ready_window(qtbot, home, rows=30, size=(800, 600))


@pytest.mark.parametrize("query", [LONG_QUERY, "x" * 300])
def test_a_long_query_that_finds_nothing_leaves_the_window_as_wide_as_it_was(
    qtbot, win: MainWindow, query: str
) -> None:
    search_by_keys(qtbot, win, query)
    assert win.stack.currentWidget() is win.empty_results  # "Nothing shown for …"
    _settle()
    assert win.width() == 800
    assert win.minimumSizeHint().width() <= 800  # nothing asks the window to grow
    qtbot.keyClick(win.search, Qt.Key.Key_Escape)
    _settle()
    assert win.width() == 800


def test_details_after_a_long_query_leave_the_window_as_wide_as_it_was(qtbot, win: MainWindow) -> None:
    search_by_keys(qtbot, win, LONG_QUERY)
    qtbot.keyClick(win.search, Qt.Key.Key_Escape)  # back to the gallery
    win.view.setFocus()
    for _ in range(2):
        with qtbot.waitSignal(win.details.shown, timeout=30_000):
            qtbot.keyClick(win.view, Qt.Key.Key_I)
        _settle()
        assert win.width() == 800 and win.minimumSizeHint().width() <= 800
        qtbot.keyClick(win.view, Qt.Key.Key_I)
        _settle()
        assert win.width() == 800


def _settle() -> None:
    """Let the layout requests posted so far run, as the event loop does between a person's key presses."""
    QApplication.processEvents()


def _within(rect: QRect, screen: QRect) -> bool:
    return rect.width() <= screen.width() and rect.height() <= screen.height()


def test_the_first_window_fits_the_screen(qtbot, win: MainWindow, home: Path) -> None:
    """The offscreen screen is 800 px wide: a window opening at a fixed 1100 × 720 went past its edge."""
    fresh = MainWindow(win.services)
    qtbot.addWidget(fresh)
    fresh.show()
    screen = fresh.screen().availableGeometry()
    assert screen.width() < 1100  # the case that matters: a screen smaller than the usual first size
    assert _within(fresh.frameGeometry(), screen), (fresh.frameGeometry(), screen)
    fresh.close()


SMALL_SCREEN = """
import json, sys
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.theme import apply_scheme, contrast
from motis_desktop.gui.model_dialog import ModelDialog

app = QApplication([])
services = Services.open(sys.argv[1])
window = MainWindow(services)
window.show()
dialog = ModelDialog(services, window)
dialog.show()
dialog.show_offline("Cannot reach the internet (drive.google.com).")  # what a failed download shows
QTest.mouseClick(dialog.more_button, Qt.MouseButton.LeftButton)  # and the choices, details and import
app.processEvents()
rect = lambda w: w.frameGeometry().getRect()  # x, y, width, height
screen = app.primaryScreen().availableGeometry()
print(json.dumps({
    "screen": screen.getRect(), "window": rect(window), "dialog": rect(dialog),
    "contents": dialog.body.minimumSizeHint().width(),  # wider than the dialog: cut at its right edge
}))
window.close()
services.close()
"""


def test_on_a_small_screen_the_window_and_the_model_offer_after_a_failed_download_fit(
    home: Path, tmp_path: Path
) -> None:
    """A 1366 × 768 laptop screen at a scale factor of 2 (683 × 384): its own QApplication, so in a process of
    its own. The offer grew below the screen's edge once it said why the download failed."""
    sizes = _sizes_on_a_small_screen(SMALL_SCREEN, home, tmp_path)
    assert sizes["screen"] == [0, 0, 683, 384]
    for what in ("window", "dialog"):
        assert _on_the_small_screen(sizes[what]), sizes
    assert sizes["contents"] <= sizes["dialog"][2], sizes


def _sizes_on_a_small_screen(script: str, home: Path, tmp_path: Path) -> dict[str, list[int]]:
    """Run ``script`` over ``home`` in a process of its own (its own QApplication) on a 683 × 384 offscreen
    screen; the sizes it prints as its last line."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "small", "x": 0, "y": 0, "width": 683, "height": 384}]}))
    root = str(Path(__file__).resolve().parents[1])  # this checkout's package, whatever the working folder
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}", "PYTHONPATH": root}
    out = subprocess.run(
        [sys.executable, "-c", script, str(home)], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _on_the_small_screen(rect: list[int]) -> bool:
    """Whether ``rect`` (x, y, width, height) lies wholly on the 683 × 384 screen."""
    x, y, width, height = rect
    return x >= 0 and y >= 0 and x + width <= 683 and y + height <= 384


SMALL_SCREEN_SETTINGS = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow

app = QApplication([])
services = Services.open(sys.argv[1])
window = MainWindow(services)
window.show()
sizes = {}
rect = lambda w: w.frameGeometry().getRect()  # x, y, width, height

def settings_open():
    settings = QApplication.activeModalWidget()
    sizes["settings"] = rect(settings)
    settings.folders.show_failures(sys.argv[1])  # a folder's "Unreadable" count, clicked
    app.processEvents()
    sizes["failures"] = rect(settings.folders.failures_dialog)
    settings.folders.failures_dialog.reject()
    settings.reject()

QTimer.singleShot(0, settings_open)
window.actions_by_name["settings"].trigger()  # Settings… (Ctrl+,): modal until settings_open closes it
sizes["screen"] = app.primaryScreen().availableGeometry().getRect()
print(json.dumps(sizes))
window.close()
services.close()
"""


def test_on_a_small_screen_settings_and_its_unreadable_files_fit(home: Path, tmp_path: Path) -> None:
    """The same 683 × 384 screen: Settings opened at 720 × 480 and the "Unreadable files" list at 760 × 380, their
    OK and Close buttons past the screen's edge."""
    sizes = _sizes_on_a_small_screen(SMALL_SCREEN_SETTINGS, home, tmp_path)
    assert sizes["screen"] == [0, 0, 683, 384]
    for what in ("settings", "failures"):
        assert _on_the_small_screen(sizes[what]), sizes


@pytest.mark.parametrize("dark", [False, True])
def test_the_first_start_hints_and_the_details_labels_are_readable(qtbot, qapp, colour_home: Path, dark: bool) -> None:
    """ "Drop a folder of photos here" and the details' "Taken", "Where"… were #b8b8b8 on #efefef: 1.73:1."""
    before = qapp.palette()
    try:
        apply_scheme(qapp, dark=dark)  # as the app does before its window opens
        services = Services.open(colour_home)
        window = MainWindow(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.model_state == "ready", timeout=30_000)
        assert window.stack.currentWidget() is window.empty and "Drop a folder" in window.empty.text()
        shown = window.empty.palette()  # as its style sheet colours it
        hint, ground = shown.color(QPalette.ColorRole.WindowText), shown.color(QPalette.ColorRole.Window)
        assert contrast(hint, ground) >= 4.5, (hint.name(QColor.NameFormat.HexArgb), ground.name())
        assert contrast(hint, ground) < contrast(qapp.palette().color(QPalette.ColorRole.WindowText), ground)
        labels = qapp.palette().color(QPalette.ColorRole.PlaceholderText)  # the details' labels' colour
        for ground_role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
            assert contrast(labels, qapp.palette().color(ground_role)) >= 4.5, labels.name(QColor.NameFormat.HexArgb)
        window.close()
        services.close()
    finally:
        qapp.setPalette(before)


def _view_first_photo(qtbot, win: MainWindow) -> str:
    """Space on the first photo; once the viewer shows it (or why it cannot), its footer line."""
    win.view.setFocus()
    win.view.setCurrentIndex(win.model.index(0))
    with qtbot.waitSignal(win.grid_viewer.viewer.shown, timeout=30_000):
        qtbot.keyClick(win.view, Qt.Key.Key_Space)
    return win.grid_viewer.viewer.info_text()


def _add_and_index(qtbot, window: MainWindow, folder: Path, rows: int) -> None:
    """Add ``folder`` and wait until its run is over and the gallery read after it is shown (a gallery read that
    lands later resets the current photo)."""
    window.add_folders([str(folder)])
    qtbot.waitUntil(
        lambda: (
            window.model.rowCount() == rows and window.indexer is None and "up to date" in window.status_label.text()
        ),
        timeout=60_000,
    )


@pytest.fixture
def drive(qtbot, window: MainWindow, tmp_path: Path) -> Path:
    """A folder of 3 photos (a drive's), indexed in ``window``."""
    folder = tmp_path / "drive"
    write_photos(folder, "red", 3)
    _add_and_index(qtbot, window, folder, 3)
    return folder


def test_a_photo_on_a_drive_gone_offline_is_said_in_words(qtbot, window: MainWindow, drive: Path) -> None:
    drive.rename(drive.with_name("elsewhere"))  # the drive unplugged, the window open
    footer = _view_first_photo(qtbot, window)
    assert "This photo's folder “drive” is offline: plug its drive back in" in footer, footer
    assert "Errno" not in footer and "No such file" not in footer
    assert window.grid_viewer.viewer.fontMetrics().horizontalAdvance(footer) <= window.grid_viewer.viewer.width()
    with qtbot.waitSignal(window.details.shown, timeout=30_000):  # Details say it too
        qtbot.keyClick(window.grid_viewer.viewer, Qt.Key.Key_I)
    assert "This photo's folder “drive” is offline" in window.details.text(), window.details.text()
    assert "Errno" not in window.details.text()


def test_a_photo_deleted_outside_is_said_in_words(qtbot, window: MainWindow, drive: Path) -> None:
    os.remove(window.model.rows()[0].path)  # the folder is there; the file is not
    footer = _view_first_photo(qtbot, window)
    assert "This photo is no longer on disk" in footer, footer
    assert "Errno" not in footer


def test_a_long_file_name_is_cut_in_its_middle_and_the_place_stays(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """A 200-character name showed as "xxxx…jpg · … name "very_long_name_xxx"", cut at both ends, no place."""
    folder = tmp_path / "long"
    (photo,) = write_photos(folder, "red", 1)
    name = "very_long_name_" + "x" * 181 + "_end.jpg"
    photo.rename(folder / name)
    _add_and_index(qtbot, window, folder, 1)
    _view_first_photo(qtbot, window)
    viewer = window.grid_viewer.viewer
    footer = viewer.footer
    assert footer.startswith("very_long_name_") and "…" in footer and "_end.jpg" in footer, footer
    assert footer.endswith("photo 1 of 1") and "96 × 64 px" in footer, footer
    assert viewer.fontMetrics().horizontalAdvance(footer) <= viewer.width() - 16


def test_at_the_usual_width_the_status_line_with_a_folder_offline_fits(
    qtbot, colour_home: Path, tmp_path: Path
) -> None:
    """At 1100 px, started with a memory card unplugged and unreadable files in the library, the line read "93
    photos, 3 unreadable files · 33 in an offline folder, not searched until it is back · library up to date —
    nothing new since the l…"."""
    write_photos(tmp_path / "photos", "red", 60)
    for name in ("empty.jpg", "notes.jpg", "other.jpg"):
        (tmp_path / "photos" / name).write_bytes(b"not a photo")
    write_photos(tmp_path / "card", "green", 33)
    index_folders(colour_home, tmp_path / "photos", tmp_path / "card")
    (tmp_path / "card").rename(tmp_path / "card-away")  # the memory card is pulled out, the app started
    opened = ready_window(qtbot, colour_home, rows=96, size=(1100, 720))
    window = next(opened)
    line = window.status_label
    qtbot.waitUntil(lambda: "offline" in line.text() and "nothing new" in line.text(), timeout=30_000)
    _settle()
    text = line.text()
    assert text.startswith("93 photos, 3 unreadable files · 33 ") and window.status.skipped_button.isVisible(), text
    assert line.fontMetrics().horizontalAdvance(text) <= line.contentsRect().width(), text
    next(opened, None)  # closes it


def test_details_wrap_a_long_name_and_path_inside_the_panel(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """A 200-character name and its folder's path ran past the details panel's edge behind a scroll bar."""
    folder = tmp_path / ("a_folder_with_a_long_name_" + "y" * 60)
    (photo,) = write_photos(folder, "red", 1)
    name = "very_long_name_" + "x" * 181 + "_end.jpg"
    photo.rename(folder / name)
    window.resize(800, 600)
    _add_and_index(qtbot, window, folder, 1)
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(0))
    with qtbot.waitSignal(window.details.shown, timeout=30_000):
        qtbot.keyClick(window.view, Qt.Key.Key_I)
    _settle()
    assert window.width() == 800
    text = window.details.text()
    assert name in text.replace("\n", "") and str(folder) in text.replace("\n", "")  # whole, to copy
    page = window.details.page
    assert page.document().size().width() <= page.viewport().width() + 1  # wrapped, nothing past the edge
