"""The list model behind the grid: the whole library (gallery) or search results."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from motis_desktop.core.search.copy_words import also_in
from motis_desktop.gui.broken_tile import tooltip_reason
from motis_desktop.gui.gallery_order import RUN, Stop, date_order, errors_last, folder_order, let_go, tick
from motis_desktop.gui.gallery_rows import GalleryRows, LazyPaths, PathIndex, Row, broken_of, paths_of, taken_of
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.thumbnails import ThumbnailManager


class Roles(IntEnum):
    PATH = Qt.ItemDataRole.UserRole + 1  # as a Qt string: bytes of a name that are not UTF-8 are lost (path_of)
    FILE_ID = Qt.ItemDataRole.UserRole + 2
    SCORE = Qt.ItemDataRole.UserRole + 3
    ERROR = Qt.ItemDataRole.UserRole + 4
    THUMBNAIL = Qt.ItemDataRole.UserRole + 5  # QPixmap or None (requests it lazily)
    MATCHES = Qt.ItemDataRole.UserRole + 6  # tuple of TextMatch: the words a search matched
    ALSO_AT = Qt.ItemDataRole.UserRole + 7  # str: where a search result's copies are ("Also in: …"), or ""


class SortOrder(str, Enum):
    """How the gallery is ordered."""

    DATE = "date"  # newest first, by date taken (EXIF, else the file's time)
    FOLDER = "folder"  # by folder and name


def _chunks(n: int, stop: Stop) -> Iterator[tuple[int, int]]:
    """(start, end) of ``RUN``-sized slices of ``range(n)``, each checked and counted (``tick``) before it is used."""
    for start in range(0, n, RUN):
        end = min(n, start + RUN)
        tick(stop, end - start)
        yield start, end


def _places(rows: Sequence[Row], order: SortOrder, stop: Stop) -> list[int]:
    """Each row's place in ``order`` (the sort's 3 of the 4 items per row counted); files that never decoded last,
    in every order (their group at the gallery's end: ``timeline_layout``)."""
    if order == SortOrder.DATE and isinstance(rows, GalleryRows):
        tick(stop, len(rows))  # its paths are made for the ties alone
        return errors_last(date_order(taken_of(rows), LazyPaths(rows), stop), broken_of(rows), stop)
    paths: list[str] = []
    for start, end in _chunks(len(rows), stop):
        paths += paths_of(rows, start, end)
    if order == SortOrder.FOLDER:
        return errors_last(folder_order(paths, stop), broken_of(rows), stop)
    return errors_last(date_order(taken_of(rows), paths, stop), broken_of(rows), stop)


def sort_rows(rows: Sequence[Row], order: SortOrder, stop: Stop = lambda: False) -> Sequence[Row]:
    """``rows`` in the gallery's ``order``; ``stop()`` True: give up (:class:`Stopped`). Made a step at a time
    (gui/gallery_order.py): on a worker thread, the window goes on meanwhile. Counts ``4 * len(rows)`` items with a
    :class:`Steps`. A :class:`GalleryRows` comes back as one (its columns in another order)."""
    places = _places(rows, order, stop)
    if isinstance(rows, GalleryRows):
        ordering = np.empty(len(places), dtype=np.int32)
        for start, end in _chunks(len(places), stop):  # 1M ints into an array at once held the GIL ~30 ms
            ordering[start:end] = places[start:end]
        ordered: Sequence[Row] = rows.reordered(ordering)
    else:
        ordered = []
        for start, end in _chunks(len(places), stop):
            ordered += [rows[i] for i in places[start:end]]
    let_go(places)  # its 1M ints freed a slice at a time (the sort runs on a worker beside the window)
    return ordered


@dataclass(frozen=True)
class SortedGallery:
    """The gallery's rows in one order, with what the window looks up in them, made on a worker thread: at 1M
    photos the sort, the paths' index and the count took ~2 s of the GUI thread."""

    order: SortOrder
    source: Sequence[Row]  # the rows as read (what it was made from)
    rows: Sequence[Row]
    index: Mapping[str, int]  # each path's place in ``rows``
    unreadable: int  # files no search can find (the status line)


SORT_STEPS = 6  # items per row a sorted gallery counts with a ``Steps``: the sort's 4, the index, the count


def sorted_gallery(rows: Sequence[Row], order: SortOrder, stop: Stop = lambda: False) -> SortedGallery:
    """``rows`` in ``order`` with their index and count; ``stop()`` True: give up (:class:`Stopped`); a
    :class:`Steps` as ``stop`` counts ``SORT_STEPS * len(rows)`` items. A :class:`GalleryRows` needs no index nor
    count made (its columns have them)."""
    ordered = sort_rows(rows, order, stop)
    if isinstance(ordered, GalleryRows) and isinstance(rows, GalleryRows):
        tick(stop, 2 * len(rows))
        return SortedGallery(order, rows, ordered, PathIndex(ordered), rows.unreadable)
    index: dict[str, int] = {}
    for start, end in _chunks(len(ordered), stop):
        index.update(zip([r.path for r in ordered[start:end]], range(start, end), strict=True))
    unreadable = 0
    for start, end in _chunks(len(rows), stop):
        unreadable += sum(1 for r in rows[start:end] if r.error)
    return SortedGallery(order, rows, ordered, index, unreadable)


class LibraryModel(QAbstractListModel):
    """Rows are plain data; thumbnails come from the manager when a row is painted."""

    def __init__(self, thumbnails: ThumbnailManager, edge: int = 160, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.edge = edge
        self.pixel_ratio = 1.0  # device pixels per logical pixel: thumbnails are made this much larger (HiDPI)
        self._rows: Sequence[Row] = []
        self._by_path: Mapping[str, int] = {}
        self.folders: Callable[[], Sequence[str]] = tuple  # the library folders (a copy is named relative to its own)
        thumbnails.ready.connect(self._thumbnail_ready)

    # -- Qt model API --------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return readable(os.path.basename(row.path))
        if role == Qt.ItemDataRole.ToolTipRole:
            error = row.error or self.thumbnails.error(row.path)
            score = [f"score {row.score:.3f}"] if row.score is not None else []  # on hover, not on every tile
            why = [tooltip_reason(error)] if error else []  # the whole reason (the tile has the gist)
            lines = [readable(row.path)] + ([row.date] if row.date else []) + score + why
            lines += [also_in(row.also_at, row.also_more, row.path, self.folders())] if row.also_at else []
            return "\n".join(lines)
        if role == Roles.PATH:
            return row.path
        if role == Roles.FILE_ID:
            return row.file_id
        if role == Roles.SCORE:
            return row.score
        if role == Roles.ERROR:
            return row.error or self.thumbnails.error(row.path)
        if role == Roles.MATCHES:
            return row.matches
        if role == Roles.ALSO_AT:
            return also_in(row.also_at, row.also_more, row.path, self.folders()) if row.also_at else ""
        if role == Roles.THUMBNAIL:
            return self.thumbnails.pixmap(row.path, round(self.edge * self.pixel_ratio))
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    # -- contents ------------------------------------------------------------------

    def set_rows(self, rows: Sequence[Row], edge: int | None = None, index: Mapping[str, int] | None = None) -> None:
        """Replace all rows (gallery refresh or a new result list); ``index``: each row's place by path where the
        caller keeps one (the gallery's: 100k entries not built again on every return from results). Shared, not
        copied: neither side ever changes it (a new gallery comes with a new one). The gallery's rows
        (:class:`GalleryRows`, never changed but for their sizes) are shared too."""
        self.beginResetModel()
        self._rows = rows if isinstance(rows, GalleryRows) else list(rows)
        self._by_path = index if index is not None else {r.path: i for i, r in enumerate(self._rows)}
        if edge is not None:
            self.edge = edge
        self.endResetModel()

    def rows(self) -> Sequence[Row]:
        """The rows, not to be changed: the gallery's themselves (1M rows made in a list held ~0.5 GB), else a copy."""
        return self._rows if isinstance(self._rows, GalleryRows) else list(self._rows)

    def shown(self) -> Sequence[Row]:
        """The rows themselves, not a copy, for the view that shows them: :meth:`set_rows` makes a new list each
        time and none is changed in place (the timeline lays this list out on a worker; a 1M copy held the GUI
        thread ~10-20 ms on every gallery)."""
        return self._rows

    def path_at(self, row: int) -> str:
        """The path of the photo in ``row``, as the library holds it."""
        rows = self._rows
        return rows.path_at(row) if isinstance(rows, GalleryRows) else rows[row].path

    def row_of(self, path: str) -> int | None:
        """The row showing ``path``, if any."""
        return self._by_path.get(path)

    def _thumbnail_ready(self, path: str) -> None:
        i = self._by_path.get(path)
        if i is not None:
            index = self.index(i)
            self.dataChanged.emit(index, index, [Roles.THUMBNAIL, Roles.ERROR, Qt.ItemDataRole.ToolTipRole])


def path_of(index: QModelIndex | QPersistentModelIndex) -> str:
    """The path of the photo at ``index``, as the library holds it. Read through ``Roles.PATH`` it would pass through
    a Qt string, which drops the bytes of a file name that are not UTF-8 (Python keeps them as surrogates): the
    thumbnail, details and viewer of ``café.jpg`` written in Latin-1 would look for another file."""
    model = index.model()
    if isinstance(model, LibraryModel) and index.isValid() and 0 <= index.row() < model.rowCount():
        return model.path_at(index.row())
    return str(row_data(index, Roles.PATH) or "")


def row_data(index: QModelIndex | QPersistentModelIndex, role: int) -> Any:
    """``index.data(role)``, asked of our model directly where it is ours: no round trip through a QVariant, and
    none of the references to None that PySide6 loses each time ``QModelIndex.data()`` hands None back (every tile
    painted asks for its error, mostly None; see gui/none_refs.py)."""
    model = index.model()
    if isinstance(model, LibraryModel):
        return model.data(index, role)
    return index.data(role)
