"""Bugs at the seam of the window (issue 21), each pinned by a test that presses real keys and waits on
public signals. Queries are counted by wrapping the real ``Services.query`` (it still runs)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.keys import OFFSCREEN_MENU, choose_from_context_menu
from helpers.photos import make_colour_folder
from helpers.window import ready_window
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget

from motis_desktop.core.formatting import format_size
from motis_desktop.core.services import Services
from motis_desktop.gui.library_model import Roles
from motis_desktop.gui.main_window import MainWindow


@pytest.fixture
def photos(home: Path, indexed_libraries) -> dict[str, str]:
    """A home whose library (5 photos of each of 6 colours) is already indexed (a copy of one made once)."""
    return indexed_libraries.copy_into(home, "gui-window", lambda folder: make_colour_folder(folder, per_colour=5))


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every query any Services runs from now on."""
    seen: list[str] = []
    real = Services.query

    def counting(self: Services, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(str(query))
        return real(self, query, *args, **kwargs)

    monkeypatch.setattr(Services, "query", counting)
    return seen


@pytest.fixture
def win(qtbot, home: Path, photos: dict[str, str]) -> Iterator[MainWindow]:
    yield from ready_window(qtbot, home, rows=30)


def _type_and_enter(qtbot, win: MainWindow, text: str) -> None:
    win.search.setFocus()
    win.search.selectAll()
    qtbot.keyClicks(win.search, text)
    qtbot.keyClick(win.search, Qt.Key.Key_Return)


def _search(qtbot, win: MainWindow, text: str) -> None:
    with qtbot.waitSignal(win.searcher.results, timeout=30_000):
        _type_and_enter(qtbot, win, text)


def _drain_backend(qtbot, win: MainWindow) -> None:
    """Wait until every job submitted to the backend so far has run and its outcome was delivered."""
    done: list[bool] = []
    win.backend.submit(lambda _s: True, done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)


def test_one_enter_runs_exactly_one_query(qtbot, win: MainWindow, queries: list[str]) -> None:
    _search(qtbot, win, "red")
    _drain_backend(qtbot, win)
    assert queries == ["red"]


def test_reset_and_enter_in_the_gallery_runs_no_query(qtbot, win: MainWindow, queries: list[str]) -> None:
    results: list[str] = []
    win.searcher.results.connect(lambda text, _r: results.append(text))
    _type_and_enter(qtbot, win, "reset")
    _drain_backend(qtbot, win)
    assert queries == [] and results == []
    assert win.model.rowCount() == 30
    assert win.search.text() == ""


def test_reset_and_enter_after_results_returns_to_the_gallery(qtbot, win: MainWindow, queries: list[str]) -> None:
    _search(qtbot, win, "red")
    assert win.model.rowCount() == 5
    _type_and_enter(qtbot, win, "reset")
    _drain_backend(qtbot, win)
    assert queries == ["red"]
    assert win.model.rowCount() == 30
    assert win.search.text() == ""


def test_an_idle_pass_says_nothing_new_not_the_last_runs_counts(qtbot, win: MainWindow, tmp_path: Path) -> None:
    """F5 with nothing to do left "library up to date: 6 photos indexed" (QA walk: read as this run's work)."""
    qtbot.waitUntil(lambda: win.indexer is None, timeout=60_000)  # the start-up pass (nothing to do) is over
    runs = []
    win.indexing.finished.connect(runs.append)
    make_colour_folder(tmp_path / "more", per_colour=1, seed=100)  # not the library's bytes: encoded
    win.add_folders([str(tmp_path / "more")])
    qtbot.waitUntil(lambda: any(r.encoded == 6 for r in runs) and win.indexer is None, timeout=60_000)
    qtbot.waitUntil(lambda: "6 photos indexed" in win.status_label.text(), timeout=10_000)
    for jargon in ("encoded", "0 renamed", "0 removed", "0 skipped"):  # plain words, no zero counts
        assert jargon not in win.status_label.text()
    with qtbot.waitSignal(win.indexing.stopped, timeout=60_000):
        qtbot.keyClick(win.view, Qt.Key.Key_F5)  # a pass with nothing to do
    assert runs[-1].encoded == 0
    line = win.status_label.text()
    assert "library up to date — nothing new since " in line and "indexed" not in line
    assert line.startswith("36 photos · ")  # the gallery's count is unchanged


def _empty_state(win: MainWindow) -> tuple[str, list[str]]:
    """The text and buttons of the grid's own empty state, if it is shown."""
    panel = win.findChild(QWidget, "emptyResults")
    assert panel is not None and panel.isVisible(), "the grid says nothing"
    text = " ".join(label.text() for label in panel.findChildren(QLabel))
    return text, [b.text() for b in panel.findChildren(QPushButton) if b.isVisible()]


def test_a_search_cut_off_to_nothing_says_why_in_the_grid(qtbot, win: MainWindow) -> None:
    _search(qtbot, win, "zebra")
    assert win.model.rowCount() == 0
    text, buttons = _empty_state(win)
    assert "stand out" in text
    assert buttons == ["Show the closest anyway"]
    assert not win.more_button.isVisible()  # one button for one action: the grid's
    assert "Show more" not in win.status_label.text()
    panel = win.findChild(QWidget, "emptyResults")
    with qtbot.waitSignal(win.searcher.results, timeout=30_000):
        next(b for b in panel.findChildren(QPushButton) if b.isVisible()).click()
    assert win.model.rowCount() > 0


def test_terms_that_cancel_say_so_in_the_grid(qtbot, win: MainWindow) -> None:
    _search(qtbot, win, "red - red")
    text, buttons = _empty_state(win)
    assert "cancel" in text
    assert buttons == []


def test_a_filtered_search_with_no_match_names_the_filters(qtbot, win: MainWindow) -> None:
    _search(qtbot, win, "red folder:nowhere")
    assert "none indexed yet" not in win.status_label.text()
    assert "filters" in win.status_label.text()
    text, _buttons = _empty_state(win)
    assert "filters" in text and "none indexed yet" not in text
    assert "(folder:nowhere)" in text  # the filters the core says let nothing through, as the CLI names them


def test_after_escape_slash_focuses_the_search_box(qtbot, win: MainWindow) -> None:
    _search(qtbot, win, "red")
    qtbot.keyClick(win.search, Qt.Key.Key_Escape)
    assert win.model.rowCount() == 30
    assert not win.search.hasFocus()
    qtbot.keyClick(QApplication.focusWidget() or win, "/")
    assert win.search.hasFocus()
    assert win.search.text() == ""


def test_the_menu_bar_carries_every_shortcut_and_lists_them(qtbot, win: MainWindow) -> None:
    from PySide6.QtGui import QShortcut
    from PySide6.QtWidgets import QDialog

    titles = [a.text().replace("&", "") for a in win.menuBar().actions()]
    assert titles == ["File", "Edit", "Photo", "View", "Help"]
    on_menus = {a for menu in win.menuBar().actions() for a in menu.menu().actions()}
    with_keys = [a for a in win.actions() if a.shortcuts()]
    assert with_keys and all(a in on_menus for a in with_keys)
    assert win.findChildren(QShortcut) == []  # no shortcut hides outside the menus
    qtbot.keyClick(win.view, Qt.Key.Key_F1)
    box = win.findChild(QDialog, "shortcutsDialog")
    assert box is not None and box.isVisible()
    for needed in ("Ctrl+F", "/", "F5", "Ctrl+O", "Ctrl+,", "Esc", "Space", "Enter", "Down"):
        assert needed in box.text()
    box.close()


def test_scores_are_on_hover_not_on_every_tile(qtbot, win: MainWindow) -> None:
    _search(qtbot, win, "red")
    tip = win.model.data(win.model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert "score 0." in tip or "score 1." in tip


def test_details_panel_toggles_with_i_and_says_why_a_result_matched(qtbot, win: MainWindow) -> None:
    from PySide6.QtWidgets import QDockWidget

    _search(qtbot, win, "red")
    panel = win.findChild(QDockWidget, "detailsPanel")
    assert panel is not None and not panel.isVisible()
    win.view.setFocus()
    first = win.model.index(0)
    with qtbot.waitSignal(panel.shown, timeout=30_000) as shown:
        qtbot.keyClick(win.view, Qt.Key.Key_I)
    assert panel.isVisible()
    path = first.data(Roles.PATH)
    assert shown.args == [path]
    text = panel.text()
    with Image.open(path) as image:
        size = f"{image.width} × {image.height} px"
    on_disk = format_size(os.path.getsize(path))  # as a file manager says it ("46 kB"; it said "46 KB")
    for fact in ("Taken", "from the file's time", size, on_disk, "Matched", "similarity", "“red”"):
        assert fact in text, fact
    qtbot.keyClick(win.view, Qt.Key.Key_I)
    assert not panel.isVisible()


def test_details_follow_the_photo_the_viewer_shows(qtbot, win: MainWindow) -> None:
    """QA: with Details open, Space and Right, Right, Right showed other photos while Details still described the
    first one until Esc. Details describe the photo on show."""
    panel, viewer, rows = win.details, win.grid_viewer.viewer, win.model.rows()
    win.view.setFocus()
    win.view.setCurrentIndex(win.model.index(0))
    with qtbot.waitSignal(panel.shown, timeout=30_000, check_params_cb=lambda path: path == rows[0].path):
        qtbot.keyClick(win.view, Qt.Key.Key_I)
    qtbot.keyClick(win.view, Qt.Key.Key_Space)
    assert win.grid_viewer.is_open
    for step in (1, 2, 3):
        with qtbot.waitSignal(panel.shown, timeout=30_000, check_params_cb=lambda path, s=step: path == rows[s].path):
            qtbot.keyClick(viewer, Qt.Key.Key_Right)
        name = os.path.basename(rows[step].path)
        assert name in panel.text()
    with qtbot.waitSignal(panel.shown, timeout=30_000, check_params_cb=lambda path: path == rows[2].path):
        qtbot.keyClick(viewer, Qt.Key.Key_Left)
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)  # back in the grid on the photo shown last: the same details
    assert not win.grid_viewer.is_open and win.view.currentIndex().row() == 2
    assert os.path.basename(rows[2].path) in panel.text()


def test_gallery_is_newest_first_and_can_be_sorted_by_folder(qtbot, win: MainWindow) -> None:
    import os

    rows = win.model.rows()
    assert all(r.taken_at is not None for r in rows)
    assert [r.taken_at for r in rows] == sorted((r.taken_at for r in rows), reverse=True)
    win.actions_by_name["by_folder"].trigger()
    by_folder = [r.path for r in win.model.rows()]
    assert by_folder == sorted(by_folder, key=lambda p: (os.path.dirname(p).lower(), os.path.basename(p).lower()))
    _search(qtbot, win, "red")  # results keep their rank order
    scores = [r.score for r in win.model.rows()]
    assert scores == sorted(scores, reverse=True)


def test_dark_system_scheme_gives_a_dark_palette(qapp) -> None:
    from PySide6.QtGui import QPalette

    from motis_desktop.gui.theme import apply_scheme

    before = qapp.palette()
    try:
        assert apply_scheme(qapp, dark=True)
        dark = qapp.palette()
        assert dark.color(QPalette.ColorRole.Window).lightness() < 80
        assert dark.color(QPalette.ColorRole.Text).lightness() > 180
        assert not apply_scheme(qapp, dark=False)
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() > 150
    finally:
        qapp.setPalette(before)


def test_thumbnails_are_made_for_the_screen_s_device_pixels(qtbot, win: MainWindow) -> None:
    """On a 2× screen a 160 px cell gets a 320 px thumbnail, drawn into 160 logical pixels: sharp."""
    win.model.pixel_ratio = 2.0
    index = win.model.index(0)
    path = index.data(Roles.PATH)
    assert win.model.data(index, Roles.THUMBNAIL) is None  # asked for at 2× the edge
    # a 160 px job of the same photo may still be on its way: wait for the 2× one itself
    qtbot.waitUntil(lambda: win.model.data(index, Roles.THUMBNAIL) is not None, timeout=30_000)
    pixmap = win.model.data(index, Roles.THUMBNAIL)
    assert max(pixmap.width(), pixmap.height()) == min(320, max(Image.open(path).size))


def test_choosing_another_model_in_settings_switches_without_emptying_search(
    qtbot, win: MainWindow, home: Path, colour_pair, queries: list[str]
) -> None:
    """Settings ▸ Model: the library is encoded with the new model while the old one still answers; then the
    new one takes over in one step (``Services.switch_model``)."""
    other = Services.open(home)
    other.import_pair(*colour_pair, name="colour-b")  # the same towers under another name: its own vectors
    other.close()
    qtbot.waitUntil(lambda: win.indexer is None, timeout=60_000)
    switches = []
    win.indexing.switched.connect(switches.append)
    with qtbot.waitSignal(win.indexing.started, timeout=30_000):
        win.apply_settings(
            {"folders": win.folders, "model": "colour-b", "strategy": "auto", "top_k": 50, "row_height": 180}
        )
    assert win.model_state == "ready"  # the old model still searches while the new one encodes the photos
    assert "preparing colour-b" in win.status_label.text()
    with qtbot.waitSignal(win.models.ready, timeout=120_000) as ready:
        pass
    assert ready.args == ["colour-b"]
    assert switches and switches[0].switched and switches[0].encoded == 30
    _search(qtbot, win, "red")
    assert win.model.rowCount() == 5


def _latin1_named_photos(folder: Path) -> dict[str, str]:
    """A few colour photos, the red one named ``café-red.jpg`` in Latin-1: bytes that are not UTF-8."""
    made = make_colour_folder(folder, per_colour=1)
    red = next(path for path, colour in made.items() if colour == "red")
    odd = os.path.join(os.path.dirname(red), os.fsdecode(b"caf\xe9-red" + os.path.splitext(red)[1].encode()))
    os.rename(red, odd)
    return {**{p: c for p, c in made.items() if p != red}, odd: "red"}


def test_a_photo_named_in_latin1_shows_its_thumbnail_and_details(qtbot, home: Path, indexed_libraries) -> None:
    """Qt strings drop the bytes of a name that are not UTF-8: that photo's tile stayed grey for good, as the window
    asked for the thumbnail of a file that does not exist."""
    photos = indexed_libraries.copy_into(home, "latin1-names", _latin1_named_photos)
    odd = next(path for path in photos if not path.isprintable())
    windows = ready_window(qtbot, home, rows=len(photos))
    win = next(windows)
    try:
        _search(qtbot, win, "red")
        delegate = win.view.itemDelegate()  # what paints the tiles, asking for their thumbnails
        qtbot.waitUntil(lambda: win.thumbnails.cached(odd, delegate.edge) is not None, timeout=30_000)
        assert not win.thumbnails.cached(odd, delegate.edge).isNull()
        row = win.model.row_of(odd)
        assert row is not None
        index = win.model.index(row)
        assert win.model.data(index, Roles.ERROR) is None
        assert "caf\ufffd-red" in win.model.data(index, Qt.ItemDataRole.DisplayRole)  # shown, not dropped
        win.view.setCurrentIndex(index)
        win.view.setFocus()
        panel = win.findChild(QWidget, "detailsPanel")
        with qtbot.waitSignal(panel.shown, timeout=30_000) as shown:
            qtbot.keyClick(win.view, Qt.Key.Key_I)
        assert shown.args == [odd]
    finally:
        next(windows, None)  # closes the window


def test_a_query_that_cannot_run_replaces_the_results_and_says_why(qtbot, win: MainWindow) -> None:
    """The grid kept the previous query's results under a query that was refused, as if they answered it."""
    _search(qtbot, win, "red")
    assert win.model.rowCount() > 0
    with qtbot.waitSignal(win.searcher.refused, timeout=30_000) as refused:
        _type_and_enter(qtbot, win, "red after:garbage")
    assert refused.args[0] == "red after:garbage"
    assert win.model.rowCount() == 0
    assert win.stack.currentWidget() is win.empty_results
    shown = " ".join(label.text() for label in win.empty_results.findChildren(QLabel))
    assert "“red after:garbage”" in shown and "after:garbage is not a date" in shown
    assert "after:garbage is not a date" in win.status_label.text()
    qtbot.keyClick(win.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.model.rowCount() == 30, timeout=10_000)  # Esc: the gallery again
    assert win.stack.currentWidget() is win.view


def _own_library(home: Path, photos: Path, colour_pair) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An indexed library of its own (2 photos of each colour and a broken JPEG): these tests change its files."""
    from helpers.models import index_with_colour

    made = make_colour_folder(photos, per_colour=2)
    (photos / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    index_with_colour(home, colour_pair, photos)
    return made


def test_results_lose_the_photos_that_leave_the_library(qtbot, home: Path, tmp_path: Path, colour_pair) -> None:
    """Results kept a photo deleted on disk (or whose folder was removed) after the library had let it go."""
    made = _own_library(home, tmp_path / "photos", colour_pair)
    gone = next(path for path, colour in made.items() if colour == "red")
    windows = ready_window(qtbot, home, rows=len(made) + 1)
    win = next(windows)
    try:
        _search(qtbot, win, "red")
        assert win.model.rowCount() == 2
        os.remove(gone)
        qtbot.keyClick(win.view, Qt.Key.Key_F5)  # Update index (the watcher would start the same run)
        qtbot.waitUntil(lambda: win.model.rowCount() == 1, timeout=60_000)
        assert [r.path for r in win.model.rows()] != [gone]
        assert "1 result that stands out for “red”" in win.status_label.text()
    finally:
        next(windows, None)


@OFFSCREEN_MENU
def test_find_similar_is_off_for_a_photo_that_could_not_be_read(qtbot, home: Path, tmp_path: Path, colour_pair) -> None:
    """As the query's photo, an unreadable file failed every later search, hidden in the box with no thumbnail."""
    made = _own_library(home, tmp_path / "photos", colour_pair)
    windows = ready_window(qtbot, home, rows=len(made) + 1)
    win = next(windows)
    try:
        choose_from_context_menu(qtbot, win, str(tmp_path / "photos" / "broken.jpg"), "Find similar")
        assert win.search.reference is None
        assert win.results.results_for is None
    finally:
        next(windows, None)


def test_a_run_that_changed_nothing_keeps_the_current_photo_in_a_library_with_an_unreadable_file(
    qtbot, home: Path, tmp_path: Path, colour_pair
) -> None:
    """Every run skips the unreadable file again, so each one (the start-up pass, the watcher's) read the gallery
    again as if it had changed: the grid was reset and the current photo lost (the details panel, opened at once,
    stayed empty on a loaded machine)."""
    made = _own_library(home, tmp_path / "photos", colour_pair)
    broken = str(tmp_path / "photos" / "broken.jpg")
    windows = ready_window(qtbot, home, rows=len(made) + 1)
    win = next(windows)
    try:
        qtbot.waitUntil(lambda: win.indexer is None and "up to date" in win.status_label.text(), timeout=60_000)
        win.view.setCurrentIndex(win.model.index(win.model.row_of(broken)))
        win.view.setFocus()
        qtbot.keyClick(win.view, Qt.Key.Key_F5)  # Update index: nothing changed on disk
        qtbot.waitUntil(lambda: win.indexer is None and "up to date" in win.status_label.text(), timeout=60_000)
        panel = win.findChild(QWidget, "detailsPanel")
        # the panel's read runs after any gallery read the run's end asked for: it finds the photo still current
        with qtbot.waitSignal(panel.shown, timeout=30_000) as shown:
            qtbot.keyClick(win.view, Qt.Key.Key_I)
        assert shown.args == [broken] and win.view.currentIndex().data(Roles.PATH) == broken
    finally:
        next(windows, None)


def test_details_of_a_photo_that_could_not_be_read_say_so(qtbot, home: Path, tmp_path: Path, colour_pair) -> None:
    """The panel showed the broken file's date and folder as if it were a photo; the viewer alone said why not."""
    made = _own_library(home, tmp_path / "photos", colour_pair)
    broken = str(tmp_path / "photos" / "broken.jpg")
    windows = ready_window(qtbot, home, rows=len(made) + 1)
    win = next(windows)
    try:
        win.view.setCurrentIndex(win.model.index(win.model.row_of(broken)))
        win.view.setFocus()
        panel = win.findChild(QWidget, "detailsPanel")
        with qtbot.waitSignal(panel.shown, timeout=30_000):
            qtbot.keyClick(win.view, Qt.Key.Key_I)
        text = panel.text()
        assert "Cannot be shown" in text and "truncated" in text.lower()
    finally:
        next(windows, None)
