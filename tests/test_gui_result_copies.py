"""A search result's copies in the window (QA walk 8): "Also in:" names each copy's folder relative to its library
folder and counts copies (finding 3: a ``cp -r`` backup read "Also in: 2024 Garden" on a photo in 2024 Garden);
deleting the file a result shows puts a copy in its place (finding 1: the result was dropped, "no longer in the
library", while its copies were still indexed)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from helpers.keys import search_by_keys
from helpers.window import ready_window
from PySide6.QtCore import Qt

from motis_desktop.core.search.copy_words import FOLDER_CHARS, also_in
from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.result_copies import deleted_words

BACKUP = Path("Backup") / "Old disk" / "sub"  # a backup of the "sub" event folder: the same folder name


def _copies(services: Services, photos: Path) -> tuple[str, str]:
    """``sub/red_00.jpg`` with three copies: one in the backup of its folder, two in ``Sent``; indexed. Its path
    and its backup's."""
    original = photos / "sub" / "red_00.jpg"
    (photos / BACKUP).mkdir(parents=True)
    shutil.copy2(original, photos / BACKUP / "red_00.jpg")
    (photos / "Sent").mkdir()
    for name in ("red_00 mail.jpg", "red_00 chat.jpg"):
        os.link(original, photos / "Sent" / name)
    assert services.index(read_text=False).copied == 3
    services.close()
    return str(original), str(photos / BACKUP / "red_00.jpg")


@contextmanager
def _searched(  # type: ignore[no-untyped-def]
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, query: str
) -> Iterator[tuple[MainWindow, str, str]]:
    """A window over the library with ``_copies``' copies, ``query`` searched by keys: (the window, the original's
    path, its backup's)."""
    services, photos = colour_library
    original, backup = _copies(services, photos)
    windows = ready_window(qtbot, colour_home, rows=12 + 3)
    win = next(windows)
    try:
        search_by_keys(qtbot, win, query)
        yield win, original, backup
    finally:
        next(windows, None)


def _go_to(qtbot, win, row: int) -> None:  # type: ignore[no-untyped-def]
    """Arrow keys in the grid to ``row``."""
    win.view.setFocus()
    qtbot.keyClick(win.view, Qt.Key.Key_Home)
    while win.view.currentIndex().row() != row:
        qtbot.keyClick(win.view, Qt.Key.Key_Right)


def test_also_in_names_each_copys_folder_below_its_library_folder_and_counts_copies(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    with _searched(qtbot, colour_library, colour_home, "red") as (win, original, _backup):
        row = win.model.row_of(original)
        assert row is not None
        said = "Also in: Backup/Old disk/sub, Sent (2)"  # was "Also in: sub, Sent": three copies, two folders named
        tip = win.model.index(row).data(Qt.ItemDataRole.ToolTipRole)
        assert tip.endswith(said), tip
        _go_to(qtbot, win, row)
        with qtbot.waitSignal(win.details.shown, timeout=30_000, check_params_cb=lambda path: path == original):
            qtbot.keyClick(win.view, Qt.Key.Key_I)
        assert said in win.details.text()


def test_deleting_the_file_a_result_shows_puts_its_copy_in_its_place_and_the_viewer_stays_on_it(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    with _searched(qtbot, colour_library, colour_home, "red") as (win, original, backup):
        before = [win.model.path_at(i) for i in range(win.model.rowCount())]
        rank = before.index(original)
        _go_to(qtbot, win, rank)
        viewer = win.grid_viewer.viewer
        with qtbot.waitSignal(viewer.shown, timeout=30_000, check_params_cb=lambda path: path == original):
            qtbot.keyClick(win.view, Qt.Key.Key_Space)
        # deleted from a file manager: the folder watcher's run lets the file go, the results follow (the photo
        # on show may be shown again meanwhile, as results are read again: never as "cannot be shown")
        seen: list[tuple[str, str]] = []
        viewer.shown.connect(lambda path: seen.append((path, viewer.problem)))
        with qtbot.waitSignal(viewer.shown, timeout=60_000, check_params_cb=lambda path: path != original) as moved:
            os.remove(original)
        assert moved.args == [backup]  # was the next result (the photo's copies were still in the library)
        assert all(problem == "" for _path, problem in seen), seen
        after = [win.model.path_at(i) for i in range(win.model.rowCount())]
        assert after == [backup if p == original else p for p in before]  # the copy at the same rank
        assert win.grid_viewer.is_open and viewer.current is not None and viewer.current.path == backup
        said = win.status.currentMessage()
        assert said == "red_00.jpg was deleted; its copy in Backup/Old disk/sub stays", said
        tip = win.model.index(rank).data(Qt.ItemDataRole.ToolTipRole)
        assert tip.endswith("Also in: Sent (2)"), tip  # the copies left, the backup being the one shown


def test_a_long_folder_is_elided_in_the_middle_and_a_second_library_folder_is_named(tmp_path: Path) -> None:
    """The words alone (the window's tooltips and Details use them as above): a deep backup keeps both its ends;
    a copy in another library folder is led by that folder's name; one beside the photo is in "this folder"."""
    photos, disk = str(tmp_path / "Photos"), str(tmp_path / "Disk")
    deep = os.path.join(photos, "Backup", "a" * 40, "2024 Garden", "x.jpg")
    other = os.path.join(disk, "2024 Garden", "x.jpg")
    beside = os.path.join(photos, "2024 Garden", "x (2).jpg")
    said = also_in((deep, other, beside), "4 more", os.path.join(photos, "2024 Garden", "x.jpg"), (photos, disk))
    first, *rest = said.removeprefix("Also in: ").split(", ")
    assert first.startswith("Backup/aaa") and "…" in first and first.endswith("a/2024 Garden"), said
    assert len(first) <= FOLDER_CHARS < len(os.path.relpath(os.path.dirname(deep), photos))
    assert rest == ["Disk/2024 Garden", "this folder", "and 4 more copies"], said


def test_deleting_a_result_and_its_named_copies_finds_it_again_at_a_copy_not_named(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """Tidying duplicates one by one ends here: the file shown and the three copies its tooltip named are gone,
    two more copies are left. The window searches again; the photo comes back at one of them, at its rank."""
    services, photos = colour_library
    original = photos / "sub" / "red_00.jpg"
    (photos / "many").mkdir()
    for i in range(5):
        os.link(original, photos / "many" / f"red_00_{i}.jpg")
    assert services.index(read_text=False).copied == 5
    services.close()
    windows = ready_window(qtbot, colour_home, rows=12 + 5)
    win = next(windows)
    try:
        search_by_keys(qtbot, win, "red")
        before = [win.model.path_at(i) for i in range(win.model.rowCount())]
        rank = before.index(str(original))
        named = win.model.rows()[rank].also_at
        assert len(named) == 3
        said: list[str] = []
        win.grid_viewer.left.connect(said.append)
        for path in (str(original), *named):  # at once: one run of the folder watcher
            os.remove(path)
        left = {str(p) for p in (photos / "many").iterdir()}
        qtbot.waitUntil(lambda: win.model.rowCount() == len(before) and win.model.path_at(rank) in left, timeout=60_000)
        assert [win.model.path_at(i) for i in range(len(before)) if i != rank] == [
            p for p in before if p != str(original)
        ]
        assert any(line.endswith("was deleted; searching again for its 2 other copies") for line in said), said
    finally:
        next(windows, None)


def test_a_result_whose_library_folder_was_removed_is_not_said_deleted(tmp_path: Path) -> None:
    """Guard on the words: Settings ▸ Remove of a folder also takes its photos out of the results; a copy in another
    library folder takes their place, and the file was not deleted."""
    photos, disk = str(tmp_path / "Photos"), str(tmp_path / "Disk")
    replaced = {os.path.join(disk, "sub", "a.jpg"): os.path.join(photos, "Backup", "sub", "a.jpg")}
    assert deleted_words(replaced, {}, (photos,)) == "a.jpg left the library; its copy in Photos/Backup/sub stays"
    assert deleted_words(replaced, {}, (photos, disk)) == "a.jpg was deleted; its copy in Photos/Backup/sub stays"


def test_a_deleted_file_is_not_named_changed_so_the_viewer_does_not_show_it_broken(qtbot, tmp_path: Path) -> None:
    """The flash behind the deletion above (CI, stop 41): after an indexing run the window rechecks the files whose
    thumbnails it holds; a deleted one was named ``changed``, and the viewer decoded the photo on show again and
    showed "This file cannot be shown" until the results put its copy in its place. A photo replaced under its
    name is still named (its new picture is shown)."""
    from helpers.watching import write_photos

    from motis_desktop.gui.library_model import LibraryModel, Roles, Row
    from motis_desktop.gui.thumbnails import ThumbnailManager

    deleted, replaced = write_photos(tmp_path / "photos", "red", 2)
    manager = ThumbnailManager(tmp_path / "thumbs", workers=1)
    model = LibraryModel(manager)
    model.set_rows([Row(1, str(deleted)), Row(2, str(replaced))])
    for row in range(2):
        with qtbot.waitSignal(manager.ready, timeout=30_000):
            assert model.data(model.index(row), Roles.THUMBNAIL) is None  # asked for
    os.remove(deleted)
    (blue,) = write_photos(tmp_path / "other", "blue", 1)
    os.replace(blue, replaced)
    with qtbot.waitSignal(manager.changed, timeout=30_000) as changed:
        manager.recheck()  # what the window does after each indexing run
    assert changed.args == [[str(replaced)]]
    manager.shutdown()


def test_a_filtered_searchs_deleted_result_is_not_shown_at_a_copy_the_filters_leave_out(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """QA walk 9 #1: a ``folder:`` search's result, deleted with its copy inside that folder, was shown at a copy in
    Sent, which ``folder:sub`` leaves out (the window took the first named copy still there). The search runs again:
    the photo's copies in Sent do not pass, so it leaves the results."""
    with _searched(qtbot, colour_library, colour_home, "red folder:sub") as (win, original, backup):
        before = [win.model.path_at(i) for i in range(win.model.rowCount())]
        assert original in before and not any("/Sent/" in p for p in before), before
        for path in (original, backup):  # at once: one run of the folder watcher
            os.remove(path)
        qtbot.waitUntil(lambda: win.model.rowCount() == len(before) - 1, timeout=60_000)
        after = [win.model.path_at(i) for i in range(win.model.rowCount())]
        assert after == [p for p in before if p != original], after
