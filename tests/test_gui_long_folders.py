"""Long folder names keep their end, where folders differ: Settings' folder list and the Sort by folder headers
cut them in the middle with "…" (QA walk 7 #6; pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path

from helpers.watching import write_photos
from PySide6.QtCore import QRect

from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.timeline_groups import HeaderKind

SHOTS = Path("/tmp/qa7-gui")
LONG = "Holiday photos from the summer trip to the mountains of Northern Italy with grandma grandpa and all the cousins"


def _folders(root: Path) -> list[Path]:
    """Two folders whose names differ only in their last characters."""
    return [root / f"{LONG} 2023", root / f"{LONG} 2024"]


def test_settings_cut_long_folders_in_the_middle_with_the_whole_path_as_tooltip(qtbot, tmp_path: Path) -> None:
    """QA: Settings showed "/tmp/qa7/Holiday photos from the summer tri…" for both "…cousins 2023" and "…cousins
    2024": the two rows looked the same. They now differ on screen, and each row's tooltip is its whole path."""
    folders = [str(f) for f in _folders(tmp_path)]
    dialog = SettingsDialog(folders, [], None, "auto", 50, 160)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    tree = dialog.folders.tree
    tree.clearSelection()
    items = [tree.topLevelItem(i) for i in range(2)]
    assert [item.toolTip(0) for item in items] == folders and [item.text(0) for item in items] == folders
    shot = tree.viewport().grab().toImage()
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "settings_long_folders.png"))
    cells = [tree.visualItemRect(item) for item in items]
    width = tree.header().sectionSize(0)
    crops = [shot.copy(QRect(cell.x() + 4, cell.y() + 2, width - 8, cell.height() - 4)) for cell in cells]
    assert crops[0] != crops[1]  # the ends ("2023", "2024") show: cut at the end, the rows were pixel for pixel equal


def test_folder_headers_cut_long_folders_in_the_middle(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """QA: at 800x600, Sort by folder's headers were clipped at the window's edge without "…", so "…cousins 2023"
    and "…cousins 2024" read as the same, complete name. They are cut in the middle and differ on screen."""
    folders = _folders(tmp_path)
    for folder in folders:
        write_photos(folder, "red", 2)
    window.resize(800, 600)
    window.add_folders([str(f) for f in folders])
    qtbot.waitUntil(lambda: window.model.rowCount() == 4 and window.indexer is None, timeout=60_000)
    with qtbot.waitSignal(window.view.laid_out, timeout=5_000):
        window.actions_by_name["by_folder"].trigger()  # View ▸ Sort by folder
    view = window.view
    assert view.header_kind is HeaderKind.FOLDER
    sections = [s for s in view.tiles.sections if s.label]
    assert [s.label for s in sections] == [str(f) for f in folders]  # the model keeps the whole path
    shot = view.viewport().grab().toImage()
    SHOTS.mkdir(exist_ok=True)
    window.grab().save(str(SHOTS / "by_folder_long_headers.png"))
    top = view.verticalScrollBar().value()
    height = view.viewport().height()
    crops = [shot.copy(QRect(0, s.y - top, view.viewport().width(), view.spacing.header)) for s in sections]
    assert all(0 <= s.y - top < height for s in sections)  # both headers on screen
    assert crops[0] != crops[1]  # their ends show: clipped at the edge, both read "…with grandma"
