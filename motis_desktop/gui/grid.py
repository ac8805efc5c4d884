"""The thumbnail grid widget, the empty-library placeholder and the empty-results state."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

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


class EmptyResults(QWidget):
    """The grid's own empty state for a search that returned nothing: why, and "Show the closest anyway"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyResults")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("QLabel { font-size: 18px; font-weight: bold; }")
        self.reason = QLabel()
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("QLabel { font-size: 14px; }")
        self.closest = QPushButton("Show the closest anyway")
        self.closest.setToolTip("The best-scoring photos, even though none stands out")
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addWidget(self.reason)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.closest)
        row.addStretch()
        layout.addLayout(row)
        layout.addStretch(3)

    def show_reason(self, title: str, reason: str, closest: bool) -> None:
        self.title.setText(title)
        self.reason.setText(reason)
        self.closest.setVisible(closest)
