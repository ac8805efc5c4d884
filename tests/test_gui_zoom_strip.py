"""The date strip names months in a library of a year or two, and the thumbnail size is the zoom (Settings and
Ctrl+= / Ctrl+- are one setting, kept). Real keys and clicks; waits on the view's public signals."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.photos import make_colour_folder
from helpers.window import ready_window

from motis_desktop.gui.main_window import MainWindow

ONE_YEAR = ["2021-02", "2021-04", "2021-06", "2021-08", "2021-10", "2021-12"]
SHORT = {"02": "Feb", "04": "Apr", "06": "Jun", "08": "Aug", "10": "Oct", "12": "Dec"}


def _photos_in(months: list[str]):  # type: ignore[no-untyped-def]
    def make(folder: Path) -> dict[str, str]:
        colours = make_colour_folder(folder, per_colour=5)
        for i, path in enumerate(sorted(colours)):
            when = time.mktime(time.strptime(f"{months[i % len(months)]}-{10 + i // 6:02d} 12:00", "%Y-%m-%d %H:%M"))
            os.utime(path, (when, when))
        return colours

    return make


@pytest.fixture
def one_year(qtbot, home: Path, indexed_libraries) -> Iterator[MainWindow]:
    """A window over 30 photos taken within 2021 (their file times over six months)."""
    indexed_libraries.copy_into(home, "gui-one-year", _photos_in(ONE_YEAR))
    yield from ready_window(qtbot, home, rows=30, size=(1000, 600))


def test_the_strip_of_a_library_within_one_year_names_its_months(one_year: MainWindow) -> None:
    """The strip of a library of one year wrote "2021" at its top and left the other months as bare ticks."""
    scrubber = one_year.view.scrubber
    assert scrubber.isVisible()
    texts = [text for text, _y in scrubber.labels()]
    assert texts == ["Dec 2021", "Oct", "Aug", "Jun", "Apr", "Feb"]
    ys = [y for _text, y in scrubber.labels()]
    assert ys == [scrubber.y_for(m) for m in sorted(ONE_YEAR, reverse=True)]  # each at its month's tick


def test_the_strip_of_many_years_names_years_only(qtbot, tmp_path: Path) -> None:
    """Month names where each month has the room; eighteen years of photos keep a year per label."""
    from motis_desktop.gui.library_model import LibraryModel, Row
    from motis_desktop.gui.thumbnails import ThumbnailManager
    from motis_desktop.gui.timeline import TimelineView

    manager = ThumbnailManager(tmp_path / "thumbs")
    model, view = LibraryModel(manager), TimelineView(manager)
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    rows = [Row(i, str(tmp_path / f"missing_{i:05d}.jpg"), taken_at=1.7e9 - i * 86_400 * 3.3) for i in range(2_000)]
    with qtbot.waitSignal(view.laid_out, timeout=30_000):
        model.set_rows(rows)
    texts = [text for text, _y in view.scrubber.labels()]
    assert len(texts) > 10 and all(text.isdigit() and len(text) == 4 for text in texts)
    assert texts == sorted(set(texts), reverse=True)
    manager.shutdown()
