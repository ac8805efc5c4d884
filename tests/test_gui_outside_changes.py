"""Changes another process makes to the library while the window is open (the command line in a terminal)."""

from __future__ import annotations

import os
from pathlib import Path

from helpers.cli import run_cli
from helpers.models import install_colour
from helpers.photos import COLOURS, make_colour_folder, write_colour_photo
from helpers.window import index_folders, leave_for_a_terminal, ready_window, window_offering_a_model
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QPushButton

from motis_desktop.core.library.locking import IndexLock
from motis_desktop.core.services import Services


def test_a_folder_added_from_the_command_line_shows_when_the_window_is_active_again(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: `motis index FOLDER` in a terminal while the app was open: the window kept showing the old library
    until it was started again (the folder watcher watches only the folders it knows)."""
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        leave_for_a_terminal(qtbot, window)
        more = tmp_path / "more"
        make_colour_folder(more, per_colour=1)
        assert run_cli("index", str(more), home=colour_home).returncode == 0
        window.activateWindow()  # back in the app
        qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=30_000)
        assert str(more) in window.folders
    finally:
        next(windows, None)


def _model_from_the_command_line(qtbot, colour_pair, home: Path, photos: Path):  # type: ignore[no-untyped-def]
    """A window over a home without a model, its offer dismissed with Later; then, from "a terminal", the colour model
    installed and ``photos`` (6) indexed: the window, which saw neither."""
    window, services = window_offering_a_model(qtbot, home)
    later = next(b for b in window.models.dialog.findChildren(QPushButton) if b.text() == "Later")
    with qtbot.waitSignal(window.models.offer_shown, timeout=5_000):
        qtbot.mouseClick(later, Qt.MouseButton.LeftButton)
    window.activateWindow()
    qtbot.waitUntil(lambda: window.status.model_label.text() == "Model: none installed", timeout=10_000)
    leave_for_a_terminal(qtbot, window)
    other = Services.open(home)  # `motis models import --image … --text … --name colour`, another process's
    install_colour(other, colour_pair)
    other.close()
    make_colour_folder(photos, per_colour=1)
    assert run_cli("index", str(photos), home=home).returncode == 0
    return window, services


def test_a_model_and_a_folder_added_from_the_command_line_show_when_the_window_is_active_again(
    qtbot, home: Path, colour_pair, tmp_path: Path
) -> None:
    """QA: with the app open on a fresh home (Later), `motis models import` and `motis index FOLDER` in a terminal:
    the window stayed at "No photos yet" and "Model: none installed" until a restart."""
    window, services = _model_from_the_command_line(qtbot, colour_pair, home, tmp_path / "photos")
    try:
        window.activateWindow()  # back in the app
        qtbot.waitUntil(lambda: window.model_state == "ready" and window.model.rowCount() == 6, timeout=60_000)
        assert window.status.model_label.text() == "Model: colour"
        assert window.status_label.text().startswith("6 photos")
    finally:
        window.close()
        services.close()


def test_update_index_uses_a_model_installed_from_the_command_line(
    qtbot, home: Path, colour_pair, tmp_path: Path
) -> None:
    """QA: File ▸ Update index then said "Folder added. Install a model to index it" while Settings listed the
    model installed from the command line."""
    window, services = _model_from_the_command_line(qtbot, colour_pair, home, tmp_path / "photos")
    try:
        window.actions_by_name["update_index"].trigger()  # F5
        qtbot.waitUntil(lambda: window.model_state == "ready" and window.model.rowCount() == 6, timeout=60_000)
        assert window.status.model_label.text() == "Model: colour"
        assert "Install a model" not in window.status_label.text()
    finally:
        window.close()
        services.close()


def _tile_colour(window, path: str) -> str:  # type: ignore[no-untyped-def]
    """The colour the grid paints at the middle of ``path``'s tile: "red", "green" or "other"."""
    view = window.view
    index = window.model.index(window.model.row_of(path))
    return _colour(view.viewport().grab().toImage().pixelColor(view.visualRect(index).center()))


def _colour(pixel: QColor) -> str:
    r, g, b = pixel.red(), pixel.green(), pixel.blue()
    return "red" if r > g + 80 and r > b + 80 else "green" if g > r + 80 and g > b + 80 else "other"


def test_a_photo_replaced_under_its_name_shows_its_new_picture(qtbot, colour_home: Path, tmp_path: Path) -> None:
    """QA: a red scarlet.jpg overwritten with a green photo was indexed again (a search ranked it green, its tile
    took the new shape) but the grid and the viewer kept showing the red picture until a restart: the thumbnails
    held in memory were keyed by path alone. They follow the file now."""
    photos = tmp_path / "photos"
    scarlet = str(write_colour_photo(photos / "scarlet.jpg", COLOURS["red"], 800, 600, seed=1))
    write_colour_photo(photos / "sky.jpg", COLOURS["blue"], 640, 480, seed=2)
    assert index_folders(colour_home, photos).encoded == 2
    windows = ready_window(qtbot, colour_home, rows=2)
    window = next(windows)
    try:
        view, viewer = window.view, window.grid_viewer.viewer
        qtbot.waitUntil(lambda: _tile_colour(window, scarlet) == "red", timeout=10_000)
        tile = view.visualRect(window.model.index(window.model.row_of(scarlet))).center()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=tile)
        with qtbot.waitSignal(viewer.shown, timeout=10_000):
            qtbot.keyClick(view, Qt.Key.Key_Space)  # the viewer decodes it once and keeps it
        assert _colour(viewer.grab().toImage().pixelColor(viewer.rect().center())) == "red"
        qtbot.keyClick(viewer, Qt.Key.Key_Escape)

        # the run that reads it again, then the gallery read after it (the grid at rest)
        with qtbot.waitSignals([window.indexing.finished, window.gallery_loaded], order="simple", timeout=60_000):
            write_colour_photo(Path(scarlet), COLOURS["green"], 300, 900, seed=3)  # the folder watcher sees it
        qtbot.waitUntil(lambda: window.indexer is None, timeout=30_000)
        qtbot.waitUntil(lambda: _tile_colour(window, scarlet) == "green", timeout=10_000)

        tile = view.visualRect(window.model.index(window.model.row_of(scarlet))).center()
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=tile)
        with qtbot.waitSignal(viewer.shown, timeout=10_000, check_params_cb=lambda path: path == scarlet):
            qtbot.keyClick(view, Qt.Key.Key_Space)
        assert _colour(viewer.grab().toImage().pixelColor(viewer.rect().center())) == "green"
    finally:
        next(windows, None)


def test_a_run_held_back_by_another_process_starts_as_soon_as_that_process_is_done(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: after `motis index FOLDER` in a terminal the window said "another MoTIS process (pid N) is updating this
    library — will retry in a minute" and took the new photos a minute later, long after that process had
    finished. It starts as soon as the other process lets go of the library."""
    _services, photos = colour_library
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        make_colour_folder(tmp_path / "more", per_colour=1, seed=50)
        lock = IndexLock(colour_home / "index.lock")  # what another process's run holds
        with lock:
            with qtbot.waitSignal(window.indexing.busy, timeout=30_000):
                os.rename(tmp_path / "more", photos / "more")  # one change: the folder watcher starts one run
            assert "another MoTIS process" in window.status_label.text()
            assert "minute" not in window.status_label.text()
        with qtbot.waitSignal(window.indexing.finished, timeout=20_000):  # far from a minute
            pass
        qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=20_000)
    finally:
        next(windows, None)


def test_update_index_after_another_process_did_the_work_says_what_it_did(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: after `motis watch` (or a second window) had indexed 400 new photos, this window's own run found nothing
    left to do and said "library up to date — nothing new since 11:00"."""
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        more = tmp_path / "more"
        make_colour_folder(more, per_colour=1)
        assert run_cli("index", str(more), home=colour_home).returncode == 0  # another process indexes 6 photos
        with qtbot.waitSignal(window.indexing.finished, timeout=60_000):
            window.actions_by_name["update_index"].trigger()  # F5: nothing left for this window to do
        qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=30_000)
        line = window.status_label.text()
        assert line == "18 photos · library up to date: 6 photos added by another MoTIS window or command", line
        with qtbot.waitSignal(window.indexing.finished, timeout=60_000):
            window.actions_by_name["update_index"].trigger()  # and now nothing is new indeed
        assert "nothing new since" in window.status_label.text()
    finally:
        next(windows, None)


def test_the_photo_a_person_is_on_stays_current_when_new_photos_arrive(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """A gallery read (new photos from another process, a run's batch) reset the view: the photo a person had chosen,
    and the Details panel describing it, went away under them."""
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        window.view.setFocus()
        window.view.setCurrentIndex(window.model.index(4))
        chosen = window.model.rows()[4].path
        with qtbot.waitSignal(window.details.shown, timeout=30_000):
            qtbot.keyClick(window.view, Qt.Key.Key_I)
        leave_for_a_terminal(qtbot, window)
        more = tmp_path / "more"
        make_colour_folder(more, per_colour=1)
        assert run_cli("index", str(more), home=colour_home).returncode == 0
        with qtbot.waitSignal(window.details.shown, timeout=30_000):  # told again about the same photo
            window.activateWindow()  # back in the app: the new photos are read in
            qtbot.waitUntil(lambda: window.model.rowCount() == 18, timeout=30_000)
        current = window.view.currentIndex()
        assert current.isValid() and window.model.rows()[current.row()].path == chosen
        assert window.details.path == chosen
    finally:
        next(windows, None)


def test_photos_moved_by_another_process_show_at_their_new_paths(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """QA: three photos moved inside a library folder (`mv`) and `motis index` run in a terminal: the window's own
    run found nothing new ("library up to date — nothing new"; the count had not changed) and its grid kept the old
    paths, which no longer opened."""
    _services, photos = colour_library
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        leave_for_a_terminal(qtbot, window)
        moved = sorted(p for p in photos.glob("*.*"))[:3]
        (photos / "trip").mkdir()
        for path in moved:
            path.rename(photos / "trip" / f"renamed_{path.name}")
        assert run_cli("index", home=colour_home).returncode == 0  # it finds the moves first
        new_paths = {str(photos / "trip" / f"renamed_{p.name}") for p in moved}
        window.activateWindow()  # back in the app
        qtbot.waitUntil(lambda: new_paths <= {r.path for r in window.model.rows()}, timeout=30_000)
        assert not {str(p) for p in moved} & {r.path for r in window.model.rows()}
        expected = "12 photos · library up to date: 3 photos moved by another MoTIS window or command"
        qtbot.waitUntil(lambda: window.indexer is None and window.status_label.text() == expected, timeout=30_000)
    finally:
        next(windows, None)


def _model_chosen_in_a_terminal(qtbot, colour_pair, home: Path):  # type: ignore[no-untyped-def]
    """A ready window over the colour library; then, from "a terminal", a second model installed and chosen with
    `motis models use colour-two` (which encodes the library with it): the window, which saw neither."""
    windows = ready_window(qtbot, home, rows=12)
    window = next(windows)
    leave_for_a_terminal(qtbot, window)
    other = Services.open(home)  # `motis models import … --name colour-two`, another process's
    install_colour(other, colour_pair, name="colour-two")
    other.close()
    assert run_cli("models", "use", "colour-two", home=home).returncode == 0
    assert window.status.model_label.text() == "Model: colour"
    return windows, window


def _uses_colour_two(window) -> bool:  # type: ignore[no-untyped-def]
    return window.model_state == "ready" and window.status.model_label.text() == "Model: colour-two"


def test_a_model_chosen_from_the_command_line_is_used_when_the_window_is_active_again(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, colour_pair
) -> None:
    """QA: `motis models use NAME` in a terminal while the app was open: the window went on searching with the old
    model until it was started again."""
    windows, window = _model_chosen_in_a_terminal(qtbot, colour_pair, colour_home)
    try:
        window.activateWindow()  # back in the app
        said = "12 photos · now using colour-two, chosen by another MoTIS window or command"
        qtbot.waitUntil(lambda: _uses_colour_two(window) and window.status_label.text() == said, timeout=60_000)
        with qtbot.waitSignal(window.searcher.status, timeout=30_000):
            window.run_search("red")
        assert window.model.rowCount() > 0 and window.encoder is not None
        assert window.encoder is window.models.encoder and window.models.name == "colour-two"
    finally:
        next(windows, None)


def test_update_index_uses_a_model_chosen_from_the_command_line(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, colour_pair
) -> None:
    """The same through File ▸ Update index (F5), the window left inactive."""
    windows, window = _model_chosen_in_a_terminal(qtbot, colour_pair, colour_home)
    try:
        window.actions_by_name["update_index"].trigger()  # F5
        said = "12 photos · now using colour-two, chosen by another MoTIS window or command"
        qtbot.waitUntil(lambda: _uses_colour_two(window) and window.status_label.text() == said, timeout=60_000)
    finally:
        next(windows, None)


def test_photos_moved_where_the_watcher_cannot_see_show_when_the_window_is_active_again(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """The same moves in a folder whose changes the window is not told of (a network share; here its watcher is
    stopped): being back in the window is enough, no run of its own needed."""
    _services, photos = colour_library
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        window.watching.stop()
        leave_for_a_terminal(qtbot, window)
        moved = sorted(p for p in photos.glob("*.*"))[:2]
        for path in moved:
            path.rename(path.with_name(f"renamed_{path.name}"))
        assert run_cli("index", home=colour_home).returncode == 0
        window.activateWindow()  # back in the app
        new_paths = {str(p.with_name(f"renamed_{p.name}")) for p in moved}
        qtbot.waitUntil(lambda: new_paths <= {r.path for r in window.model.rows()}, timeout=30_000)
        expected = "12 photos · library up to date: 2 photos moved by another MoTIS window or command"
        assert window.status_label.text() == expected
        with qtbot.waitSignal(window.indexing.finished, timeout=60_000):
            window.actions_by_name["update_index"].trigger()  # F5: nothing more to do; the news stays
        assert window.status_label.text() == expected
        with qtbot.waitSignal(window.indexing.finished, timeout=60_000):
            window.actions_by_name["update_index"].trigger()  # and then it is old news
        assert "nothing new since" in window.status_label.text()
    finally:
        next(windows, None)
