"""The window's first gallery read begins when the backend has opened the library (gui/workers.FirstSnapshot):
a library found damaged and set aside is reported once, and one that cannot be opened is reported without the
read waiting for it forever."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers.damage import scramble_files_table
from helpers.models import install_colour
from helpers.photos import make_colour_folder
from PySide6.QtWidgets import QMessageBox

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow


def test_a_library_damaged_since_the_last_run_is_set_aside_and_said_once(
    qtbot, home: Path, tmp_path: Path, colour_pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = Services.open(home)
    install_colour(services, colour_pair)
    make_colour_folder(tmp_path / "photos", per_colour=2)
    services.add_folders([str(tmp_path / "photos")])
    services.index()
    services.close()
    scramble_files_table(home / "library.sqlite3")
    warnings: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, title, text, *a: warnings.append((title, text)))

    win = MainWindow(Services.open(home))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.gallery_loaded, timeout=60_000):
        win.show()
    assert len(warnings) == 1 and warnings[0][0] == "Library repaired"
    assert "damaged" in warnings[0][1]
    assert "library rebuilt after damage" in win.status_label.text()
    qtbot.waitUntil(lambda: win.model.rowCount() == 12, timeout=60_000)  # the folder is indexed again
    assert len(warnings) == 1
    services = win.services
    win.close()
    services.close()


def test_a_library_that_cannot_be_opened_is_reported_and_the_window_still_closes(qtbot, home: Path) -> None:
    (home / "library.sqlite3").mkdir(parents=True)  # not a database file
    win = MainWindow(Services.open(home))
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.library_failed, timeout=60_000) as failed:
        win.show()
    assert "cannot open the library" in failed.args[0]
    with qtbot.assertNotEmitted(win.gallery_loaded, wait=300):
        pass
    services = win.services
    win.close()  # the start-up read gave up: nothing holds the quit
    services.close()


def test_closing_while_the_library_opens_reads_no_gallery_during_the_quit(
    qtbot, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow open (a big library's check) still running when the window closes: the start-up read gives up
    instead of reading every row once the open returns, in the middle of the quit."""
    from motis_desktop.gui import workers

    opening, release, reads = threading.Event(), threading.Event(), []
    real_open, real_gallery, real_shutdown = Services.open_library, Services.gallery, workers.Backend.shutdown

    def slow_open(self: Services) -> None:
        opening.set()
        assert release.wait(60), "the window never began to quit"
        real_open(self)

    def shutdown(self: workers.Backend) -> None:
        release.set()  # the open returns only now, well after the window began to quit
        real_shutdown(self)

    monkeypatch.setattr(Services, "open_library", slow_open)
    monkeypatch.setattr(Services, "gallery", lambda self: reads.append(1) or real_gallery(self))
    monkeypatch.setattr(workers.Backend, "shutdown", shutdown)
    win = MainWindow(Services.open(home))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(opening.is_set, timeout=30_000)  # the backend is opening the library; the read waits for it
    services = win.services
    win.close()
    services.close()
    assert release.is_set() and reads == []
