"""QA walk 7 #5 in the window: a subfolder that cannot be opened any more (permission denied) kept its photos in the
library, and every search left them out without a word (the command line says it: tests/test_cli_qa_seven.py). The
window says the core's words where a search's notes are — the status line and the empty page — and on the folder's
row in Settings. Root opens any folder, so the window runs as 'nobody' here (``acting_as_other_user``): the scan
really fails to list the folder, as the core records it; nothing of the core is replaced."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.models import index_with_colour
from helpers.users import NOBODY, acting_as_other_user, as_root, give_to, shared_tmpdir
from helpers.watching import write_photos
from helpers.window import ready_window
from PySide6.QtCore import Qt

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog

WORDS = "Photos/Locked cannot be opened (permission denied): its 1 photo is left out"


@pytest.fixture
def locked(qtbot, colour_pair, request) -> Iterator[tuple[MainWindow, Path]]:
    """3 photos indexed, one of them in Photos/Locked, which is then made unreadable (mode 000); a window opened
    on the library (as a user who cannot open it), once its start-up pass (which scans) is over. Parametrized
    True (``indirect``): a second library folder, Disk, with 2 photos, is offline meanwhile."""
    offline = getattr(request, "param", False)
    yield from _locked_window(qtbot, colour_pair, rows=3 + 2 * offline, offline=offline)


@pytest.fixture
def locked_and_trip(qtbot, colour_pair) -> Iterator[tuple[MainWindow, Path]]:
    """As ``locked``, with a green photo in Photos/Trip too."""
    yield from _locked_window(qtbot, colour_pair, rows=4, trip=True)


def _locked_window(  # type: ignore[no-untyped-def]
    qtbot, colour_pair, rows: int, trip: bool = False, offline: bool = False
) -> Iterator[tuple[MainWindow, Path]]:
    shared = shared_tmpdir("motis-locked-gui-")
    home, photos = shared / "home", shared / "Photos"
    write_photos(photos, "blue", 2)
    write_photos(photos / "Locked", "red", 1)
    if trip:
        write_photos(photos / "Trip", "green", 1)
        (photos / "Trip").chmod(0o755)
    for folder in (photos, photos / "Locked"):
        folder.chmod(0o755)
    index_with_colour(home, colour_pair, photos)
    if offline:
        write_photos(shared / "Disk", "green", 2)
        services = Services.open(home)
        services.add_folders([str(shared / "Disk")])
        services.index(read_text=False)
        services.close()
        (shared / "Disk").rename(shared / "Disk away")  # unplugged
    if as_root():  # the library is the other user's (the window writes it)
        for dirpath, _, names in os.walk(home):
            for name in [dirpath, *(os.path.join(dirpath, n) for n in names)]:
                give_to(Path(name), NOBODY)
    (photos / "Locked").chmod(0)
    try:
        with acting_as_other_user():
            for window in ready_window(qtbot, home, rows=rows):
                yield window, photos
    finally:
        (photos / "Locked").chmod(0o755)
        shutil.rmtree(shared, ignore_errors=True)


def _search(qtbot, window: MainWindow, query: str) -> None:
    window.search.setFocus()
    window.search.clear()
    with qtbot.waitSignal(window.results.results_shown, timeout=30_000):
        qtbot.keyClicks(window.search, query)
        qtbot.keyClick(window.search, Qt.Key.Key_Return)


def test_a_subfolder_that_cannot_be_opened_is_said_with_a_search(qtbot, locked) -> None:
    """QA: ``folder:Locked`` said only "no photo passes the filters"; a listing of every photo had one less,
    without a word."""
    window, _photos = locked
    _search(qtbot, window, "folder:Locked")
    assert window.stack.currentWidget() is window.empty_results
    page = window.empty_results.reason.text()
    assert page == f"No photo passes the filters (folder:Locked). {WORDS}.", page  # the reason, not "Widen them"
    assert f" · {WORDS} — Esc to go back" in window.status_label.text()
    _search(qtbot, window, "after:1900")
    assert window.model.rowCount() == 2
    line = window.status_label.text()
    assert line.startswith("2 results for “after:1900”") and line.endswith(f" · {WORDS} — Esc to go back"), line


@pytest.mark.parametrize("locked", [True], indirect=True)
def test_a_search_of_the_locked_folder_says_nothing_of_another_folder_offline(qtbot, locked) -> None:
    """``folder:Locked`` with the library folder Disk offline added "The folder “Disk” is offline …" to the locked
    words, though the search looked in Locked alone; ``folder:Disk`` added the locked words to Disk's."""
    window, _photos = locked
    _search(qtbot, window, "folder:Locked")
    page = window.empty_results.reason.text()
    assert page == f"No photo passes the filters (folder:Locked). {WORDS}.", page
    _search(qtbot, window, "folder:Disk")
    page = window.empty_results.reason.text()
    offline = "The folder “Disk” is offline (unplugged or moved?). Its photos show again once it is back."
    assert page == f"No photo passes the filters (folder:Disk). {offline}", page


def test_settings_says_it_on_the_folder_s_row(qtbot, locked) -> None:
    window, photos = locked
    dialog = SettingsDialog([str(photos)], ["colour"], "colour", "auto", 50, 160, window, window.backend.submit)
    qtbot.addWidget(dialog)
    item = dialog.folders.tree.topLevelItem(0)
    qtbot.waitUntil(lambda: item.text(4).startswith("online"), timeout=30_000)
    assert item.text(4) == "online, 1 subfolder locked"
    assert f"{WORDS} of searches" in item.toolTip(4)
    assert item.text(1) == "3"  # its photos are still the library's (back once the folder opens)


def test_the_idle_line_says_it_and_a_search_only_where_it_could_reach(qtbot, locked_and_trip) -> None:
    """QA walk 9 #7: the status line said nothing of Photos/Locked at start, then its sentence rode on every search,
    ``red after:2024`` too. The idle line says it once; a search whose folder filter leaves Locked out says nothing
    of it; one that looks there still does."""
    window, _photos = locked_and_trip
    idle = " · 1 subfolder can't be opened · See Settings"
    qtbot.waitUntil(lambda: idle in window.status_label.text(), timeout=30_000)
    assert window.status_label.text().startswith(f"4 photos{idle}"), window.status_label.text()
    _search(qtbot, window, "green folder:Trip")
    assert window.model.rowCount() == 1
    line = window.status_label.text()
    assert line.startswith("1 result") and "Locked" not in line and "can't be opened" not in line, line
    _search(qtbot, window, "red")  # no filter: the locked photo could have been the red one
    assert f" · {WORDS} — Esc to go back" in window.status_label.text()
    qtbot.keyClick(window.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.status_label.text().startswith(f"4 photos{idle}"), timeout=10_000)
