"""The sixth QA walk in the window: photos touched while the app was closed (finding 5)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from helpers.window import ready_window
from PySide6.QtCore import Qt

from motis_desktop.core.library import scan_diff
from motis_desktop.core.services import Progress, ProgressPhase, Services


def test_photos_touched_while_closed_are_not_indexed_again_nor_hashed_on_the_gui_thread(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: after closed-app `touch`es the start-up line said "1 photo indexed" for a file whose bytes had not
    changed, and 400 touched photos were encoded and read for text again. They are hashed (on the indexing lane,
    never the GUI thread) and found unchanged."""
    services, photos = colour_library
    services.close()
    for path in sorted(photos.rglob("*.jpg"))[:3]:
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 60 * 10**9))
    hashed_on: list[str] = []
    real = scan_diff._digest

    def tracing(path: str) -> str | None:
        hashed_on.append(threading.current_thread().name)
        return real(path)

    monkeypatch.setattr(scan_diff, "_digest", tracing)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        line = window.status_label.text()
        assert line.startswith("12 photos") and "indexed" not in line
        assert len(hashed_on) == 3  # by the start-up pass, which ready_window waited for
        assert threading.main_thread().name not in hashed_on
    finally:
        next(windows, None)
    again = Services.open(colour_home)
    try:
        assert all(f.mtime_ns == Path(f.path).stat().st_mtime_ns for f in again.files())  # the new times stored
    finally:
        again.close()


def test_a_renamed_library_folder_added_again_is_one_folder_not_a_live_and_an_offline_copy(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: the library's folder renamed (Pictures → Photos) and added again: every photo in the timeline twice (live
    and a grey offline tile), "688 photos · 344 in an offline folder" and "⚠ 1 folder offline" for good."""
    services, photos = colour_library
    services.close()
    moved = tmp_path / "Photos"
    photos.rename(moved)
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        qtbot.waitUntil(lambda: "offline" in window.status_label.text(), timeout=30_000)  # the old folder, out of reach
        said = "photos seems to have moved to Photos: its 12 photos now live there"
        with qtbot.waitSignal(window.indexing.stopped, timeout=60_000):
            window.add_folders([str(moved)])  # as Settings ▸ Add folder… or a folder dropped on the window
        qtbot.waitUntil(lambda: said in window.status_label.text(), timeout=30_000)
        qtbot.waitUntil(lambda: window.folders == [str(moved)], timeout=30_000)
        assert window.model.rowCount() == 12
        assert all(
            window.model.row_of(str(moved / Path(p).relative_to(photos))) is not None for p in _paths(photos, moved)
        )
        assert "offline" not in window.status_label.text()
    finally:
        next(windows, None)


def _paths(old: Path, new: Path) -> list[str]:
    """The photos' paths as they were below ``old`` (now below ``new``)."""
    return [str(old / p.relative_to(new)) for p in new.rglob("*.*")]


def test_the_check_of_photos_touched_while_the_window_runs_shows_in_the_status_bar(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """The lead's note on finding 5: hashing many touched files (a library synced without its times) showed only
    "Scanning folders 1/1…" for the whole check. The status bar says the check, with its rate and time left, as it
    says the encoding; Update index (F5) starts the run here (`touch` changes no photo: the watcher starts none)."""
    services, photos = colour_library
    services.close()
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        for path in sorted(p for p in photos.rglob("*") if p.is_file())[:3]:
            stat = path.stat()
            os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 60 * 10**9))
        shown: list[tuple[str, str]] = []  # (label, bar) at each report of the check, after the window showed it

        def seen(p: Progress) -> None:
            if p.phase is ProgressPhase.CHECK:
                shown.append((window.status.progress_label.text(), window.status.progress.text()))

        window.indexing.progress.connect(seen)
        with qtbot.waitSignal(window.indexing.stopped, timeout=60_000):
            qtbot.keyClick(window.view, Qt.Key.Key_F5)
        assert shown and shown[-1][1] == "3/3"
        assert all(label.startswith("Checking 3 changed files…") for label, _ in shown)
        # a rate and time left once there is one (QA walk 9 #8: "0.0 photos/s · ETA --:--" before the first)
        assert all((" files/s · ETA " in label) == (bar != "0/3") for label, bar in shown), shown
    finally:
        next(windows, None)
