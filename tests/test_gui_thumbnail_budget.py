"""Thumbnails kept in memory follow the size of the view that shows them (a few screens' worth)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QListView

from motis_desktop.gui.thumbnails import ThumbnailManager, refresh_view_on_thumbnails


def test_a_small_window_keeps_fewer_thumbnails_than_a_large_one_within_the_ceiling(qtbot, tmp_path: Path) -> None:
    manager = ThumbnailManager(tmp_path / "thumbs", workers=1)
    view = QListView()
    qtbot.addWidget(view)
    refresh_view_on_thumbnails(view, manager)
    view.resize(1100, 720)
    view.show()
    qtbot.waitExposed(view)
    small = manager.kept_bytes()
    view.resize(3800, 2100)
    qtbot.waitUntil(lambda: view.viewport().width() > 3000)
    large = manager.kept_bytes()
    assert 24 * 2**20 <= small < large <= manager.memory_bytes == 128 * 2**20
    assert small <= 40 * 2**20  # a 1100x720 window: about 32 MB, a quarter of the ceiling
