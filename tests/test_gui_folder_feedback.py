"""What the status line says about folders and unreadable files (QA walk of 2026-12-07): an empty folder added
is named, files an earlier run could not read are not news on every run, and the photo count agrees with the
count a search gives. Real keys for the search; waits on the window's public state."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import import_colour_model, run_cli
from helpers.keys import search_by_keys
from helpers.watching import write_photos
from PySide6.QtCore import Qt

from motis_desktop.gui.main_window import MainWindow


def _wait_up_to_date(qtbot, window: MainWindow, rows: int) -> None:
    qtbot.waitUntil(
        lambda: (
            window.model.rowCount() == rows and window.indexer is None and "up to date" in window.status_label.text()
        ),
        timeout=60_000,
    )


def test_adding_a_folder_without_photos_says_so_and_keeps_the_folder(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Adding (or dropping) an empty folder said nothing: the line kept the last run's outcome."""
    write_photos(tmp_path / "photos", "red", 3)
    window.add_folders([str(tmp_path / "photos")])
    _wait_up_to_date(qtbot, window, 3)
    empty = tmp_path / "Empty"
    empty.mkdir()
    window.add_folders([str(empty)])  # what File ▸ Add folder and a drop on the window do
    qtbot.waitUntil(lambda: f"no photos found in {empty}" in window.status_label.text(), timeout=60_000)
    assert window.status_label.text().startswith("3 photos · ")
    assert str(empty) in window.folders  # it stays: photos put there later are picked up
    write_photos(empty, "green", 2)  # the folder watcher sees them
    qtbot.waitUntil(lambda: window.model.rowCount() == 5 and window.indexer is None, timeout=60_000)
    qtbot.waitUntil(lambda: "no photos found" not in window.status_label.text(), timeout=10_000)


def test_files_an_earlier_run_could_not_read_are_not_counted_again_and_the_counts_agree(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """A run in another folder said "3 photos indexed, 1 could not be read" for a file reported before, and the
    line's "4 photos" counted the unreadable file while a search said "among 3 photos"."""
    write_photos(tmp_path / "a", "red", 2)
    (tmp_path / "a" / "notes.jpg").write_text("this is not a photo\n")
    window.add_folders([str(tmp_path / "a")])
    said = "2 photos, 1 unreadable file · library up to date: 2 photos indexed, 1 file could not be read"
    qtbot.waitUntil(lambda: window.status_label.text() == said, timeout=60_000)  # the gallery read after the run
    write_photos(tmp_path / "b", "green", 3)
    window.add_folders([str(tmp_path / "b")])
    said = "5 photos, 1 unreadable file · library up to date: 3 photos indexed"
    qtbot.waitUntil(lambda: window.status_label.text() == said and window.indexer is None, timeout=60_000)
    assert window.status.skipped_button.isVisible() and len(window.status.skipped) == 1  # Skipped… lists it still
    search_by_keys(qtbot, window, "zebra")
    assert "among 5 photos" in window.status_label.text()


def test_motis_index_counts_only_the_files_a_run_could_not_read_anew(tmp_path: Path, colour_pair) -> None:
    """``motis watch`` printed "skipped 1" and the same file on every run (the core reported every remembered
    failure as this run's): the count is of new ones; ``index`` lists the earlier ones apart."""
    home = tmp_path / "home"
    import_colour_model(colour_pair, home, "colour")
    write_photos(tmp_path / "a", "red", 2)
    (tmp_path / "a" / "notes.jpg").write_text("this is not a photo\n")
    first = run_cli("index", str(tmp_path / "a"), home=home).stdout
    assert "1 file could not be read (" in first and f"  skipped {tmp_path / 'a' / 'notes.jpg'}: " in first
    write_photos(tmp_path / "b", "green", 1)
    again = run_cli("index", str(tmp_path / "b"), home=home).stdout
    assert "encoded 1," in again and "could not be read" not in again.splitlines()[0]
    assert f"  skipped {tmp_path / 'a'}" not in again
    every = run_cli("index", home=home).stdout  # no folder named: the library's every folder
    assert f"  still skipped {tmp_path / 'a' / 'notes.jpg'}: " in every and "elsewhere" not in every


def test_links_the_scan_leaves_out_are_no_unreadable_photos_and_skipped_says_what_each_count_covers(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """QA: "19 photos, 3 unreadable files · library up to date: 1 photo could not be read" while Skipped… said "4
    files could not be indexed": a broken link and a link loop (never in the gallery) were counted as a photo
    that could not be read, on every run. The line counts only the library's files, as files; Skipped… counts
    each group apart and says what it covers."""
    photos = tmp_path / "p"
    write_photos(photos, "red", 2)
    (photos / "notes.jpg").write_text("this is not a photo\n")
    (photos / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")  # a broken link
    (photos / "loop.jpg").symlink_to(photos / "loop.jpg")  # a link loop
    window.add_folders([str(photos)])
    said = "2 photos, 1 unreadable file · library up to date: 2 photos indexed, 1 file could not be read"
    qtbot.waitUntil(lambda: window.status_label.text() == said and window.indexer is None, timeout=60_000)

    window.view.setFocus()
    with qtbot.waitSignal(window.indexing.finished, timeout=60_000):
        qtbot.keyClick(window.view, Qt.Key.Key_F5)  # Update index: the links are left out again, no news
    qtbot.waitUntil(lambda: window.indexer is None, timeout=60_000)
    assert window.status_label.text().startswith("2 photos, 1 unreadable file · library up to date — nothing new")

    qtbot.mouseClick(window.status.skipped_button, Qt.MouseButton.LeftButton)
    dialog = window.status.skipped_dialog
    assert dialog is not None and dialog.isVisible()
    summary = dialog.summary.text()
    assert "1 file in your folders could not be read: the gallery shows it as a broken image" in summary
    assert "2 items left out by the scan, not in the library: broken links, link loops" in summary
    listed = dialog.text()
    assert "gone.jpg: broken symbolic link" in listed and "loop.jpg: symbolic link loop" in listed
    dialog.accept()


def test_skipped_lists_each_path_on_one_line(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """QA: Skipped…'s details box was ~200 px wide, each path wrapped over 2-3 lines. The list is as wide as its
    longest line (or the screen, when that is narrower: a path is cut in its middle, its reason stays in view)."""
    photos = tmp_path / "p"
    write_photos(photos, "red", 1)
    (photos / "gone.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (photos / "notes.jpg").write_text("this is not a photo\n")
    window.add_folders([str(photos)])
    qtbot.waitUntil(lambda: window.status.skipped_button.isVisible() and window.indexer is None, timeout=60_000)
    qtbot.mouseClick(window.status.skipped_button, Qt.MouseButton.LeftButton)
    dialog = window.status.skipped_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    metrics = dialog.list.fontMetrics()
    widest = max(metrics.horizontalAdvance(line.split(": ")[0]) for line in dialog.text().splitlines())
    screen = dialog.screen().availableGeometry().width()
    assert widest > 400  # paths long enough to have wrapped
    # each path on one line, whole, or the dialog as wide as the screen lets it (a path cut in its middle then)
    assert dialog.list.columnWidth(0) >= widest or dialog.width() >= screen * 8 // 10
    both = dialog.list.columnWidth(0) + dialog.list.columnWidth(1)
    assert both <= dialog.list.viewport().width() + 1  # and its reason beside it, in view: no sideways scrolling
    assert dialog.width() <= screen
    dialog.accept()
