"""Issue 24 item 8: the window decodes thumbnails and the viewer's photo in decoder processes, so a photo that
crashes a decoder shows "cannot show this photo" and never ends the app (pytest-qt, offscreen, real keys)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.fuzz import fix_png_crcs, mutants, seed_images
from helpers.models import install_colour
from helpers.photos import COLOURS, colour_image, write_image
from PySide6.QtCore import Qt

from motis_desktop.core.images import isolated
from motis_desktop.core.images.decode import CRASH_HOOK_ENV
from motis_desktop.core.services import Services
from motis_desktop.gui.library_model import Roles
from motis_desktop.gui.main_window import MainWindow


def _folder(root: Path) -> tuple[list[Path], list[Path]]:
    """Animated PNGs: 20 byte-flip mutants (as the isolation tests make them), 4 that crash the decoder (the
    test hook aborts any process decoding a file named ``*_crash*``), and 3 plain photos."""
    root.mkdir(parents=True)
    apng = seed_images()["apng"]
    for i, data in enumerate(mutants(apng, 20, seed=24)):
        (root / f"apng_{i:02d}.png").write_bytes(fix_png_crcs(data) if i % 2 else data)
    crashing = []
    for i in range(4):
        crashing.append(root / f"apng_{i:02d}_crash.png")
        crashing[-1].write_bytes(apng)
    plain = [write_image(root / f"plain_{i}.jpg", colour_image(COLOURS["red"], 320, 240, i)) for i in range(3)]
    return crashing, plain


@pytest.fixture
def crashing_window(qtbot, home: Path, colour_pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    crashing, plain = _folder(tmp_path / "photos")
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(tmp_path / "photos")])
    services.index()  # before the hook: the crashing files index like any photo, and have no recorded error
    monkeypatch.setenv(CRASH_HOOK_ENV, "_crash")
    isolated.restart_shared()  # decoder processes that see the hook
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.resize(900, 700)
    win.show()
    qtbot.waitUntil(lambda: win.model.rowCount() == 27, timeout=60_000)
    yield win, crashing, plain
    win.close()
    services.close()
    monkeypatch.delenv(CRASH_HOOK_ENV)
    isolated.restart_shared()


def test_scrolling_and_viewing_crashing_photos_never_ends_the_app(qtbot, crashing_window) -> None:
    win, crashing, plain = crashing_window
    crashes_before = isolated.shared().crashes
    model, view = win.model, win.view
    paths = [model.index(i).data(Roles.PATH) for i in range(model.rowCount())]

    def settled(row: int) -> bool:
        index = model.index(row)
        return bool(index.data(Roles.ERROR)) or index.data(Roles.THUMBNAIL) is not None

    view.setFocus()
    for row in range(model.rowCount()):  # scroll through the whole grid, a row at a time
        view.scrollTo(model.index(row))
        qtbot.waitUntil(lambda row=row: settled(row), timeout=120_000)
    for path in crashing:
        error = model.index(paths.index(str(path))).data(Roles.ERROR)
        assert error and "cannot show this photo" in error and "crashed" in error
    for path in plain:
        assert model.index(paths.index(str(path))).data(Roles.THUMBNAIL) is not None

    viewer = win.grid_viewer.viewer
    view.setCurrentIndex(model.index(0))
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert win.grid_viewer.is_open
    infos = {}
    for row, path in enumerate(paths):  # view every photo, stepping with the arrow key
        if row:
            qtbot.keyClick(viewer, Qt.Key.Key_Right)
        qtbot.waitUntil(lambda path=path: viewer.shown_path == path, timeout=120_000)
        infos[path] = viewer.info_text()
    for path in crashing:
        assert "cannot show this photo" in infos[str(path)] and "crashed" in infos[str(path)]
    for path in plain:
        assert "320 × 240 px" in infos[str(path)]
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not win.grid_viewer.is_open and win.isVisible()
    assert isolated.shared().crashes - crashes_before >= 2 * len(crashing)  # thumbnails and viewer, in workers


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX file modes")
def test_window_says_when_other_users_can_read_the_library(qtbot, tmp_path: Path) -> None:
    """Issue 24 item 7 in the window: a home other users can read is named in the status bar (the full line with
    the chmod to run on hover) and its mode is left as the user set it."""
    from PySide6.QtWidgets import QLabel

    home = tmp_path / "shared"
    home.mkdir()
    home.chmod(0o755)
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    with qtbot.waitSignal(win.library_opened, timeout=30_000):
        win.show()
    label = win.findChild(QLabel, "privacyWarning")
    assert label is not None and label.isVisible()
    assert str(home) in label.toolTip() and "chmod 700" in label.toolTip()
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o755
    win.close()
    services.close()
