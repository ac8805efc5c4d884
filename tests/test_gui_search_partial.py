"""A search typed while indexing runs (QA walk 6 #4): its results come from the photos encoded so far, which the
status line says ("searched 12 of 18 photos — indexing continues"); when the run ends they are searched again,
keeping the photo a person is on."""

from __future__ import annotations

import threading
from pathlib import Path

from helpers.keys import search_by_keys
from helpers.photos import make_colour_folder
from helpers.window import ready_window
from PySide6.QtCore import Qt

from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.services import Services
from motis_desktop.gui.library_model import path_of


def test_results_searched_during_indexing_say_so_and_refresh_when_it_ends(
    qtbot, monkeypatch, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    more = make_colour_folder(tmp_path / "more", per_colour=1, seed=100)  # 6 new photos, one red
    in_commit, release = threading.Event(), threading.Event()
    real_commit = LibraryStore.commit_batch

    def held_commit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        in_commit.set()  # the new photos are listed, none of them encoded yet
        release.wait(300)
        return real_commit(self, *args, **kwargs)

    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        monkeypatch.setattr(LibraryStore, "commit_batch", held_commit)
        window.add_folders([str(tmp_path / "more")])
        qtbot.waitUntil(in_commit.is_set, timeout=120_000)
        search_by_keys(qtbot, window, "red")
        assert "(searched 12 of 18 photos — indexing continues)" in window.status_label.text()
        assert window.model.rowCount() == 2  # the two red photos encoded before
        qtbot.keyClick(window.view, Qt.Key.Key_Right)  # a person moves to the second result
        current = path_of(window.view.currentIndex())
        with qtbot.waitSignal(window.results.results_shown, timeout=120_000):
            release.set()  # the run goes on and ends: the search runs again by itself
        red_new = [p for p, c in more.items() if c == "red"]
        qtbot.waitUntil(lambda: window.indexer is None, timeout=120_000)
        assert red_new[0] in {r.path for r in window.model.rows()}
        assert "indexing continues" not in window.status_label.text()
        assert path_of(window.view.currentIndex()) == current  # still on that photo
    finally:
        release.set()
        next(windows, None)
