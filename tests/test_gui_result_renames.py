"""Search results whose files are renamed or moved in a file manager while shown (lead's note, session 42): the
result was shown at one of its copies and said "was deleted", or dropped ("… is no longer in the library"),
though the photo was still in the library under its new name. Now it keeps its rank at the new path, the viewer
stays on it, and the status line says what happened; the core says what became what (``Services.where_now``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers.keys import search_by_keys
from helpers.window import ready_window
from PySide6.QtCore import Qt

from motis_desktop.core.services import Services

BACKUP = Path("Backup") / "Old disk" / "sub"


def _open_in_viewer(qtbot, win, path: str) -> int:  # type: ignore[no-untyped-def]
    """Arrow keys in the grid to the result at ``path``, then Space: the viewer shows it. Its rank."""
    rank = win.model.row_of(path)
    assert rank is not None
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Home)
    while win.view.currentIndex().row() != rank:
        qtbot.keyClick(win.view, Qt.Key.Key_Right)
    with qtbot.waitSignal(win.grid_viewer.viewer.shown, timeout=30_000, check_params_cb=lambda p: p == path):
        qtbot.keyClick(win.view, Qt.Key.Key_Space)
    return rank


def _follows(qtbot, win, old: str, new: str, change) -> list[str]:  # type: ignore[no-untyped-def]
    """``change()`` the file on show (as a file manager does); the folder watcher's run and the results follow:
    waits until the viewer shows ``new``. The results' paths before."""
    before = [win.model.path_at(i) for i in range(win.model.rowCount())]
    viewer = win.grid_viewer.viewer
    seen: list[tuple[str, str]] = []
    viewer.shown.connect(lambda path: seen.append((path, viewer.problem)))
    said: list[str] = []
    win.grid_viewer.left.connect(said.append)
    with qtbot.waitSignal(viewer.shown, timeout=60_000, check_params_cb=lambda path: path != old) as shown:
        change()
    assert shown.args == [new]  # was a copy of it (or the next result: "no longer in the library")
    assert all(problem == "" for _path, problem in seen), seen
    assert [win.model.path_at(i) for i in range(win.model.rowCount())] == [new if p == old else p for p in before]
    assert win.grid_viewer.is_open and viewer.current is not None and viewer.current.path == new
    return said


def test_a_result_renamed_while_shown_keeps_its_rank_at_its_new_name_not_at_a_copy(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    services, photos = colour_library
    original = photos / "sub" / "red_00.jpg"
    (photos / BACKUP).mkdir(parents=True)
    shutil.copy2(original, photos / BACKUP / "red_00.jpg")  # a copy that used to take its place
    assert services.index(read_text=False).copied == 1
    services.close()
    windows = ready_window(qtbot, colour_home, rows=12 + 1)
    win = next(windows)
    try:
        search_by_keys(qtbot, win, "red")
        rank = _open_in_viewer(qtbot, win, str(original))
        renamed = str(photos / "sub" / "red_00 holiday.jpg")
        said = _follows(qtbot, win, str(original), renamed, lambda: os.rename(original, renamed))
        assert said == ["red_00.jpg was renamed to red_00 holiday.jpg"], said  # was "was deleted; its copy … stays"
        assert win.status.currentMessage() == said[0]
        tip = win.model.index(rank).data(Qt.ItemDataRole.ToolTipRole)
        assert tip.endswith("Also in: Backup/Old disk/sub"), tip  # its copy is still one
        qtbot.keyClick(win.grid_viewer.viewer, Qt.Key.Key_Escape)
        assert win.view.currentIndex().row() == rank  # back in the grid on it
    finally:
        next(windows, None)


def test_a_result_moved_to_another_folder_while_shown_stays_and_says_where(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """Without copies it was dropped: "red_00.jpg is no longer in the library", the viewer on the next result."""
    services, photos = colour_library
    services.close()
    trips = photos / "Trips" / "2024"
    trips.mkdir(parents=True)
    windows = ready_window(qtbot, colour_home, rows=12)
    win = next(windows)
    try:
        search_by_keys(qtbot, win, "red")
        original = photos / "sub" / "red_00.jpg"
        _open_in_viewer(qtbot, win, str(original))
        moved = str(trips / "red_00.jpg")
        said = _follows(qtbot, win, str(original), moved, lambda: os.rename(original, moved))
        assert said == ["red_00.jpg was moved to Trips/2024"], said
    finally:
        next(windows, None)
