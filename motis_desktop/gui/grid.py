"""The thumbnail grid widget and the empty-library placeholder."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView

from motis_desktop.gui.delegate import ThumbnailDelegate
from motis_desktop.gui.library_model import LibraryModel
from motis_desktop.gui.thumbnails import ThumbnailManager, refresh_view_on_thumbnails


def make_grid(model: LibraryModel, thumbnails: ThumbnailManager, cell: int) -> tuple[QListView, ThumbnailDelegate]:
    """An icon-mode list view over ``model`` that paints thumbnails lazily, and its delegate."""
    view = QListView()
    view.setViewMode(QListView.ViewMode.IconMode)
    view.setResizeMode(QListView.ResizeMode.Adjust)
    view.setMovement(QListView.Movement.Static)
    view.setUniformItemSizes(True)
    view.setLayoutMode(QListView.LayoutMode.Batched)
    view.setBatchSize(500)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setSpacing(4)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    delegate = ThumbnailDelegate(cell, view)
    view.setItemDelegate(delegate)
    view.setModel(model)
    refresh_view_on_thumbnails(view, thumbnails)
    return view, delegate


def make_empty_label() -> QLabel:
    """The large dashed drop target shown while the library has no folders."""
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet(
        "QLabel { font-size: 16px; color: palette(mid); border: 3px dashed palette(mid);"
        " border-radius: 16px; margin: 40px; padding: 40px; }"
    )
    return label
