"""The in-app viewer, watched folders in the window, and the folders panel of Settings (pytest-qt, offscreen)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers.keys import search_by_keys
from helpers.watching import write_photos
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QPushButton

from motis_desktop.gui.folders_panel import FAILED
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog


def _index(qtbot, win: MainWindow, folder: Path, rows: int) -> None:
    win.add_folders([str(folder)])
    qtbot.waitUntil(lambda: win.model.rowCount() == rows and win.indexer is None, timeout=60_000)
    qtbot.waitUntil(lambda: "up to date" in win.status_label.text(), timeout=60_000)


def test_viewer_opens_steps_and_returns_to_the_same_place(qtbot, window: MainWindow, tmp_path: Path, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    write_photos(tmp_path / "p", "red", 30, size=(640, 480))
    write_photos(tmp_path / "p", "blue", 30, size=(480, 640))
    _index(qtbot, window, tmp_path / "p", 60)
    search_by_keys(qtbot, window, "red")
    assert window.model.rowCount() == 30
    window.more_button.click()  # the 30 red photos stand out; show the rest too
    qtbot.waitUntil(lambda: window.model.rowCount() == 60, timeout=10_000)
    view, viewer = window.view, window.grid_viewer.viewer
    rows = window.model.rows()
    view.setCurrentIndex(window.model.index(40))
    view.scrollTo(window.model.index(40))
    scrolled = view.verticalScrollBar().value()
    assert scrolled > 0  # the grid is scrolled down: "the same place" is not simply the top

    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert window.grid_viewer.is_open
    assert window.stack.currentWidget() is viewer
    qtbot.waitUntil(lambda: viewer.shown_path == rows[40].path, timeout=10_000)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: viewer.shown_path == rows[42].path, timeout=10_000)
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: viewer.shown_path == rows[41].path, timeout=10_000)
    info = viewer.info_text()
    assert os.path.basename(rows[41].path) in info
    assert "640 × 480 px" in info or "480 × 640 px" in info
    assert f"score {rows[41].score:.3f}" in info

    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not window.grid_viewer.is_open
    assert window.stack.currentWidget() is view
    assert window.results.results_for == "red"  # Esc left the viewer, not the results
    assert view.currentIndex().row() == 41
    assert view.verticalScrollBar().value() == scrolled

    # A double-click views (no default app); Enter keeps opening the default app.
    index = window.model.index(41)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    assert window.grid_viewer.is_open
    assert viewer.row == 41
    assert opened == []
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened == [rows[41].path]


def test_viewer_and_details_give_a_turned_photo_s_size_as_shown(qtbot, colour_home: Path, tmp_path: Path) -> None:
    """QA: a photo stored 600x400 with EXIF orientation 6 (shown 400 wide, 600 high) was "400×600" in the viewer
    and "600 × 400 px" in Details. Both give the size as shown, in one format."""
    from helpers.photos import COLOURS, colour_image
    from helpers.window import index_folders, ready_window
    from PIL import Image

    folder = tmp_path / "p"
    folder.mkdir()
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: turn 90° clockwise to show
    Image.fromarray(colour_image(COLOURS["red"], 600, 400, seed=1)).save(folder / "turned.jpg", exif=exif)
    assert index_folders(colour_home, folder).encoded == 1
    windows = ready_window(qtbot, colour_home, rows=1)
    window = next(windows)
    try:
        view, viewer = window.view, window.grid_viewer.viewer
        view.setFocus()
        view.setCurrentIndex(window.model.index(0))
        with qtbot.waitSignal(window.details.shown, timeout=30_000):
            qtbot.keyClick(view, Qt.Key.Key_I)
        assert "400 × 600 px" in window.details.text()
        with qtbot.waitSignal(viewer.shown, timeout=30_000):
            qtbot.keyClick(view, Qt.Key.Key_Space)
        assert "400 × 600 px" in viewer.info_text()
    finally:
        next(windows, None)


def test_viewer_follows_the_library_when_photos_are_deleted(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """The viewer kept the rows it was opened with: after photos were deleted (the watcher re-read the gallery),
    Right stepped onto a photo that had left. Now it steps through the rows the grid has; when the photo on show
    leaves, the next one still there shows, and the grid when none is, with a word in the status bar."""
    write_photos(tmp_path / "p", "red", 6)
    _index(qtbot, window, tmp_path / "p", 6)
    rows = window.model.rows()
    view, viewer = window.view, window.grid_viewer.viewer
    view.setCurrentIndex(window.model.index(1))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: viewer.shown_path == rows[1].path, timeout=10_000)

    with qtbot.waitSignal(window.gallery_loaded, timeout=60_000, check_params_cb=lambda n: n == 4):
        os.remove(rows[2].path)
        os.remove(rows[3].path)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)  # over the two deleted photos
    qtbot.waitUntil(lambda: viewer.shown_path == rows[4].path, timeout=10_000)
    assert viewer.info_text().endswith("photo 3 of 4")

    with qtbot.waitSignal(window.gallery_loaded, timeout=60_000, check_params_cb=lambda n: n == 3):
        os.remove(rows[4].path)  # the photo on show
    qtbot.waitUntil(lambda: viewer.shown_path == rows[5].path, timeout=10_000)
    assert window.grid_viewer.is_open and viewer.info_text().endswith("photo 3 of 3")
    assert window.status.currentMessage() == f"{rows[4].path.rsplit('/', 1)[1]} is no longer in the library"

    with qtbot.waitSignal(window.gallery_loaded, timeout=60_000, check_params_cb=lambda n: n == 0):
        for row in (rows[0], rows[1], rows[5]):
            os.remove(row.path)
    assert not window.grid_viewer.is_open  # nothing left to view: back to the grid
    assert window.status.currentMessage() == f"{rows[5].path.rsplit('/', 1)[1]} is no longer in the library"


def test_viewer_shows_a_photo_that_cannot_be_decoded_with_its_reason(qtbot, window: MainWindow, tmp_path: Path):
    write_photos(tmp_path / "p", "green", 2)
    (tmp_path / "p" / "broken.jpg").write_text("not a photo")
    _index(qtbot, window, tmp_path / "p", 3)
    row = next(i for i, r in enumerate(window.model.rows()) if r.path.endswith("broken.jpg"))
    window.grid_viewer.open(window.model.index(row))
    viewer = window.grid_viewer.viewer
    qtbot.waitUntil(lambda: viewer.shown_path.endswith("broken.jpg"), timeout=10_000)
    assert "not an image" in viewer.info_text()


def test_window_follows_the_disk_and_shows_offline_folders(qtbot, window: MainWindow, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    write_photos(root, "blue", 4)
    _index(qtbot, window, root, 4)
    for path in write_photos(tmp_path / "card", "red", 6):
        shutil.copy2(path, root / path.name)
    qtbot.waitUntil(lambda: window.model.rowCount() == 10 and window.indexer is None, timeout=30_000)
    qtbot.waitUntil(lambda: "6 photos indexed" in window.status_label.text(), timeout=30_000)

    os.rename(root, tmp_path / "away")
    qtbot.waitUntil(lambda: window.watching.label.isVisible(), timeout=30_000)
    assert window.watching.label.text() == "⚠ 1 folder offline"
    os.rename(tmp_path / "away", root)
    qtbot.waitUntil(lambda: not window.watching.label.isVisible(), timeout=30_000)
    assert window.model.rowCount() == 10

    window.close()
    assert not window.watching.active  # quitting stopped the watcher


def test_folders_panel_counts_failures_and_state(qtbot, window: MainWindow, tmp_path: Path) -> None:
    write_photos(tmp_path / "p", "green", 3)
    (tmp_path / "p" / "a.jpg").write_text("not a photo")
    (tmp_path / "p" / "b.jpg").write_bytes(b"")
    _index(qtbot, window, tmp_path / "p", 5)
    dialog = SettingsDialog([str(tmp_path / "p")], ["colour"], "colour", "auto", 50, 160, window, window.backend.submit)
    qtbot.addWidget(dialog)
    panel = dialog.folders
    item = panel.tree.topLevelItem(0)
    qtbot.waitUntil(lambda: item.text(4) == "online", timeout=10_000)
    # the status line's words and numbers: photos the app can show, files it cannot (it counted them as photos)
    assert [panel.tree.headerItem().text(c) for c in range(1, 4)] == ["Photos", "To index", "Unreadable"]
    assert [item.text(c) for c in range(1, 4)] == ["3", "0", "2"]
    assert window.status_label.text().startswith("3 photos, 2 unreadable files")
    rect = panel.tree.visualItemRect(item)
    x = panel.tree.header().sectionViewportPosition(FAILED) + 5
    qtbot.mouseClick(panel.tree.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, rect.center().y()))
    qtbot.waitUntil(lambda: panel.failures_dialog is not None and panel.failures_dialog.list.topLevelItemCount() == 2)
    failures = panel.failures_dialog.list
    reasons = {failures.topLevelItem(i).text(0): failures.topLevelItem(i).text(1) for i in range(2)}
    assert "not an image" in reasons[str(tmp_path / "p" / "a.jpg")]
    assert "empty" in reasons[str(tmp_path / "p" / "b.jpg")]
    panel.failures_dialog.close()
    assert dialog.values()["folders"] == [str(tmp_path / "p")]


def test_settings_keep_a_folder_named_in_latin1(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """The settings' folder list read each folder back from its row's text, which loses the bytes of a name that
    are not UTF-8: its counts never came, and OK would have removed the real folder from the library."""
    import os

    folder = Path(os.path.join(str(tmp_path), os.fsdecode(b"f\xeates")))
    write_photos(folder, "red", 3)
    _index(qtbot, window, folder, 3)
    dialog = SettingsDialog([str(folder)], ["colour"], "colour", "auto", 50, 160, window, window.backend.submit)
    qtbot.addWidget(dialog)
    item = dialog.folders.tree.topLevelItem(0)
    qtbot.waitUntil(lambda: item.text(4) == "online", timeout=10_000)
    assert item.text(1) == "3"
    assert "f\ufffdtes" in item.text(0)  # shown, not dropped
    assert dialog.values()["folders"] == [str(folder)]


def test_removing_a_folder_says_so_and_esc_returns_where_the_gallery_was(qtbot, window: MainWindow, tmp_path: Path):
    """After a folder was removed in Settings the status line kept the last indexing run's summary (the photos of
    that folder indexed), and Esc from results put the gallery at the place of the current result, not where the
    gallery had been: its photo at the top had left. Now the status says what left, and Esc shows the photo that
    followed it in its place."""
    size = (640, 480)
    write_photos(tmp_path / "a", "red", 30, size=size)
    write_photos(tmp_path / "a", "green", 10, size=size)
    _index(qtbot, window, tmp_path / "a", 40)
    write_photos(tmp_path / "b", "blue", 30, size=size)
    write_photos(tmp_path / "b", "red", 10, start=100, size=size)
    _index(qtbot, window, tmp_path / "b", 80)
    gallery, view = window.model.rows(), window.view
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum() // 4)
    anchor = view.anchor()
    assert anchor is not None and anchor[0].startswith(str(tmp_path / "b")) and bar.value() > 0
    search_by_keys(qtbot, window, "red")
    assert window.model.rowCount() == 40

    def remove_b() -> None:  # in the Settings dialog's own event loop
        dialog = next(d for d in window.findChildren(SettingsDialog) if d.isVisible())
        tree = dialog.folders.tree
        for i in range(tree.topLevelItemCount()):
            tree.topLevelItem(i).setSelected(tree.topLevelItem(i).text(0).endswith(os.sep + "b"))
        qtbot.mouseClick(
            next(b for b in dialog.findChildren(QPushButton) if b.text() == "Remove from library"),
            Qt.MouseButton.LeftButton,
        )
        dialog.accept()

    QTimer.singleShot(0, remove_b)
    with qtbot.waitSignal(window.gallery_loaded, timeout=30_000, check_params_cb=lambda n: n == 40):
        qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File ▸ Settings…
    qtbot.waitUntil(lambda: window.model.rowCount() == 30)  # the results lost folder b's red photos
    assert window.status_label.text().startswith("30 results")

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert window.results.results_for is None and window.model.rowCount() == 40
    assert window.status_label.text() == "40 photos · 1 folder removed: 40 photos left the library"
    at = [r.path for r in gallery].index(anchor[0])
    followed = next(r.path for r in gallery[at:] if not r.path.startswith(str(tmp_path / "b")))
    now = view.anchor()
    assert now is not None and now[0] == followed
    assert bar.value() < view.viewport().height()  # b's photos were the newest: a's first one is at the top


def test_a_photo_found_by_its_name_shows_no_meaningless_score(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """QA: the viewer said "score 0.001" for a photo its file name found (its look is far from the query); the
    command line says "by name". The viewer names the match instead of a score."""
    write_photos(tmp_path / "p", "red", 3)
    shutil.copy(next((tmp_path / "p").iterdir()), tmp_path / "p" / "invoice_march.png")
    _index(qtbot, window, tmp_path / "p", 4)
    search_by_keys(qtbot, window, "invoice")
    (hit,) = window.model.rows()
    assert hit.path.endswith("invoice_march.png") and hit.score is None
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(0))
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    viewer = window.grid_viewer.viewer
    qtbot.waitUntil(lambda: viewer.shown_path == hit.path, timeout=10_000)
    assert "score" not in viewer.info_text() and "invoice_march.png" in viewer.info_text()


def test_a_query_of_subtracted_terms_only_shows_no_score(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """QA: "-red" (every photo that is not red, least red first) showed "score 0.000" on each photo: its scores
    rank the photos but mean nothing as numbers. The tooltip and the viewer show none."""
    write_photos(tmp_path / "p", "red", 2)
    write_photos(tmp_path / "p", "green", 2, start=10)
    _index(qtbot, window, tmp_path / "p", 4)
    search_by_keys(qtbot, window, "-red")
    assert window.model.rowCount() == 2
    # nothing in them "stands out" for such a query: they are what it subtracts least
    assert window.status_label.text().startswith("2 photos unlike what “-red” subtracts"), window.status_label.text()
    tips = [window.model.index(i).data(Qt.ItemDataRole.ToolTipRole) for i in range(2)]
    assert all("green" in tip and "score" not in tip for tip in tips), tips
    window.view.setFocus()
    window.view.setCurrentIndex(window.model.index(0))
    qtbot.keyClick(window.view, Qt.Key.Key_Space)
    viewer = window.grid_viewer.viewer
    qtbot.waitUntil(lambda: viewer.shown_path == window.model.path_at(0), timeout=10_000)
    assert "score" not in viewer.info_text()
