"""The status line and the empty-result page say what is true now: counts after the library changed, a query
named readably. Real keys; waits on the window's public signals."""

from __future__ import annotations

from pathlib import Path

from helpers.keys import enter_query, search_by_keys
from helpers.watching import write_photos
from PySide6.QtCore import Qt

from motis_desktop.gui.main_window import MainWindow


def _library_of(qtbot, window: MainWindow, folder: Path, n: int) -> None:
    write_photos(folder, "red", n)
    window.add_folders([str(folder)])
    qtbot.waitUntil(
        lambda: window.model.rowCount() == n and window.indexer is None and "up to date" in window.status_label.text(),
        timeout=60_000,
    )


def test_a_search_that_found_nothing_says_the_new_count_once_a_watched_folder_adds_photos(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """ "No good matches for “zebra” among 3 photos" stayed after the watcher added two photos: the line and the
    page named the library as it was before."""
    folder = tmp_path / "photos"
    _library_of(qtbot, window, folder, 3)
    search_by_keys(qtbot, window, "zebra")
    assert "among 3 photos" in window.status_label.text() and window.stack.currentWidget() is window.empty_results
    write_photos(folder, "green", 2, start=10)  # the folder watcher sees them
    qtbot.waitUntil(lambda: "among 5 photos" in window.status_label.text(), timeout=60_000)
    assert "Among the 5 photos" in window.empty_results.reason.text()
    with qtbot.waitSignal(window.results.gallery_shown, timeout=5_000):
        qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.status_label.text().startswith("5 photos")


def test_esc_after_a_refused_query_over_the_gallery_shows_the_count_again(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """Over the gallery a refused query's reason stayed in the status line after Esc and after later gallery reads:
    the photo count never came back until another search."""
    folder = tmp_path / "photos"
    _library_of(qtbot, window, folder, 3)
    enter_query(qtbot, window, "after:garbage")
    qtbot.waitUntil(lambda: "not a date" in window.status_label.text(), timeout=30_000)
    with qtbot.waitSignal(window.results.gallery_shown, timeout=5_000):
        qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.status_label.text().startswith("3 photos")
    write_photos(folder, "green", 2, start=10)
    qtbot.waitUntil(lambda: window.status_label.text().startswith("5 photos"), timeout=60_000)


def test_a_query_that_holds_quotes_is_not_quoted_again(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """`text:"x"` showed as “text:"x"” in the status line and on the empty-result page: quotes in quotes."""
    _library_of(qtbot, window, tmp_path / "photos", 3)
    said: list[str] = []
    window.searcher.status.connect(said.append)  # "Searching for …" comes and goes
    search_by_keys(qtbot, window, 'text:"x"')
    page = window.empty_results.title.text()
    for line in [*said, window.status_label.text(), page]:
        assert 'text:"x"' in line and "“" not in line and "”" not in line, line
    assert page == 'Nothing shown for text:"x"'
    search_by_keys(qtbot, window, "zebra")  # a query without quotes of its own is quoted
    assert "No good matches for “zebra”" in window.status_label.text()


def test_a_status_line_too_long_for_a_narrow_window_ends_in_an_ellipsis_with_the_whole_in_its_tooltip(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """QA: at 420 px the line was cut mid-word ("for “gree"). It is drawn up to "…" and its tooltip says it all;
    a line that fits has no tooltip."""
    _library_of(qtbot, window, tmp_path / "photos", 3)
    search_by_keys(qtbot, window, "zebra")
    line = window.status_label
    assert line.toolTip() == ""
    window.resize(420, 320)
    qtbot.waitUntil(lambda: line.width() < line.fontMetrics().horizontalAdvance(line.text()), timeout=5_000)
    assert line.toolTip() == line.text() and "zebra" in line.toolTip()


def test_the_photo_count_says_how_many_are_in_an_offline_folder_a_search_leaves_out(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """QA: with a folder unplugged the line said "114 photos" while a search listed 88: the gallery keeps the
    offline folder's photos, a search cannot show them. The line says the difference."""
    write_photos(tmp_path / "card", "green", 2, start=10)
    _library_of(qtbot, window, tmp_path / "photos", 3)
    window.add_folders([str(tmp_path / "card")])
    qtbot.waitUntil(lambda: window.model.rowCount() == 5 and window.indexer is None, timeout=60_000)
    (tmp_path / "card").rename(tmp_path / "card-away")  # the memory card is pulled out
    said = "5 photos · 2 in an offline folder, not searched · "
    qtbot.waitUntil(lambda: window.status_label.text().startswith(said), timeout=30_000)
    search_by_keys(qtbot, window, "sort:date")  # every photo a search can show, newest first
    assert window.status_label.text().startswith("3 results") and window.model.rowCount() == 3  # 5 less 2
    with qtbot.waitSignal(window.results.gallery_shown, timeout=5_000):
        qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    assert window.status_label.text().startswith(said)
    (tmp_path / "card-away").rename(tmp_path / "card")  # back: every photo is searched again
    qtbot.waitUntil(lambda: "offline" not in window.status_label.text(), timeout=30_000)
    assert window.status_label.text().startswith("5 photos · ")
