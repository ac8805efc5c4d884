"""A photo still being copied in, in the window (lead's note; ``gui/copy_waits.py``): `motis watch` says "waiting for
…/IMG_1.jpg to finish copying…", the window said nothing. Its status line says it once, keeps it through the run that
indexes a photo landing beside it (not in that run's outcome), and drops it when the photo is indexed. Driven by
writing the file in parts and waiting on the window's signals (inotify: Linux)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers.watching import write_photos
from helpers.window import ready_window

from motis_desktop.core.services import Services

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="only inotify tells a file's close after writing")

SAID = "waiting for IMG_1.jpg to finish copying…"


def test_a_photo_being_copied_in_is_said_on_the_status_line_until_it_is_indexed(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    _services, photos = colour_library
    (staged,) = write_photos(tmp_path / "staged", "red", 1, size=(320, 240))
    data = staged.read_bytes()
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        slow = photos / "IMG_1.jpg"
        with slow.open("wb") as copying:
            with qtbot.waitSignal(window.watching.writing, timeout=30_000):  # a second of writes, still open
                copying.write(data[: len(data) // 2])
                copying.flush()
            qtbot.waitUntil(lambda: window.status_label.text().endswith(f" · {SAID}"), timeout=5_000)
            assert window.watching.being_written() == {str(slow)}
            write_photos(photos, "green", 1, start=50)  # a photo lands beside it: its run indexes it meanwhile
            qtbot.waitUntil(lambda: window.model.rowCount() == 13 and window.indexer is None, timeout=60_000)
            before, _, said = window.status_label.text().rpartition(" · ")  # the run's outcome, then the wait, once
            assert said == SAID and "library up to date" in before and "copying" not in before, before
            copying.write(data[len(data) // 2 :])
        # closed: the copy is complete, the run its close starts indexes it and the words go
        qtbot.waitUntil(lambda: window.model.rowCount() == 14, timeout=60_000)
        qtbot.waitUntil(lambda: window.indexer is None and "copying" not in window.status_label.text(), timeout=30_000)
        assert "library up to date" in window.status_label.text(), window.status_label.text()
        assert "IMG_1.jpg" not in {s.path.rsplit("/", 1)[-1] for s in window.status.skipped}
    finally:
        next(windows, None)
