"""QA walk 9 #8: with the window open, a truncated JPEG replaced by a whole one (a copy of a photo of the library)
and an empty file deleted: the status line ended "library up to date: 1 photo indexed, 1 removed" (the removed one
was never a photo, the repaired one no new photo), and "Indexing · 0.0 photos/s · ETA --:--" showed before the
first photo was done. The end line says what happened to the unreadable files, and no rate is shown before there
is one. The window's watcher runs it (pytest-qt, offscreen); nothing of the core is replaced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.models import index_with_colour
from helpers.photos import with_two_unreadable
from helpers.window import ready_window

from motis_desktop.core.services import Progress, ProgressPhase
from motis_desktop.gui.main_window import MainWindow


@pytest.fixture
def win(qtbot, home: Path, tmp_path: Path, colour_pair) -> Iterator[tuple[MainWindow, Path, dict[str, str]]]:
    """A window over 12 photos, a truncated JPEG (broken.jpg) and an empty file (empty.jpg)."""
    photos = tmp_path / "photos"
    made, _whole = with_two_unreadable(photos)
    index_with_colour(home, colour_pair, photos)
    for window in ready_window(qtbot, home, rows=len(made) + 2):
        yield window, photos, made


def test_repaired_and_deleted_unreadable_files_are_said_as_such(qtbot, win) -> None:  # type: ignore[no-untyped-def]
    window, photos, made = win
    labels: list[str] = []

    def shown(p: Progress) -> None:  # the label as the window wrote it for each report of this run
        if p.phase in (ProgressPhase.ENCODE, ProgressPhase.TEXT):
            labels.append(window.status.progress_label.text())

    window.indexing.progress.connect(shown)
    broken = photos / "broken.jpg"
    broken.write_bytes(Path(sorted(p for p in made if p.endswith(".jpg"))[0]).read_bytes())  # a whole copy now
    (photos / "empty.jpg").unlink()
    end = "library up to date: 1 unreadable file can now be shown, 1 unreadable file gone"
    qtbot.waitUntil(lambda: end in window.status_label.text(), timeout=60_000)  # the watcher's run
    assert "indexed" not in window.status_label.text() and "removed" not in window.status_label.text()
    assert labels and all("0.0 photos/s" not in label and "--:--" not in label for label in labels), labels
