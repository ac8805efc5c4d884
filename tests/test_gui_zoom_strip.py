"""The date strip names months in a library of a year or two, and the thumbnail size is the zoom (Settings and
Ctrl+= / Ctrl+- are one setting, kept). Real keys and clicks; waits on the view's public signals."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.photos import make_colour_folder
from helpers.window import ready_window, shown_timeline
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox, QDialogButtonBox

from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.timeline_groups import HeaderKind

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
    from motis_desktop.gui.library_model import Row

    manager, model, view = shown_timeline(qtbot, tmp_path / "thumbs")
    rows = [Row(i, str(tmp_path / f"missing_{i:05d}.jpg"), taken_at=1.7e9 - i * 86_400 * 3.3) for i in range(2_000)]
    with qtbot.waitSignal(view.laid_out, timeout=30_000):
        model.set_rows(rows)
    texts = [text for text, _y in view.scrubber.labels()]
    assert len(texts) > 10 and all(text.isdigit() and len(text) == 4 for text in texts)
    assert texts == sorted(set(texts), reverse=True)
    manager.shutdown()


def _thumbnail_size_in_settings(qtbot, window: MainWindow, key: Qt.Key | None) -> str:
    """Open Settings with Ctrl+,, read its thumbnail size, press ``key`` on it (None: none), OK."""
    seen: list[str] = []

    def in_dialog() -> None:
        dialog = next((w for w in window.findChildren(SettingsDialog) if w.isVisible()), None)
        if dialog is None:  # the key press has not opened it yet
            QTimer.singleShot(10, in_dialog)
            return
        size = dialog.findChild(QComboBox, "thumbnailSize")
        seen.append(size.currentText() if size is not None else "no choice of zoom levels")
        if size is not None and key is not None:
            size.setFocus()
            qtbot.keyClick(size, key)
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    window.activateWindow()  # the offscreen platform does not give it back when a dialog closes
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    QTimer.singleShot(0, in_dialog)
    with qtbot.waitSignal(window.preferences.applied, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File ▸ Settings…
    return seen[0]


def _zoom(qtbot, window: MainWindow, key: Qt.Key) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.view.setFocus()
    with qtbot.waitSignal(window.view.zoomed, timeout=5_000):
        qtbot.keyClick(window.view, key, Qt.KeyboardModifier.ControlModifier)


def test_the_thumbnail_size_is_the_zoom_and_the_next_start_opens_at_it(qtbot, home: Path, indexed_libraries) -> None:
    """Settings' thumbnail size (64–512 px) and Ctrl+= / Ctrl+- set the gallery's rows without knowing of each
    other: zoom was forgotten at the next start, Settings did not show it, a large size was no zoom level. Now the
    thumbnail size is the zoom level: its choices are the zoom's, zoom changes it, the window opens at it."""
    indexed_libraries.copy_into(home, "gui-one-year", _photos_in(ONE_YEAR))
    first = ready_window(qtbot, home, rows=30, size=(1000, 600))
    window = next(first)
    assert window.view.header_kind is HeaderKind.MONTH
    _zoom(qtbot, window, Qt.Key.Key_Equal)  # Ctrl+=: one level larger, day headers
    assert window.view.header_kind is HeaderKind.DAY
    assert _thumbnail_size_in_settings(qtbot, window, Qt.Key.Key_Down) == "Large"  # Down: Largest
    assert window.view.target == 380
    _zoom(qtbot, window, Qt.Key.Key_Minus)  # Ctrl+-: one level below what Settings chose
    assert window.view.target == 260
    next(first, None)  # closes the window
    second = ready_window(qtbot, home, rows=30, size=(1000, 600))
    window = next(second)
    assert window.view.target == 260 and window.view.header_kind is HeaderKind.DAY  # as the user left it
    assert _thumbnail_size_in_settings(qtbot, window, None) == "Large"
    next(second, None)


def test_a_month_label_is_where_a_click_goes_to_that_month(qtbot) -> None:
    """The last months of a library sit at the end of the scroll range together (the view cannot scroll further):
    the strip wrote "Mar" where a click went to January."""
    from motis_desktop.gui.scrubber import DateScrubber, short_month

    scrubber = DateScrubber()
    qtbot.addWidget(scrubber)
    scrubber.resize(80, 400)
    marks = [("2026-11", 0), ("2026-09", 300), ("2026-07", 600), ("2026-05", 900), ("2026-03", 1200), ("2026-01", 1500)]
    scrubber.set_marks(marks, 1200)  # March and January both at the end of the range
    labels = scrubber.labels()
    assert len(labels) == 5  # every place a click can go is named
    for text, y in labels:
        chosen = scrubber.key_at(y)
        assert chosen is not None and short_month(chosen).startswith(text[:3]), (text, chosen)
