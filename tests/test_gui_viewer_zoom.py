"""The viewer zooms tiny images up, crisply, and still fits large ones (QA walk 7 #10; pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from motis_desktop.gui.gallery_rows import Row
from motis_desktop.gui.viewer import PhotoViewer

SHOTS = Path("/tmp/qa7-gui")


def _png(path: Path, rgb: np.ndarray) -> str:
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return str(path)


def _count(image: QImage, colour: tuple[int, int, int]) -> int:
    """How many pixels of ``image`` are exactly ``colour``."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    ptr = image.constBits()
    arr = np.frombuffer(ptr, np.uint8, image.bytesPerLine() * image.height()).reshape(image.height(), -1)
    pixels = arr[:, : 3 * image.width()].reshape(image.height(), image.width(), 3)
    return int(np.all(pixels == np.array(colour, np.uint8), axis=2).sum())


def _shot(qtbot, viewer: PhotoViewer, key: Qt.Key | None, path: str, name: str) -> QImage:
    """Press ``key`` (None: already on ``path``), wait for ``path`` on screen, and grab the page."""
    if key is not None:
        with qtbot.waitSignal(viewer.shown, timeout=30_000, check_params_cb=lambda p: p == path):
            qtbot.keyClick(viewer, key)
    qtbot.waitUntil(lambda: viewer.shown_path == path, timeout=30_000)
    pixmap = viewer.grab()
    SHOTS.mkdir(exist_ok=True)
    pixmap.save(str(SHOTS / f"viewer_{name}.png"))
    return pixmap.toImage()


def test_viewer_zooms_tiny_images_up_crisply_and_fits_large_ones(qtbot, tmp_path: Path) -> None:
    """QA: a 16x16 photo was a 16-pixel dot in a black page and a 1x1 one showed nothing at all. Tiny images are
    drawn 8x (each pixel a sharp 8x8 square); a 500x400 photo stays 1:1 and a 2400x1800 one is still fitted."""
    red, blue, white = (220, 30, 30), (30, 30, 220), (255, 255, 255)
    board = np.zeros((16, 16, 3), np.uint8)  # a checkerboard of single pixels: smoothing would blend them
    board[:] = blue
    board[(np.add.outer(np.arange(16), np.arange(16)) % 2) == 0] = red
    tiny = _png(tmp_path / "tiny16.png", board)
    dot = _png(tmp_path / "one_px.png", np.full((1, 1, 3), white, np.uint8))
    middle = _png(tmp_path / "middle.png", np.full((400, 500, 3), red, np.uint8))
    large = _png(tmp_path / "large.png", np.full((1800, 2400, 3), blue, np.uint8))

    viewer = PhotoViewer()
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)  # the photo area: 784 x 556
    viewer.show()
    viewer.setFocus()
    viewer.show_rows([Row(1, tiny), Row(2, dot), Row(3, middle), Row(4, large)], 0)

    shot = _shot(qtbot, viewer, None, tiny, "tiny16")
    assert _count(shot, red) == _count(shot, blue) == 128 * 128 // 2  # 16x16 at 8x, every pixel kept sharp
    shot = _shot(qtbot, viewer, Qt.Key.Key_Right, dot, "one_px")
    assert _count(shot, white) == 8 * 8
    shot = _shot(qtbot, viewer, Qt.Key.Key_Right, middle, "middle")
    assert _count(shot, red) == 500 * 400  # an ordinary photo that fits: 1:1, as before
    shot = _shot(qtbot, viewer, Qt.Key.Key_Right, large, "large")
    assert _count(shot, blue) == 741 * 556  # fitted to the area's height (2400x1800 -> 741x556), as before
    assert QColor(shot.pixel(400, 300)).getRgb()[:3] == blue


def _blended(image: QImage, colours: list[tuple[int, int, int]], row: int, left: int, right: int) -> int:
    """How many pixels of ``image``'s ``row`` between ``left`` and ``right`` are none of ``colours``."""
    return sum(1 for x in range(left, right) if QColor(image.pixel(x, row)).getRgb()[:3] not in colours)


def test_viewer_smooths_small_photos_zoomed_2_or_3_times_and_keeps_tiny_ones_crisp(qtbot, tmp_path: Path) -> None:
    """QA 7 follow-up: a 240x160 photo (under half the page) zoomed 3x without smoothing looked blocky. It is
    smoothed now (its red/blue edge blends over a few pixels); a 48x32 image (pixel art: ≤ 64 px) zoomed as many
    times stays crisp, and so does a 100x80 one zoomed 5x (a factor of 4 or more)."""
    red, blue = (220, 30, 30), (30, 30, 220)

    def halves(width: int, height: int) -> np.ndarray:
        image = np.zeros((height, width, 3), np.uint8)
        image[:, : width // 2], image[:, width // 2 :] = red, blue
        return image

    small = _png(tmp_path / "small.png", halves(240, 160))  # 784x556 page: 3x (720x480)
    art = _png(tmp_path / "art.png", halves(48, 32))  # 8x (the most)
    icon = _png(tmp_path / "icon.png", halves(100, 80))  # 6x
    viewer = PhotoViewer()
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)  # the photo area: 784 x 556, from (8, 8)
    viewer.show()
    viewer.setFocus()
    viewer.show_rows([Row(1, small), Row(2, art), Row(3, icon)], 0)

    shot = _shot(qtbot, viewer, None, small, "small3x")
    left, top = 8 + (784 - 720) // 2, 8 + (556 - 480) // 2
    edge = _blended(shot, [red, blue], top + 240, left, left + 720)
    assert 2 <= edge <= 8, edge  # the edge between the halves blends over a few pixels: smoothed
    assert QColor(shot.pixel(left + 10, top + 240)).getRgb()[:3] == red  # far from the edge: the photo's colours
    for name, path, key, width in (("art8x", art, Qt.Key.Key_Right, 48 * 8), ("icon6x", icon, Qt.Key.Key_Right, 600)):
        shot = _shot(qtbot, viewer, key, path, name)
        assert _count(shot, red) == _count(shot, blue), name
        assert _blended(shot, [red, blue, (18, 18, 18)], 8 + 556 // 2, 8, 8 + 784) == 0, name  # every pixel sharp
        assert _count(shot, red) * 2 == width * (32 * 8 if name == "art8x" else 80 * 6), name
