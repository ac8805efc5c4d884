"""The details panel (View ▸ Details, key I): the current photo's date taken and its source, camera and lens,
exposure, pixel and file size, path, GPS position, and for a result its score and why it matched (with the
words found in its text or name).

The facts are read by ``Services.photo_details`` (EXIF through Pillow) on the backend thread."""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Callable, Iterable

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import QAbstractItemView, QDockWidget, QFrame, QTextBrowser, QWidget

from motis_desktop.core.formatting import format_pixels, format_size
from motis_desktop.core.services import PhotoDetails, Services, TextMatch
from motis_desktop.gui.library_model import LibraryModel, Roles, path_of, row_data
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.text_overlay import matched_words
from motis_desktop.gui.texts import missing_photo, query_words
from motis_desktop.gui.viewer import GridViewer

FILTER_TOKEN = re.compile(r"(?:^|\s)((?:folder|after|before|sort):\S+)")


class DetailsPanel(QDockWidget):
    """A dock at the window's right; ``show_details`` fills it.

    Signals:
        shown: Emitted with the path (str) whose details are now on the panel (a Python object: see
            ``ThumbnailManager.ready``).
    """

    shown = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Details", parent)
        self.setObjectName("detailsPanel")
        self.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea)
        self.page = QTextBrowser()  # not a QLabel: a long name or path wraps inside itself, and copies whole
        self.page.setObjectName("detailsText")
        self.page.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.page.setFrameShape(QFrame.Shape.NoFrame)
        self.page.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page.viewport().setAutoFillBackground(False)  # the dock's colour, as a label's
        self.page.document().setDocumentMargin(10)
        self.page.setOpenLinks(False)
        self.page.setPlainText("Select a photo")
        self.setWidget(self.page)
        self.setMinimumWidth(260)
        self.path: str | None = None
        self._view: QAbstractItemView | None = None
        self._viewer: GridViewer | None = None
        self._submit: Callable[..., object] | None = None
        self._query: Callable[[], str | None] = lambda: None
        self.folders: Callable[[], list[str]] = list  # the library's folders (the window's copy)

    def follow(
        self,
        view: QAbstractItemView,
        submit: Callable[..., object],
        query: Callable[[], str | None],
        viewer: GridViewer | None = None,
    ) -> None:
        """Show ``view``'s current photo while the panel is shown — or, while ``viewer`` is open, the photo it shows
        (Left/Right there do not move the grid's current photo): its facts are read with ``submit(fn, on_done,
        on_error)`` (the backend thread); ``query()`` is the query whose results the view shows, if any."""
        self._view, self._viewer, self._submit, self._query = view, viewer, submit, query
        view.selectionModel().currentChanged.connect(lambda _cur, _prev: self.request())
        view.model().modelReset.connect(self.request)
        if viewer is not None:
            viewer.viewer.moved.connect(lambda _path: self.request())
        self.visibilityChanged.connect(lambda visible: self.request() if visible else None)

    def current(self) -> QModelIndex:
        """The photo the panel describes: the one the viewer shows while it is open, else the grid's current one."""
        if self._view is None:
            return QModelIndex()
        shown = self._viewer.viewer.current if self._viewer is not None and self._viewer.is_open else None
        model = self._view.model()
        if shown is not None and isinstance(model, LibraryModel) and (row := model.row_of(shown.path)) is not None:
            return model.index(row)
        return self._view.currentIndex()

    def request(self) -> None:
        """Fill the panel for the current photo (read in the background), if the panel is shown."""
        submit, index = self._submit, self.current()
        if submit is None or not self.isVisible() or not index.isValid():
            return
        path = path_of(index)
        score, query, matches = row_data(index, Roles.SCORE), self._query(), row_data(index, Roles.MATCHES)
        unreadable = row_data(index, Roles.ERROR)  # indexing's reason, or the thumbnail's
        copies = row_data(index, Roles.ALSO_AT) or ""

        def shown(details: PhotoDetails | str) -> None:
            current = self.current()
            if not current.isValid() or path_of(current) != path:  # no longer the current photo
                return
            if isinstance(details, str):
                self.show_error(path, details)
            else:
                self.show_details(details, score, query, matches, unreadable, copies)

        folders = tuple(self.folders())

        def read(services: Services) -> PhotoDetails | str:
            try:
                return services.photo_details(path)
            except FileNotFoundError:  # said "internal error: FileNotFoundError: [Errno 2] …"
                return missing_photo(path, folders)

        submit(read, shown, lambda message: self.show_error(path, message))

    def show_details(
        self,
        details: PhotoDetails,
        score: float | None,
        query: str | None,
        matches: Iterable[TextMatch] = (),
        unreadable: str | None = None,
        copies: str = "",
    ) -> None:
        """The photo's facts; ``unreadable``: why its pixels could not be read (indexing's or the thumbnail's);
        ``copies``: where a search result's copies (the same bytes) are ("Also in: Paris backup")."""
        self.path = details.path
        self.page.setHtml(details_html(details, score, query, matches, unreadable, copies))
        self.shown.emit(details.path)

    def text(self) -> str:
        """What the panel says, as plain text."""
        return self.page.toPlainText()

    def show_error(self, path: str, message: str) -> None:
        self.path = path
        self.page.setHtml(f"<b>{html.escape(readable(os.path.basename(path)))}</b><br>{html.escape(message)}")
        self.shown.emit(path)


def details_html(
    d: PhotoDetails,
    score: float | None,
    query: str | None,
    matches: Iterable[TextMatch] = (),
    unreadable: str | None = None,
    copies: str = "",
) -> str:
    """The panel's text: one fact a line, the empty ones left out (first, why the photo cannot be shown)."""
    taken = time.strftime("%Y-%m-%d %H:%M", time.localtime(d.taken_at))
    source = "from the file's time (no date in the photo)" if d.date_source == "file time" else f"EXIF {d.date_source}"
    # A file that could not be read and has no date inside: its time is the file's, not a photo's "Taken".
    when = (
        ("File changed", taken)
        if unreadable and d.date_source == "file time"
        else ("Taken", f"{taken}<br><small>{source}</small>")
    )
    rows: list[tuple[str, str | None]] = [
        ("Cannot be shown", _e(unreadable)),
        when,
        ("Camera", _e(d.camera)),
        ("Lens", _e(d.lens)),
        ("Exposure", _e(d.exposure)),
        ("Size", format_pixels(d.width, d.height) if d.width and d.height else None),
        ("File", format_size(d.file_bytes)),
        ("Where", _e(os.path.dirname(d.path))),
        ("Copies", _e(copies) if copies else None),  # the same bytes elsewhere: search shows them once
        ("GPS", f"{d.gps[0]:.5f}, {d.gps[1]:.5f}" if d.gps else None),
    ]
    if score is not None and query:
        filters = FILTER_TOKEN.findall(query)
        why = f"similarity {score:.3f} to {_e(query_words(query))}"
        if filters:
            why += "<br><small>passed the filters " + ", ".join(_e(f) or "" for f in filters) + "</small>"
        rows.append(("Matched", why))
    rows.append(("Words", _e(matched_words(matches))))  # found in the photo's text or its name
    body = "".join(
        f"<tr><td style='color:palette(placeholder-text); padding-right:8px'>{k}</td><td>{v}</td></tr>"
        for k, v in rows
        if v
    )
    return f"<b>{_e(readable(os.path.basename(d.path)))}</b><table style='margin-top:6px'>{body}</table>"


def _e(text: str | None) -> str | None:
    return html.escape(text) if text else None
