"""Rough edges a new user hit in the desktop app (issue 11's GUI list), each pinned by a test."""

from __future__ import annotations

import logging
from pathlib import Path

from helpers.keys import OFFSCREEN_MENU, choose_from_context_menu, search_by_keys
from helpers.photos import make_colour_folder
from PySide6.QtCore import QStandardPaths, Qt, QThreadPool, QTimer, QUrl, qWarning
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from motis_desktop.core.errors import MotisError
from motis_desktop.gui import app as app_module
from motis_desktop.gui.dialogs import photos_folder
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.tasks import start_task


def _indexed(win: MainWindow) -> bool:
    return win.indexer is None and "up to date" in win.status_label.text()


def test_status_says_indexing_while_indexing(qtbot, window: MainWindow, tmp_path: Path) -> None:
    make_colour_folder(tmp_path / "a", per_colour=1)
    window.add_folders([str(tmp_path / "a")])
    qtbot.waitUntil(lambda: _indexed(window), timeout=60_000)
    make_colour_folder(tmp_path / "b", per_colour=1)
    seen: list[str] = []
    window.indexing.progress.connect(lambda _p: seen.append(window.status_label.text()))
    window.add_folders([str(tmp_path / "b")])
    qtbot.waitUntil(lambda: bool(seen) and _indexed(window), timeout=60_000)
    assert all("up to date" not in text for text in seen), seen
    assert all("indexing" in text for text in seen), seen


def test_escape_clears_text_that_was_never_searched(qtbot, window: MainWindow) -> None:
    window.search.setFocus()
    qtbot.keyClicks(window.search, "sunset over the")
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.text() == ""


@OFFSCREEN_MENU
def test_find_similar_puts_the_photo_in_the_search_box(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """The search box always shows the query of the results: *Find similar* makes the photo an image term,
    shown as the photo's thumbnail rather than a quoted path; words typed after it refine the search."""
    make_colour_folder(tmp_path / "photos", per_colour=2)
    window.add_folders([str(tmp_path / "photos")])
    qtbot.waitUntil(lambda: _indexed(window) and window.model.rowCount() == 12, timeout=60_000)
    search_by_keys(qtbot, window, "red")
    reds = window.model.rows()
    first = reds[0]
    choose_from_context_menu(qtbot, window, first.path, "Find similar")
    qtbot.waitUntil(lambda: window.results.results_for == f'"{first.path}"', timeout=10_000)
    assert window.search.text() == ""  # no quoted path in the box ...
    assert window.search.reference == first.path  # ... but the photo, as its thumbnail
    reference = next(a for a in window.search.actions() if a.objectName() == "referencePhoto")
    qtbot.waitUntil(lambda: not reference.icon().isNull(), timeout=10_000)
    assert [r.path for r in window.model.rows()] == [r.path for r in reds if r.path != first.path]
    with qtbot.waitSignal(window.searcher.results, timeout=10_000) as refined:
        window.search.setFocus()
        qtbot.keyClicks(window.search, "+ red")
        qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert refined.args[0] == f'"{first.path}" + red'
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.search.reference is None and window.search.text() == ""


@OFFSCREEN_MENU
def test_find_similar_says_the_photo_by_its_name(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """The status line named Find similar's query as the raw query, a quoted path in quotes
    (`for “"/tmp/x/photo.jpg"”`); it says "photos like photo.jpg", a name in Latin-1 with "�" for its byte."""
    import os
    from urllib.parse import quote_from_bytes

    from helpers.watching import write_photos
    from PySide6.QtCore import QMimeData, QPointF
    from PySide6.QtGui import QDropEvent

    write_photos(tmp_path / "p", "red", 4)
    window.add_folders([str(tmp_path / "p")])
    qtbot.waitUntil(lambda: _indexed(window) and window.model.rowCount() == 4, timeout=60_000)
    first = window.model.rows()[0]
    with qtbot.waitSignal(window.results.results_shown, timeout=10_000):
        choose_from_context_menu(qtbot, window, first.path, "Find similar")
    line = window.status_label.text()
    assert f" for photos like {os.path.basename(first.path)} " in line, line
    assert '"' not in line and str(tmp_path) not in line

    photo = os.path.join(str(tmp_path / "p"), os.fsdecode(b"caf\xe9.jpg"))
    os.rename(first.path, photo)
    mime = QMimeData()
    mime.setUrls([QUrl.fromEncoded(b"file://" + quote_from_bytes(os.fsencode(photo)).encode())])
    drop = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    with qtbot.waitSignal(window.results.results_shown, timeout=10_000):
        window.search.dropEvent(drop)
    assert " for photos like caf\ufffd.jpg " in window.status_label.text()


def test_opening_a_photo_without_a_launcher_says_so(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda _url: False)
    window.open_path("/photos/a.jpg")
    assert "No application" in window.status_label.text()
    assert "/photos/a.jpg" in window.status_label.text()


def test_folder_dialog_starts_in_pictures_or_home(qtbot, window: MainWindow, monkeypatch) -> None:
    asked: list[str] = []
    monkeypatch.setattr(
        QFileDialog,
        "getExistingDirectoryUrl",
        lambda _parent, _title, start: asked.append(start.toLocalFile()) or QUrl(),
    )
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)  # File ▸ Add folder…
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    assert asked == [photos_folder()]
    assert asked[0] in (pictures, str(Path.home()))


def test_settings_dialog_is_deleted_after_use(qtbot, window: MainWindow) -> None:
    """Quitting after Settings printed "shared QObject was deleted directly": the dialog outlived its use
    as a child of the window. Now it is deleted when closed, and quitting afterwards logs no Qt warning
    (pytest-qt fails the test on any)."""
    opened: list[str] = []
    deleted: list[bool] = []

    def cancel_the_open_dialog() -> None:  # runs inside the dialog's own event loop, once it shows
        for dialog in window.findChildren(SettingsDialog):
            if dialog.isVisible():
                opened.append(dialog.windowTitle())
                dialog.destroyed.connect(lambda *_: deleted.append(True))
                dialog.reject()

    QTimer.singleShot(0, cancel_the_open_dialog)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File ▸ Settings…
    assert opened == ["Settings"]  # Ctrl+, opened the dialog (and the key press returned once it closed)
    qtbot.waitUntil(lambda: deleted == [True] and not window.findChildren(SettingsDialog), timeout=5_000)
    window.close()


def test_log_file_receives_failures_and_qt_warnings(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import qInstallMessageHandler

    log_file = tmp_path / "motis-desktop.log"
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    previous = qInstallMessageHandler(None)  # pytest-qt's handler, put back below
    failed: list[str] = []
    try:
        app_module.setup_logging(log_file)
        qWarning("a Qt warning for the log")

        def download(_report, _cancel):  # type: ignore[no-untyped-def]
            raise MotisError("download timed out after 30 s")

        pool, keep = QThreadPool(), set()
        start_task(pool, download, keep, lambda task: task.signals.failed.connect(failed.append))
        qtbot.waitUntil(lambda: bool(failed), timeout=10_000)
        pool.waitForDone()
    finally:
        for handler in root.handlers:
            if handler not in handlers:
                handler.close()
                root.removeHandler(handler)
        root.setLevel(level)
        qInstallMessageHandler(previous)
    text = log_file.read_text(encoding="utf-8")
    assert "WARNING qt: a Qt warning for the log" in text
    assert "download timed out after 30 s" in text
