"""The GUI search flow: a query typed while the model loads is kept and run, the cut-off and "show more",
photo drops on the search box, search as you pause, dates in tooltips, one-line query errors."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers.exif import write_photo_with_date
from helpers.keys import enter_query, search_by_keys
from helpers.photos import COLOURS, colour_image, make_colour_folder, write_image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.tasks import Lane


@pytest.fixture
def indexed_home(home: Path, indexed_libraries) -> dict[str, str]:
    """A home whose library (5 photos of each colour + one dated red photo) is already indexed (a copy of one
    made once)."""
    return indexed_libraries.copy_into(home, "gui-search", _photos)


def _photos(folder: Path) -> dict[str, str]:
    colours = make_colour_folder(folder, per_colour=5)
    dated = write_photo_with_date(folder / "dated_red.jpg", COLOURS["red"], "2021:08:15 12:30:00")
    colours[str(dated)] = "red"
    return colours


def _open(qtbot, home: Path) -> MainWindow:
    win = MainWindow(Services.open(home))
    qtbot.addWidget(win)
    win.show()
    return win


def _close(win: MainWindow) -> None:
    services = win.services
    win.close()
    services.close()


def test_query_typed_while_the_model_loads_runs_when_it_is_ready(
    qtbot, home: Path, indexed_home: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    load = Services.warm_up  # what the window's model load calls (the model, its index, the query path)

    def slow_load(self: Services, name: str | None = None):
        gate.wait(60)  # the model "loads" until the test lets it
        return load(self, name)

    monkeypatch.setattr(Services, "warm_up", slow_load)
    win = _open(qtbot, home)
    try:
        qtbot.waitUntil(lambda: win.model.rowCount() == 31, timeout=30_000)  # the gallery shows; model still loading
        win.search.setFocus()
        qtbot.keyClicks(win.search, "red")
        qtbot.keyClick(win.search, Qt.Key.Key_Return)
        assert win.model_state == "loading"
        assert "will search for “red” as soon as it is ready" in win.status_label.text()
        gate.set()
        qtbot.waitUntil(lambda: win.results.results_for == "red", timeout=30_000)
        assert [indexed_home[r.path] for r in win.model.rows()] == ["red"] * 6
        assert "6 results that stand out for “red”" in win.status_label.text()
    finally:
        gate.set()
        _close(win)


@pytest.fixture
def window(qtbot, home: Path, indexed_home: dict[str, str]) -> MainWindow:
    win = _open(qtbot, home)
    qtbot.waitUntil(lambda: win.model_state == "ready" and win.model.rowCount() == 31, timeout=60_000)
    yield win
    _close(win)


def _search(qtbot, win: MainWindow, text: str) -> None:
    search_by_keys(qtbot, win, text)


def test_unknown_word_shows_no_good_matches_and_offers_more(qtbot, window: MainWindow) -> None:
    _search(qtbot, window, "zebra")
    assert window.model.rowCount() == 0
    assert "No good matches for “zebra”" in window.status_label.text()
    assert window.empty_results.closest.isVisible()  # the grid offers the closest; the status bar does not repeat it
    assert not window.more_button.isVisible()


def test_show_more_pages_by_top_k(qtbot, window: MainWindow, indexed_home: dict[str, str]) -> None:
    window.settings.setValue("top_k", 10)
    _search(qtbot, window, "blue")
    assert window.model.rowCount() == 5
    assert window.more_button.text() == "Show 10 more"
    window.more_button.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 15, timeout=30_000)
    assert [indexed_home[r.path] for r in window.model.rows()[:5]] == ["blue"] * 5


def test_show_more_keeps_the_view_and_the_current_result(qtbot, window: MainWindow) -> None:
    """Ctrl+M (or the status bar's "Show N more") showed the added results but went back to the top with result #1
    current: after each page the user scrolled through everything again. Only a new query starts at the top."""
    window.settings.setValue("top_k", 10)
    window.resize(700, 450)  # the results do not fit on one screen
    _search(qtbot, window, "blue")
    view, bar = window.view, window.view.verticalScrollBar()
    assert window.model.rowCount() == 5
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_End)  # the last result shown
    last, scroll = view.currentIndex().data(Qt.ItemDataRole.ToolTipRole), bar.value()
    assert view.currentIndex().row() == 4 and scroll > 0
    with qtbot.waitSignal(window.results.results_shown, timeout=30_000):
        qtbot.keyClick(view, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert window.model.rowCount() == 15
    assert view.currentIndex().row() == 4 and view.currentIndex().data(Qt.ItemDataRole.ToolTipRole) == last
    assert bar.value() == scroll  # the view stays; the new results are below
    qtbot.keyClick(view, Qt.Key.Key_Right)  # on into the new results
    assert view.currentIndex().row() == 5
    assert view.viewport().rect().intersects(view.visualRect(view.currentIndex()))
    _search(qtbot, window, "red")  # a new query: its first result, at the top
    assert view.currentIndex().row() == 0 and bar.value() == 0


def test_results_tooltip_shows_the_date_taken(qtbot, window: MainWindow) -> None:
    _search(qtbot, window, "red after:2021 before:2022")
    tip = window.model.data(window.model.index(0), Qt.ItemDataRole.ToolTipRole)
    assert tip.endswith("dated_red.jpg\nTaken 2021-08-15 12:30\nscore 1.000")  # the score on hover


def test_search_box_tooltip_documents_the_syntax(window: MainWindow) -> None:
    tip = window.search.toolTip()
    assert all(part in tip for part in ("beach - people", "2:red", "folder:", "after:", "before:", "sort:date"))


def test_misspelt_operator_is_a_one_line_status(qtbot, window: MainWindow) -> None:
    enter_query(qtbot, window, "red foldr:Trips")
    said = "Search: unknown operator 'foldr:' — did you mean folder:?"
    qtbot.waitUntil(lambda: said in window.status_label.text(), timeout=30_000)
    assert "\n" not in window.status_label.text()
    assert window.results.results_for is None


def test_photo_dropped_on_the_search_box_finds_similar(
    qtbot, window: MainWindow, indexed_home: dict[str, str], tmp_path: Path
) -> None:
    photo = write_image(tmp_path / "outside" / "g.png", colour_image(COLOURS["green"], 64, 64, 5))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    drop = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.search.dropEvent(drop)
    assert drop.isAccepted()
    assert window.search.text() == f'"{photo}"'
    qtbot.waitUntil(lambda: window.results.results_for == f'"{photo}"', timeout=30_000)
    assert [indexed_home[r.path] for r in window.model.rows()] == ["green"] * 5


def _drop_latin1_photo(window: MainWindow, tmp_path: Path) -> tuple[str, QDropEvent]:
    """Drop a green photo named ``caf\\xe9.png`` (Latin-1 bytes) on the search box, as a file manager sends it: the
    name's own bytes in the URL (``caf%E9.png``). Returns its path and the drop event."""
    import os
    from urllib.parse import quote_from_bytes

    photo = os.path.join(str(tmp_path / "outside"), os.fsdecode(b"caf\xe9.png"))
    write_image(Path(photo), colour_image(COLOURS["green"], 64, 64, 5))
    mime = QMimeData()
    mime.setUrls([QUrl.fromEncoded(b"file://" + quote_from_bytes(os.fsencode(photo)).encode())])
    drop = QDropEvent(
        QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.search.dropEvent(drop)
    return photo, drop


def test_photo_named_in_latin1_dropped_on_the_search_box_finds_similar(
    qtbot, window: MainWindow, indexed_home: dict[str, str], tmp_path: Path
) -> None:
    """A file manager sends the name's own bytes (``caf%E9.png``); Qt decoded them as UTF-8 into another name and
    the drop was ignored. The photo becomes the box's photo (its text would lose the byte)."""
    photo, drop = _drop_latin1_photo(window, tmp_path)
    assert drop.isAccepted()
    assert window.search.reference == photo
    qtbot.waitUntil(lambda: window.results.results_for is not None, timeout=30_000)
    assert [indexed_home[r.path] for r in window.model.rows()] == ["green"] * 5


def test_search_as_you_pause(qtbot, window: MainWindow, indexed_home: dict[str, str]) -> None:
    window.search.instant = False  # slow queries: typing alone never searches
    qtbot.keyClicks(window.search, "bl")
    assert not window.search.pause.isActive()
    window.search.clear()
    window.search.instant = True  # fast queries: a pause in typing searches
    qtbot.keyClicks(window.search, "yellow")
    assert window.search.pause.isActive()
    qtbot.waitUntil(lambda: window.results.results_for == "yellow", timeout=30_000)
    assert [indexed_home[r.path] for r in window.model.rows()] == ["yellow"] * 5


def test_the_dropped_photo_s_thumbnail_comes_even_when_the_grid_s_keep_the_workers_busy(
    qtbot, window: MainWindow, indexed_home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a loaded machine the box's photo kept an empty icon: its thumbnail waited behind the grid's longer than
    ``STALE_S``, and as no view paints it again its request was dropped as stale. The thumbnails' clock is the
    test's here: it moves on while the grid's thumbnails hold every worker."""
    import motis_desktop.gui.thumbnails as thumbs

    real, gate, busy, clock = thumbs.make_thumbnail, threading.Event(), [], [0.0]

    def held(path: str, edge: int, cache_dir: Path):  # the grid's thumbnails hold every worker until the drop
        if Path(path).parent.name != "outside":
            busy.append(path)
            gate.wait(30)
        return real(path, edge, cache_dir)

    monkeypatch.setattr(thumbs, "make_thumbnail", held)
    monkeypatch.setattr(thumbs, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    window.thumbnails.clear_memory()
    window.view.viewport().update()  # the grid asks for its thumbnails again
    qtbot.waitUntil(lambda: len(busy) >= window.tasks.threads(Lane.THUMBNAILS), timeout=30_000)
    _drop_latin1_photo(window, tmp_path)
    clock[0] += 10 * thumbs.STALE_S  # the box's request waited that long for a worker
    gate.set()
    reference = next(a for a in window.search.actions() if a.objectName() == "referencePhoto")
    qtbot.waitUntil(lambda: not reference.icon().isNull(), timeout=30_000)


def test_photo_named_in_latin1_dropped_on_the_search_box_shows_its_thumbnail(
    qtbot, window: MainWindow, indexed_home: dict[str, str], tmp_path: Path
) -> None:
    """A dropped photo whose name the box's text cannot hold became the box's photo with an empty icon, where Find
    similar's photo shows its thumbnail; now it shows its thumbnail too."""
    photo, _drop = _drop_latin1_photo(window, tmp_path)
    assert window.search.reference == photo
    reference = next(a for a in window.search.actions() if a.objectName() == "referencePhoto")
    qtbot.waitUntil(lambda: not reference.icon().isNull(), timeout=10_000)
    assert "caf\ufffd.png" in reference.toolTip()


def test_a_search_while_its_folder_is_offline_says_so(qtbot, home: Path, colour_pair, tmp_path: Path) -> None:
    """With the only folder unplugged, the grid said "none stand out (they all score about the same)"."""
    from helpers.models import install_colour

    photos = tmp_path / "card"
    make_colour_folder(photos, per_colour=1)
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    services.index(read_text=False)
    services.close()
    win = _open(qtbot, home)
    qtbot.waitUntil(lambda: win.model.rowCount() == 6, timeout=30_000)
    photos.rename(tmp_path / "card-away")  # the memory card is pulled out
    search_by_keys(qtbot, win, "red")
    assert win.stack.currentWidget() is win.empty_results
    assert "The folder “card” is offline" in win.empty_results.reason.text()
    assert "folder offline" in win.status_label.text()
    search_by_keys(qtbot, win, "folder:card")  # QA: said only "Widen or remove them"
    assert "The folder “card” is offline" in win.empty_results.reason.text()
    assert "1 folder offline" in win.status_label.text()
    _close(win)


def test_ctrl_c_copies_the_selected_photos_as_files(qtbot, window: MainWindow, indexed_home: dict[str, str]) -> None:
    """Ctrl+C in the grid copied the current tile's name alone ("p0040888.jpg": no folder, one photo)."""
    from PySide6.QtGui import QGuiApplication

    qtbot.waitUntil(lambda: window.model.rowCount() == len(indexed_home), timeout=30_000)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Home)
    for _ in range(2):
        qtbot.keyClick(window.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(window.results.status, timeout=5_000) as said:
        qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    first = [window.model.path_at(i) for i in range(3)]
    copied = QGuiApplication.clipboard().mimeData()
    assert [url.toLocalFile() for url in copied.urls()] == first
    assert copied.text().splitlines() == first
    assert said.args == ["Copied 3 photos: paste them in a file manager"]
    window.search.setFocus()  # the search box keeps Ctrl+C for its own text
    qtbot.keyClicks(window.search, "red car")
    window.search.selectAll()
    qtbot.keyClick(window.search, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "red car"
