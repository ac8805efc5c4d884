"""Files the library cannot read (truncated, not a photo at all) in the gallery: a light tile with a broken-image
icon, the file's name and a short reason, the whole reason in its tooltip. They were full-size dark tiles with a
small cross, which looked like black photos (QA)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.keys import OFFSCREEN_MENU
from helpers.models import index_with_colour
from helpers.photos import COLOURS, colour_image, make_colour_folder, write_image
from helpers.window import ready_window
from PySide6.QtCore import QEvent, QRect
from PySide6.QtGui import QHelpEvent, QImage
from PySide6.QtWidgets import QApplication, QToolTip

from motis_desktop.core.kinds import ImageProblem
from motis_desktop.core.services import Skipped
from motis_desktop.gui.main_window import MainWindow


@pytest.fixture
def win(qtbot, home: Path, tmp_path: Path, colour_pair) -> Iterator[MainWindow]:
    """A window over one photo of each colour, a truncated JPEG and a text file named .jpg."""
    photos = tmp_path / "photos"
    made = make_colour_folder(photos, per_colour=1)
    good = write_image(photos / "whole.jpg", colour_image(COLOURS["red"], 300, 200, 99)).read_bytes()
    (photos / "whole.jpg").unlink()
    (photos / "beach.jpg").write_bytes(good[: len(good) // 3])
    (photos / "notes.jpg").write_text("this is not a photo\n")
    index_with_colour(home, colour_pair, photos)
    yield from ready_window(qtbot, home, rows=len(made) + 2)


def _tile(window: MainWindow, name: str) -> tuple[QImage, QRect]:
    """The grid as painted now, and the tile of the file ``name``."""
    view = window.view
    row = next(i for i in range(window.model.rowCount()) if window.model.path_at(i).endswith("/" + name))
    return view.viewport().grab().toImage(), view.visualRect(window.model.index(row))


def test_an_unreadable_file_is_a_light_tile_with_an_icon_and_words_not_a_dark_one(qtbot, win: MainWindow) -> None:
    for name in ("beach.jpg", "notes.jpg"):
        image, tile = _tile(win, name)
        assert tile.height() >= 96 and tile.width() >= 96  # room for the name and the reason under the icon
        inner = tile.adjusted(6, 6, -6, -6)
        corners = [inner.topLeft(), inner.topRight(), inner.bottomLeft(), inner.bottomRight()]
        assert all(image.pixelColor(p).lightness() > 150 for p in corners), name  # neutral, not a dark photo
        # the icon and the two lines of words are drawn in the tile's middle: darker marks on the light ground
        middle = [
            image.pixelColor(x, y).lightness()
            for y in range(tile.top() + tile.height() // 4, tile.bottom() - tile.height() // 8)
            for x in range(tile.left() + tile.width() // 4, tile.right() - tile.width() // 4)
        ]
        marks = sum(1 for value in middle if value < 140)
        assert 100 < marks < len(middle) // 3, (name, marks, len(middle))


@OFFSCREEN_MENU  # the tooltip's window: the offscreen plugin cannot raise it
def test_an_unreadable_tile_s_tooltip_gives_the_whole_reason(qtbot, win: MainWindow) -> None:
    _image, tile = _tile(win, "beach.jpg")
    viewport = win.view.viewport()
    at = tile.center()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, at, viewport.mapToGlobal(at)))  # the hover
    qtbot.waitUntil(lambda: "beach.jpg" in QToolTip.text(), timeout=5_000)
    tip = QToolTip.text()
    assert "Can't read this file: truncated JPEG (no end-of-image marker after the image data)" in tip, tip
    QToolTip.hideText()


def test_the_core_gives_the_specific_reason_and_the_whole_words() -> None:
    """Guard for the words' one owner: the specific reason for a list under a title that says the kind (Skipped…),
    the whole words where nothing else says it (`motis index`), and the gist for a tile."""
    from motis_desktop.core.kinds import brief_words

    truncated = Skipped(
        "/p/beach.jpg", "truncated JPEG (no end-of-image marker after the image data)", ImageProblem.INVALID
    )
    assert truncated.specific == "truncated JPEG (no end-of-image marker after the image data)"
    assert truncated.message == "not a photo this app can read: " + truncated.specific
    old = Skipped("/p/a.heic", "cannot decode HEIC: Invalid input: Unspecified", ImageProblem.UNKNOWN)
    assert old.specific == old.message == "damaged or incomplete HEIC file"
    crashed = Skipped("/p/b.jpg", "the decoder crashed on this file", ImageProblem.CRASHED)
    assert crashed.specific == crashed.message == "the decoder crashed on it (skipped until the file changes)"
    assert brief_words(truncated.reason) == "truncated JPEG"
