"""The desktop app under pytest-qt (offscreen): model contract, drop → index → search, laziness, smoothness."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from helpers.keys import OFFSCREEN_MENU, choose_from_context_menu, enter_query, search_by_keys
from helpers.models import HF_PATH
from helpers.photos import COLOURS, colour_image, make_colour_folder, write_image
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from motis_desktop.core.services import Services
from motis_desktop.gui.library_model import LibraryModel, Roles, Row
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.thumbnails import ThumbnailManager


def _drop_folder(win: MainWindow, folder: Path) -> None:
    """Drag a folder over the window and drop it (Qt only routes synthetic drag events during a
    real platform drag, so the window's handlers get the events directly)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    enter = QDragEnterEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    win.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    win.dropEvent(drop)
    assert drop.isAccepted()


def _wait_indexed(qtbot, win: MainWindow, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: win.indexer is None and "up to date" in win.status_label.text(), timeout=timeout)


def test_a_folder_named_in_latin1_dropped_on_the_window_is_indexed(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Qt decodes a dropped ``file:`` URL's bytes as UTF-8: a folder named ``fêtes`` in Latin-1 was not a folder."""
    import os
    from urllib.parse import quote_from_bytes

    folder = Path(os.path.join(str(tmp_path), os.fsdecode(b"f\xeates")))
    make_colour_folder(folder, per_colour=1)
    mime = QMimeData()
    mime.setUrls([QUrl.fromEncoded(b"file://" + quote_from_bytes(os.fsencode(str(folder))).encode())])
    enter = QDragEnterEvent(
        QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(
        QDropEvent(
            QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
    )
    _wait_indexed(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 6, timeout=10_000)
    assert all(r.path.startswith(str(folder) + os.sep) for r in window.model.rows())


def test_list_model_passes_qt_model_tester(qtmodeltester, tmp_path: Path) -> None:
    manager = ThumbnailManager(tmp_path / "thumbs")
    model = LibraryModel(manager)
    model.set_rows([Row(i, f"/photos/{i}.jpg", None, 0.5) for i in range(50)])
    qtmodeltester.check(model, force_py=True)
    model.set_rows([Row(1, "/photos/x.jpg", "empty file (0 bytes)")])
    qtmodeltester.check(model, force_py=True)
    assert model.data(model.index(0), Roles.ERROR) == "empty file (0 bytes)"
    manager.shutdown()


def test_drop_folder_indexes_search_red_then_escape(qtbot, window: MainWindow, tmp_path: Path) -> None:
    colours = make_colour_folder(tmp_path / "photos", per_colour=5)
    assert "Drop a folder" in window.empty.text()
    assert window.stack.currentWidget() is window.empty
    _drop_folder(window, tmp_path / "photos")
    _wait_indexed(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 30, timeout=10_000)
    assert window.stack.currentWidget() is window.view

    window.search.setFocus()
    qtbot.keyClicks(window.search, "red")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.results.results_for == "red", timeout=10_000)
    rows = window.model.rows()
    assert [colours[r.path] for r in rows] == ["red"] * 5  # the relevance cut-off: just the red photos
    assert all(r.score is not None for r in rows)
    assert window.model.edge == 512  # high-res results
    assert "5 results that stand out for “red”" in window.status_label.text()
    assert window.more_button.isVisible()
    assert window.more_button.text() == "Show 25 more"
    window.more_button.click()  # below the cut-off, best first
    qtbot.waitUntil(lambda: window.model.rowCount() == 30, timeout=10_000)
    assert [colours[r.path] for r in window.model.rows()[:5]] == ["red"] * 5
    window.search.setFocus()

    qtbot.keyClick(window.search, Qt.Key.Key_Down)  # into the grid, first result selected
    assert window.view.hasFocus()
    assert window.view.currentIndex().row() == 0
    qtbot.keyClick(window.view, Qt.Key.Key_Escape)
    assert window.results.results_for is None
    assert window.model.rowCount() == 30
    assert window.model.rows()[0].score is None
    assert window.search.text() == ""

    # Typing `reset` (as in the seed) also returns to the gallery.
    search_by_keys(qtbot, window, "blue")
    with qtbot.waitSignal(window.results.gallery_shown, timeout=10_000):
        enter_query(qtbot, window, "reset")
    assert window.results.results_for is None
    assert window.search.text() == ""


@OFFSCREEN_MENU
def test_find_similar_excludes_the_photo_itself(qtbot, window: MainWindow, tmp_path: Path) -> None:
    colours = make_colour_folder(tmp_path / "photos", per_colour=3)
    window.add_folders([str(tmp_path / "photos")])
    _wait_indexed(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=10_000)
    green = next(r for r in window.model.rows() if colours[r.path] == "green")
    choose_from_context_menu(qtbot, window, green.path, "Find similar")
    qtbot.waitUntil(lambda: window.results.results_for == f'"{green.path}"', timeout=10_000)
    rows = window.model.rows()
    assert green.path not in [r.path for r in rows]
    assert [colours[r.path] for r in rows] == ["green", "green"]


def test_gui_thread_never_blocks_while_indexing(qtbot, window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    """Encoding and database writes run off the GUI thread, and the GUI thread keeps handling
    events while the indexer is held inside a batch commit (synchronised on events, no timing assertion;
    the GUI-thread latency figure is a benchmark's business)."""
    from motis_desktop.core.library.store import LibraryStore

    folder = tmp_path / "many"
    for i in range(40):
        colour = list(COLOURS.values())[i % len(COLOURS)]
        write_image(folder / f"p{i:03d}.jpg", colour_image(colour, 160 + (i % 5) * 40, 120, i))
    on_gui_thread: list[bool] = []
    in_commit, release = threading.Event(), threading.Event()

    def watched(real):
        def wrapper(*args, **kwargs):
            on_gui_thread.append(threading.current_thread() is threading.main_thread())
            return real(*args, **kwargs)

        return wrapper

    real_commit = LibraryStore.commit_batch

    def held_commit(self, *args, **kwargs):  # runs right after the batch was encoded, on the same thread
        on_gui_thread.append(threading.current_thread() is threading.main_thread())
        in_commit.set()
        release.wait(300)
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(LibraryStore, "apply_scan", watched(LibraryStore.apply_scan))
    monkeypatch.setattr(LibraryStore, "commit_batch", held_commit)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        window.add_folders([str(folder)])
        qtbot.waitUntil(in_commit.is_set, timeout=120_000)  # the indexer is inside its first commit...
        seen = len(ticks)
        qtbot.waitUntil(lambda: len(ticks) >= seen + 5, timeout=60_000)  # ...and the GUI thread runs on
    finally:
        release.set()
    _wait_indexed(qtbot, window, timeout=300_000)
    timer.stop()
    assert on_gui_thread
    assert not any(on_gui_thread)
    assert window.model.rowCount() == 40


def test_empty_states(qtbot, home: Path) -> None:
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model_state == "missing", timeout=10_000)
    qtbot.waitUntil(lambda: win.models.offering, timeout=10_000)  # the first run offers a model
    with qtbot.waitSignal(win.models.offer_shown, timeout=5_000):
        qtbot.keyClick(win.models.dialog, Qt.Key.Key_Escape)  # "Later"
    assert "Drop a folder" in win.empty.text()
    assert "No model installed" in win.empty.text()
    assert "File ▸ Install model" in win.empty.text() and "motis models" not in win.empty.text()  # plain words
    enter_query(qtbot, win, "red")
    assert "needs a model" in win.status_label.text()
    win.close()
    services.close()


def test_window_appears_before_torch_is_imported(tmp_path: Path) -> None:
    code = (
        "import os, sys\n"
        "os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from motis_desktop.core.services import Services\n"
        "from motis_desktop.gui.main_window import MainWindow\n"
        f"w = MainWindow(Services.open({str(tmp_path)!r})); w.show()\n"
        "assert w.isVisible() and 'torch' not in sys.modules, 'torch imported before the window was shown'\n"
        "w.close()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_requests_for_rows_scrolled_away_are_dropped(qtbot, tmp_path: Path, monkeypatch) -> None:
    import motis_desktop.gui.thumbnails as thumbs

    gate = threading.Event()
    real = thumbs.make_thumbnail

    def held(path: str, edge: int, cache_dir: Path):  # type: ignore[no-untyped-def]
        gate.wait(30)  # the only worker is busy with a slow photo: requests queue up behind it
        return real(path, edge, cache_dir)

    monkeypatch.setattr(thumbs, "make_thumbnail", held)
    manager = ThumbnailManager(tmp_path / "thumbs", workers=1)
    manager.pixmap("/photos/busy.jpg", 0)
    for i in range(100):
        manager.pixmap(f"/photos/top_{i}.jpg", 160)
    assert manager.pending() == 101
    clock = [thumbs.time.monotonic() + thumbs.STALE_S + 0.5]
    monkeypatch.setattr(thumbs.time, "monotonic", lambda: clock[0])
    for i in range(5):  # the view now paints other rows
        manager.pixmap(f"/photos/bottom_{i}.jpg", 160)
    assert set(manager.queued()) == {f"/photos/bottom_{i}.jpg" for i in range(5)}
    gate.set()
    manager.shutdown()


def test_search_box_shortcuts_and_typing_slash(qtbot, window: MainWindow) -> None:
    window.view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search.hasFocus()
    qtbot.keyClicks(window.search, "a/b")
    assert window.search.text() == "a/b"  # "/" focuses the box but types normally inside it
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Slash)
    assert window.search.hasFocus()


def test_settings_remove_folder_keeps_photos_and_persist(qtbot, window: MainWindow, tmp_path: Path) -> None:
    make_colour_folder(tmp_path / "a", per_colour=1)
    make_colour_folder(tmp_path / "b", per_colour=1)
    window.add_folders([str(tmp_path / "a"), str(tmp_path / "b")])
    _wait_indexed(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=10_000)
    before = sorted(p.name for p in (tmp_path / "a").rglob("*"))
    window.apply_settings(
        {"folders": [str(tmp_path / "b")], "model": "colour", "strategy": "kmeans", "top_k": 7, "row_height": 130}
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 6, timeout=10_000)
    assert all(r.path.startswith(str(tmp_path / "b")) for r in window.model.rows())
    assert sorted(p.name for p in (tmp_path / "a").rglob("*")) == before  # photos untouched
    assert window.top_k == 7
    assert window.row_height == 130
    assert window.services.index_strategy() == "kmeans"
    search_by_keys(qtbot, window, "red")
    assert window.model.rowCount() == 1
    assert window.more_button.text() == "Show 5 more"  # page 7, 6 photos left


def test_settings_that_leave_the_folders_alone_do_not_read_the_library_again(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """Changing only "Show more adds" read and laid out the whole library again (3 s at 100k photos)."""
    make_colour_folder(tmp_path / "a", per_colour=1)
    # the run that encodes them, then the gallery read it asks for (waiting on "up to date" in the status line
    # could end before the run began, and its read then came among the reads counted below)
    encoded = [window.indexing.finished, window.gallery_loaded]
    with qtbot.waitSignals(encoded, order="simple", timeout=60_000, check_params_cbs=[lambda s: s.encoded == 6, None]):
        window.add_folders([str(tmp_path / "a")])
    assert window.model.rowCount() == 6
    reads: list[int] = []
    window.gallery_loaded.connect(reads.append)
    window.view.laid_out.connect(reads.append)
    same = {"folders": [str(tmp_path / "a")], "model": "colour", "strategy": "auto", "row_height": window.row_height}
    with qtbot.waitSignal(window.preferences.applied, timeout=10_000):
        window.apply_settings({**same, "top_k": 9})
    assert window.top_k == 9
    with qtbot.waitSignal(window.view.laid_out, timeout=10_000):  # a new thumbnail size lays the rows out again
        window.apply_settings({**same, "top_k": 9, "row_height": 260})
    search_by_keys(qtbot, window, "red")  # the library lane answers in order: a read asked above came before
    assert [n for n in reads if n == 6] == [6]  # that layout alone: the library was not read again


def test_first_run_offers_download_with_progress_then_indexes(qtbot, home: Path, registry, tmp_path: Path) -> None:
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.models.dialog is not None and win.models.dialog.isVisible(), timeout=10_000)
    dialog = win.models.dialog
    assert dialog.selected().name == "colour-pair"
    assert dialog.download_button.text().startswith("Download")
    win.add_folders([str(make_colour_folder_path(tmp_path))])
    dialog.start_download()
    qtbot.waitUntil(lambda: win.model_state == "ready", timeout=30_000)
    assert services.active_model().name == "colour-pair"
    assert not dialog.isVisible()
    _wait_indexed(qtbot, win)  # the folder added before the model existed is indexed now
    assert win.model.rowCount() == 6
    win.close()
    services.close()


def make_colour_folder_path(tmp_path: Path) -> Path:
    make_colour_folder(tmp_path / "photos", per_colour=1)
    return tmp_path / "photos"


def _first_run(qtbot, home: Path) -> tuple[Services, MainWindow]:  # type: ignore[no-untyped-def]
    """The window on a home without a model, once it offers to install one."""
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.models.dialog is not None, timeout=10_000)
    return services, win


def test_cancelled_download_installs_nothing(qtbot, home: Path, registry) -> None:
    services, win = _first_run(qtbot, home)
    dialog = win.models.dialog
    dialog.choice.setCurrentIndex(1)  # the checkpoint model
    registry.behaviour.hold.add(HF_PATH)  # the body stops after its first chunk: the user presses Cancel mid-way
    dialog.start_download()
    from PySide6.QtWidgets import QPushButton

    cancel_button = dialog.progress_dialog.findChild(QPushButton)
    assert cancel_button is not None
    assert cancel_button.text() == "Cancel"
    qtbot.mouseClick(cancel_button, Qt.MouseButton.LeftButton)  # the user presses Cancel
    dialog.wait()
    qtbot.waitUntil(lambda: dialog.download_button.isEnabled(), timeout=10_000)
    assert services.installed_models() == []
    assert not list(home.rglob("*.part"))
    assert win.model_state == "missing"
    assert not hasattr(dialog, "error_box")
    win.close()
    services.close()


def test_import_model_files_finds_the_pair_order(qtbot, home: Path, colour_pair, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    services, win = _first_run(qtbot, home)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    # Text tower first: the dialog tries that order, fails to load it, and installs the other way round.
    win.models.dialog.import_files([str(colour_pair[1]), str(colour_pair[0])], "imported")
    qtbot.waitUntil(lambda: win.model_state == "ready", timeout=30_000)
    assert services.active_model().name == "imported"
    win.close()
    services.close()


def test_damaged_thumbnail_cache_file_is_made_again(tmp_path: Path) -> None:
    from motis_desktop.gui.thumbnails import cache_file, make_thumbnail

    photo = write_image(tmp_path / "p.jpg", colour_image(COLOURS["blue"], 400, 300, 3))
    cache = tmp_path / "thumbs"
    first = make_thumbnail(str(photo), 160, cache)
    target = cache_file(cache, str(photo), 160)
    assert target is not None
    assert target.is_file()
    assert (first.width(), first.height()) == (160, 120)
    target.write_bytes(target.read_bytes()[:200])  # truncated on disk
    again = make_thumbnail(str(photo), 160, cache)
    assert (again.width(), again.height()) == (160, 120)
    assert again.pixelColor(80, 60).blue() > 150
    assert target.stat().st_size > 200  # rewritten whole


def test_a_thumbnail_from_the_disk_cache_starts_no_decoder_process(tmp_path: Path) -> None:
    """The first screen of a launch comes from the cache: it must not wait for decoder processes to start."""
    import multiprocessing

    from motis_desktop.core.images import isolated
    from motis_desktop.gui.thumbnails import make_thumbnail

    def decoders() -> list[str]:
        return [p.name for p in multiprocessing.active_children() if p.name == "motis-photo-decoder"]

    photo = write_image(tmp_path / "p.jpg", colour_image(COLOURS["blue"], 400, 300, 3))
    make_thumbnail(str(photo), 160, tmp_path / "thumbs")  # the photo itself: decoded in a decoder process
    assert decoders()
    isolated.restart_shared()  # as at a new launch: none running
    assert not decoders()
    again = make_thumbnail(str(photo), 160, tmp_path / "thumbs")
    assert (again.width(), again.height()) == (160, 120)
    assert again.pixelColor(80, 60).blue() > 150
    assert not decoders()


def test_visible_thumbnails_all_arrive_even_when_decoding_is_slow(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    """Each decode takes 0.1 s and requests go stale after 0.15 s, so most queued tiles would be dropped;
    the repaint after each finished thumbnail keeps the tiles on screen requested, so all of them load."""
    import motis_desktop.gui.thumbnails as thumbs

    real = thumbs.make_thumbnail

    def slow(*args, **kwargs):
        time.sleep(0.1)
        return real(*args, **kwargs)

    monkeypatch.setattr(thumbs, "make_thumbnail", slow)
    monkeypatch.setattr(thumbs, "STALE_S", 0.15)
    folder = tmp_path / "slow"
    for i in range(12):
        write_image(folder / f"p{i:02d}.jpg", colour_image(COLOURS["red"], 90, 60, i))
    window.resize(1000, 700)
    _drop_folder(window, folder)
    _wait_indexed(qtbot, window)
    qtbot.waitUntil(lambda: window.model.rowCount() == 12, timeout=10_000)
    view = window.view
    shown = [
        str(view.model().index(r).data(Roles.PATH))
        for r in range(12)
        if view.visualRect(view.model().index(r)).intersects(view.viewport().rect())
    ]
    assert len(shown) >= 6  # the test means something only when several decodes queue at once
    qtbot.waitUntil(
        lambda: all(window.thumbnails.cached(p, view.delegate.edge) is not None for p in shown), timeout=60_000
    )


def test_thumbnails_held_in_memory_stay_within_their_pixel_budget(qtbot, tmp_path: Path) -> None:
    """Large timeline tiles must not let a long scroll hold hundreds of MB: the oldest thumbnails go first."""
    photos = [write_image(tmp_path / f"p{i}.jpg", colour_image(COLOURS["red"], 400, 300, i)) for i in range(6)]
    one = 384 * 288 * 4  # a 384-px thumbnail of a 4:3 photo, 32-bit
    manager = ThumbnailManager(tmp_path / "thumbs", memory_bytes=3 * one, workers=1)
    for photo in photos:
        with qtbot.waitSignal(manager.ready, timeout=30_000):
            assert manager.pixmap(str(photo), 384) is None  # requested
    held = [p for p in photos if manager.cached(str(p), 384) is not None]
    assert held == photos[-3:]  # the three most recent, within 3 thumbnails' worth of pixels
    assert manager.pixmap(str(photos[-1]), 384) is not None


def test_a_failed_import_says_the_import_did_not_work(qtbot, home: Path, tmp_path: Path) -> None:
    """It was headed "The download did not work:" though nothing was downloaded."""
    services, win = _first_run(qtbot, home)
    dialog = win.models.dialog
    broken = tmp_path / "model.pt"
    broken.write_bytes(b"not a checkpoint")
    dialog.import_files([str(broken)], "broken")
    qtbot.waitUntil(lambda: dialog.offline.problem.isVisible(), timeout=30_000)
    assert dialog.offline.problem.text().startswith("<b>The import did not work:</b>")
    assert (
        "model.pt is not a model checkpoint (not a PyTorch/ZIP, pickle or safetensors file)"
        in dialog.offline.problem.text()
    )
    win.close()
    services.close()
