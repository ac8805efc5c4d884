"""What the grid shows (the gallery or a query's results), Esc, Find similar, opening photos (for gui/photo_actions)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence

from PySide6.QtCore import QMimeData, QModelIndex, QObject, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QIcon
from PySide6.QtWidgets import QStackedWidget

from motis_desktop.core.formatting import count
from motis_desktop.core.gc_pause import gc_paused
from motis_desktop.core.services import Skipped
from motis_desktop.gui.gallery_order import Steps, Stopped
from motis_desktop.gui.gallery_rows import GalleryRows
from motis_desktop.gui.grid import EmptyResults
from motis_desktop.gui.library_model import (
    SORT_STEPS,
    LibraryModel,
    Row,
    SortedGallery,
    SortOrder,
    path_of,
    sorted_gallery,
)
from motis_desktop.gui.local_files import file_url, fits_text, readable
from motis_desktop.gui.result_copies import other_copies, stand_ins
from motis_desktop.gui.result_renames import Renamed, ask_where_now, renamed_rows
from motis_desktop.gui.search_box import SearchBox, SearchController, Searched, result_row
from motis_desktop.gui.sizes import RowSizes
from motis_desktop.gui.tasks import Lane, Task
from motis_desktop.gui.timeline import DEFER_RESIZE_FROM, TimelineView
from motis_desktop.gui.timeline_groups import Grouping
from motis_desktop.gui.viewer import GridViewer

RESULT_EDGE = 512  # search results are shown at high resolution
SORT_OFF_THREAD_FROM = DEFER_RESIZE_FROM  # photos: a larger gallery is sorted on the LAYOUT lane
SORT_WORDS = {SortOrder.DATE: "by date", SortOrder.FOLDER: "by folder"}


class ResultsController(QObject):
    """Owns the grid's contents: the gallery, or the results of the query the search box shows.

    Signals:
        results_shown: Emitted with the query text and the number of results once they are in the grid.
        gallery_shown: Emitted when the grid shows the whole library again after results (or Esc over it).
        status: Emitted with a line for the status bar.
        order_changed: Emitted with the gallery's ``SortOrder`` when it changed other than by View ▸ Sort by (an
            order change given up: the menu checks the order on show again).
    """

    results_shown = Signal(str, int)
    gallery_shown = Signal()
    status = Signal(str)
    order_changed = Signal(object)

    def __init__(
        self,
        searcher: SearchController,
        box: SearchBox,
        view: TimelineView,
        model: LibraryModel,
        stack: QStackedWidget,
        empty: EmptyResults,
        grid_viewer: GridViewer,
        gallery_edge: Callable[[], int],
    ) -> None:
        super().__init__(view)
        self.searcher, self.box, self.view, self.model = searcher, box, view, model
        self.stack, self.empty, self.grid_viewer = stack, empty, grid_viewer
        self._gallery_edge = gallery_edge
        self.results_for: str | None = None  # the query whose results the grid shows; None: the gallery
        self._known_at = 0.0  # when the results on show were read (gui/result_renames.py)
        self._filtered = False  # the results on show are of a query with filters (QueryResult.filtered)
        grid_viewer.noun = lambda: "photo" if self.results_for is None else "result"  # as the status line counts
        # ``submit(fn, on_done, on_error)`` runs ``fn(services)`` in the background (Copy text); set by the window
        self.submit: Callable[..., object] | None = None
        self.gallery: Sequence[Row] = GalleryRows.from_rows(())
        self.unreadable = 0  # gallery rows whose file could not be read (permanently): not searchable
        self._gallery_index: Mapping[str, int] = {}  # each path's place in the gallery (results' tiles take its aspect)
        self._gallery_anchor: tuple[str, int] | None = None  # where the gallery was when results came
        self._gallery_current: str | None = None  # and its current photo
        self.order = SortOrder.DATE  # the gallery: newest first (View ▸ Sort by folder is the other choice)
        self._gallery_order = SortOrder.DATE  # the order ``gallery`` is in (``order`` once sorted)
        self._sorting = 0  # galleries and orders asked for: only the latest sort is shown
        self._since: list[dict[str, float]] | None = None  # sizes handed on while a sort runs
        self._pending: Sequence[Row] | None = None  # rows being sorted on the LAYOUT lane (the gallery: a new order)
        self._sizes = RowSizes(lambda: (self.gallery, self._gallery_index), self)
        searcher.results.connect(self.show_results)
        searcher.refused.connect(self.show_refused)
        searcher.reset_requested.connect(self.reset)
        box.textChanged.connect(
            lambda text: self.reset() if not text and box.reference is None and self.results_for is not None else None
        )
        empty.closest.clicked.connect(searcher.show_more)
        empty.suggested.connect(self._suggested)  # "Search for “text:invoice”" (a word read in the photos)
        box.reference_dropped.connect(lambda path: box.set_reference_icon(self._icon(path)))  # as Find similar's

    def _suggested(self, query: str) -> None:
        """A suggestion of the empty page chosen: the box holds its query, as if typed, and it runs."""
        self.box.setText(query)
        self.searcher.submit(query)

    # -- contents ------------------------------------------------------------------

    def set_gallery(self, rows: Sequence[Row], prepared: SortedGallery | None = None) -> None:
        """The library's rows (shown now unless results are on screen), in the gallery's order (``prepared``: the
        rows already sorted off this thread, used when in this order). Rows in another order are sorted here when
        few, else on the ``LAYOUT`` lane (:meth:`_sort_off_thread`; the rows on screen stay until then). Results
        on screen lose the photos that left the library since the last gallery (deleted, renamed, their folder
        removed)."""
        self._sorting += 1  # a sort on its way is stale: these rows are newer
        if prepared is None or prepared.order != self.order or prepared.source is not rows:
            if len(rows) > SORT_OFF_THREAD_FROM:
                self._sort_off_thread(rows)
                return
            with gc_paused(keep=True):
                prepared = sorted_gallery(rows, self.order)
        self._take_gallery(prepared)

    def _take_gallery(self, prepared: SortedGallery) -> None:
        """Show ``prepared`` (sorted in the order asked for), or keep it for Esc while results are on screen."""
        rows, before, previous = prepared.source, self._gallery_index, self.gallery
        with gc_paused(keep=True):  # 100k rows: their lookups, and the layout when they are on show
            self.gallery, self._gallery_index, self.unreadable = prepared.rows, prepared.index, prepared.unreadable
            self._gallery_order, self._since, self._pending = prepared.order, None, None
            self._sizes.flush()  # sizes read since its rows were
            if self.results_for is None:
                current = self.view.currentIndex()
                chosen = path_of(current) if current.isValid() else None
                self.model.set_rows(self.gallery, self._gallery_edge(), self._gallery_index)
                if chosen is not None and (row := self._gallery_index.get(chosen)) is not None:
                    self.view.make_current(row)  # the reset dropped the photo a person is on (and Details on it)
                self.grid_viewer.follow_rows()  # a photo being viewed may have left
        if self.results_for is not None and before:
            self._move_anchor(previous, before)
            self._drop_results_gone(before)
        if self.results_for is not None and rows is not previous and not self.model.rowCount():
            self.searcher.again()  # "nothing among 6 photos" said so of the library before
        # A replaced gallery is a few arrays (gui/gallery_rows.py): freed at once, no 1M objects to let go of.

    def _sort_off_thread(self, rows: Sequence[Row]) -> None:
        """Put a large gallery in ``self.order`` on the ``LAYOUT`` lane (a 1M-photo sort froze the window ~2 s);
        :meth:`_sorted` shows it if no newer gallery or order came meanwhile (``_sorting``); the status line says how
        far it is (:meth:`_sort_progress`)."""
        self._sizes.flush()  # the rows as the sort reads them; sizes handed on meanwhile are kept in ``_since``
        asked, order, self._since, self._pending = self._sorting, self.order, [], rows

        def work(report: Callable[[object], None], cancel: threading.Event) -> tuple[int, SortedGallery] | None:
            def stop() -> bool:  # ``_sorting`` read on the worker: an int, never torn
                return cancel.is_set() or asked != self._sorting

            steps = Steps(SORT_STEPS * len(rows), stop, lambda percent: report((asked, percent)))
            try:
                with gc_paused(keep=True):
                    return asked, sorted_gallery(rows, order, steps)
            except Stopped:  # a newer gallery or order, Esc, or the window closing: not waited for
                return None

        def connect(task: Task) -> None:
            task.signals.progress.connect(self._sort_progress)  # this object as receiver: nothing comes once gone
            task.signals.succeeded.connect(self._sorted)

        self._sort_progress((asked, None))
        self.view.runner.start(Lane.LAYOUT, work, connect)

    def _sort_progress(self, at: tuple[int, int | None]) -> None:
        """The status line says how far the latest sort is ("Sorting 1000000 photos by folder… 40 %"); under
        results the sort is not seen: their summary stays."""
        asked, percent = at
        if asked != self._sorting or self.results_for is not None or self._pending is None:
            return
        done = "" if percent is None else f" {percent} %"
        self.status.emit(f"Sorting {count(len(self._pending), 'photo')} {SORT_WORDS[self.order]}…{done}")

    def cancel_sort(self) -> bool:
        """Give up an order change in progress (Esc, or the order on show chosen again): the gallery stays as it is
        on screen, in its order; False when none was in progress (a new gallery's sort goes on: its rows are
        newer)."""
        if self._pending is None or self._pending is not self.gallery:
            return False
        self._sorting += 1  # the sort stops at its next step
        self._pending = self._since = None
        self.order = self._gallery_order
        self.order_changed.emit(self.order)
        return True

    def _sorted(self, out: tuple[int, SortedGallery] | None) -> None:
        """A gallery sorted on the ``LAYOUT`` lane: shown if it is still the latest asked for, keeping the photo
        looked at in its place, with the sizes handed on while it was sorted."""
        if out is None or out[0] != self._sorting:
            return
        since, self._since = self._since, None
        if self.results_for is None:
            self._show_in_order(out[1])
        else:
            self._take_gallery(out[1])
        for sizes in since or ():
            self.set_aspects(sizes)
        if self.results_for is None:
            self.gallery_shown.emit()  # the status line says the library's count again (not "Sorting…")

    def known_failures(self, skipped: Iterable[Skipped]) -> int:
        """How many of these photos that indexing could not read are gallery rows already saying why (every run
        skips them again: they are no change)."""
        index, gallery = self._gallery_index, self.gallery
        return sum(1 for s in skipped if (i := index.get(s.path)) is not None and gallery[i].error == s.reason)

    def _move_anchor(self, previous: Sequence[Row], before: Mapping[str, int]) -> None:
        """Esc goes back to where the gallery was: if the photo there left, the first one after it in the previous
        gallery that is still there takes its place; none: the top."""
        anchor, now = self._gallery_anchor, self._gallery_index
        if anchor is None or anchor[0] in now:
            return
        after = (previous[i].path for i in range(before.get(anchor[0], len(previous)), len(previous)))  # no 1M slice
        self._gallery_anchor = next(((path, anchor[1]) for path in after if path in now), None)

    def _drop_results_gone(self, before: Mapping[str, int]) -> None:
        """The results on screen whose photos are in gallery ``before`` but not the new one (only those: a result
        newer than both galleries stays): the core is asked where they are now (gui/result_renames.py)."""
        now = self._gallery_index
        gone = {r.path for r in self.model.rows() if r.path not in now and r.path in before}
        if gone:
            ask_where_now(self.submit, self.model.rows(), gone, self._known_at, self._follow_gone)

    def _follow_gone(self, asked: set[str], renamed: Sequence[Renamed]) -> None:
        """Results that left the gallery (``asked``), with those of them the core found ``renamed`` or moved: each
        of those is shown at its new path at its rank; one deleted with a named copy still in the gallery is shown
        at that copy instead (gui/result_copies.py), the others are taken out."""
        rows, now = self.model.rows(), self._gallery_index
        gone = {r.path for r in rows if r.path in asked and r.path not in now}  # still shown, still gone
        if self.results_for is None or not gone:
            return
        moved = renamed_rows(rows, renamed, now, self.gallery)
        copies = {**({} if self._filtered else stand_ins(rows, gone - moved.keys(), now, self.gallery)), **moved}
        kept = [copies.get(r.path, r) for r in rows if r.path not in gone or r.path in copies]
        # gone with copies not named, or a filtered search's (QA walk 9 #1): searched again, the core's choice
        others = other_copies if self._filtered else lambda r: r.also_more
        unnamed = {r.path: others(r) for r in rows if r.path in gone and r.path not in copies and others(r)}
        self.searcher.keep_hits({r.path for r in kept}, copies)
        self.model.set_rows(kept, RESULT_EDGE)
        said = [r for r in renamed if r.old in moved]
        self.grid_viewer.follow_rows({old: row.path for old, row in copies.items() if old not in moved}, unnamed, said)
        self.results_shown.emit(self.results_for or "", len(kept))
        if unnamed:
            self.searcher.refresh(back=len(unnamed))

    def set_aspects(self, aspects: dict[str, float]) -> None:
        """Photos' aspect ratios read since the gallery came (the timeline lays its rows out again)."""
        if self._since is not None:
            self._since.append(aspects)  # the gallery being sorted may have read its rows before these
        self._sizes.add(aspects)  # into the gallery's rows, a slice at a time
        self.view.set_aspects(aspects)  # the rows on show keep their selection: the model is not reset

    def _gallery_aspect(self, path: str) -> float | None:
        self._sizes.flush()
        i = self._gallery_index.get(path)
        return None if i is None else self.gallery[i].aspect

    def set_order(self, order: SortOrder) -> None:
        """Order the gallery by date taken (newest first) or by folder; results keep their rank order. A large
        gallery is sorted off this thread: the rows on screen stay until then (the status line says so); the
        order on show chosen again while another is being sorted gives that sort up."""
        if order == self.order and (self._pending is not None or order == self._gallery_order):
            return  # in this order already, or being sorted in it
        if order == self._gallery_order and self.results_for is None and self.cancel_sort():
            self.gallery_shown.emit()  # the status line says the library's count again (not "Sorting…")
            return
        self.order = order
        self._sorting += 1  # a sort on its way was for the other order
        rows = self._pending if self._pending is not None else self.gallery  # a new read being sorted is newer
        if self.results_for is not None or len(rows) > SORT_OFF_THREAD_FROM:
            self.set_gallery(rows)
            return
        with gc_paused(keep=True):
            self._show_in_order(sorted_gallery(self.gallery, order))

    def _show_in_order(self, prepared: SortedGallery) -> None:
        """Show the gallery in a new order: the photo looked at (the current one on screen, else the first on
        screen) stays where it is on screen, among its new neighbours, and the current photo stays current (the
        old scroll offset showed other photos)."""
        anchor, current = self.view.anchor(), path_of(self.view.currentIndex())
        self._gallery_order = prepared.order
        self.view.set_grouping(self._grouping(), relayout=False)  # the rows that follow are laid out once
        self._take_gallery(prepared)
        if current and (row := self.model.row_of(current)) is not None:
            self.view.make_current(row)
        if anchor is None:
            self.view.scrollToTop()
        self.view.scroll_to_anchor(anchor)

    def _grouping(self) -> Grouping:
        """The gallery's headers: its rows' order (a large gallery shows the previous order until sorted)."""
        return Grouping.FOLDER if self._gallery_order == SortOrder.FOLDER else Grouping.DATE

    def show_results(self, label: str, searched: Searched) -> None:
        if self.results_for is None:
            self._gallery_anchor = self.view.anchor()
            self._gallery_current = path_of(self.view.currentIndex()) or None
        # "Show more" adds results below those shown: the view and its current result stay (a new query: the top).
        # Searched again when indexing ended (``refreshed``): the same, the photo a person is on and the place kept.
        more = (searched.more or searched.refreshed) and self.results_for is not None and self.model.rowCount() > 0
        place, current = (self.view.anchor(), path_of(self.view.currentIndex())) if more else (None, "")
        self.results_for, self._known_at = label, time.time()  # when its files were read at their paths
        self._filtered = searched.result.filtered  # a copy standing in must pass its filters: searched again
        # a score only where it means something: not for lists by filters alone or hits their words put there
        words = searched.result.found_by_words()
        rows = [result_row(h, searched.result.scored and h.file_id not in words) for h in searched.result.hits]
        self.model.set_rows([r._replace(aspect=self._gallery_aspect(r.path)) for r in rows], RESULT_EDGE)
        # Rank order without headers; results newest first (sort:date, a query of filters alone) are a slice of the
        # timeline: date headers and the scrubber. After the rows: they are few to lay out again.
        self.view.set_grouping(Grouping.DATE if searched.result.by_date else Grouping.RANKED)
        reason = searched.empty_reason()
        if reason is None:
            self.stack.setCurrentWidget(self.view)
            if more and (row := self.model.row_of(current)) is not None:
                self.view.make_current(row)
                self.view.scroll_to_anchor(place)
            else:
                self.view.scrollToTop()
                self.view.setCurrentIndex(self.model.index(0))
        else:  # the grid itself says why it is empty
            closest, suggestions = searched.result.more > 0, searched.result.suggestions
            install = bool(searched.result.model_note)  # the demo knows colours only: Install model…
            self.empty.show_reason("Nothing shown for", label, reason, closest, suggestions, install)
            self.stack.setCurrentWidget(self.empty)
        self.results_shown.emit(label, self.model.rowCount())

    def show_refused(self, label: str, message: str) -> None:
        """A query that could not run, while results are shown: the grid says why instead of keeping the previous
        query's results as if they answered it (Esc: the gallery). Over the gallery, the gallery stays; the status
        line says why."""
        if self.results_for is None:
            return
        self.results_for = label
        self.model.set_rows([], RESULT_EDGE)
        self.empty.show_reason("Cannot search for", label, message.rstrip(".") + ".", closest=False)
        self.stack.setCurrentWidget(self.empty)
        self.results_shown.emit(label, 0)

    def reset(self) -> None:
        """Back to the whole gallery (Esc, an empty search box, or the query `reset`)."""
        if self.results_for is None:
            return
        self.results_for = None
        self.searcher.clear()
        self.box.clear()
        self.view.set_grouping(self._grouping())  # before the rows: the results are few to lay out again
        self._sizes.flush()
        self.model.set_rows(self.gallery, self._gallery_edge(), self._gallery_index)
        anchor = self._gallery_anchor
        if anchor is None:
            self.view.scrollToTop()
        # The photo current before the search is again (if it left: the one at the place the gallery goes back to).
        for path in (self._gallery_current, anchor[0] if anchor else None):
            if path is not None and (row := self.model.row_of(path)) is not None:
                self.view.make_current(row)
                break
        self.view.scroll_to_anchor(anchor)  # where the gallery was
        if self.stack.currentWidget() is self.empty:
            self.stack.setCurrentWidget(self.view)
        self.gallery_shown.emit()

    def escape(self) -> None:
        """Esc: back to the gallery from results, else clear text never searched; the grid takes the focus,
        so keys like `/` work again."""
        if self.results_for is not None:
            self.reset()
        else:  # the gallery is on show: text never searched, a search on its way, the last query's error, an order
            self.cancel_sort()  # change in progress go
            self.box.clear()
            self.searcher.clear()
            self.gallery_shown.emit()  # the status line says the library's count again
        page = self.stack.currentWidget()
        if page is self.view or page is self.empty:
            page.setFocus()
        else:
            self.box.clearFocus()

    def find_similar(self, path: str) -> None:
        """Search with a photo as the query: the search box shows its thumbnail (the query holds its path)."""
        self.box.set_reference(path, self._icon(path))
        self.box.setText("")
        self.searcher.search(self.box.query())

    def _icon(self, path: str) -> QIcon:
        """The photo's thumbnail as an icon (the grid shows it, so it is usually in memory already)."""
        # kept asked for: no view paints this photo again, so a plain request waiting behind the grid's went stale
        pixmap = self.model.thumbnails.pixmap(path, self.model.edge, keep=True)
        if pixmap is None:  # not made yet: the box gets it when it is
            thumbnails = self.model.thumbnails

            def arrived(ready: str) -> None:
                if ready == path and self.box.reference == path:
                    done = thumbnails.pixmap(path, self.model.edge)
                    if done is not None:
                        self.box.set_reference_icon(QIcon(done))
                        thumbnails.ready.disconnect(arrived)

            thumbnails.ready.connect(arrived)
            return QIcon()
        return QIcon(pixmap)

    # -- opening, copying ----------------------------------------------------------

    def open_index(self, index: QModelIndex) -> None:
        path = path_of(index)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        """Open a photo or folder with the system's application; say so when there is none."""
        if not QDesktopServices.openUrl(file_url(path)):
            self.status.emit(f"No application is set up to open {path}")

    def copy_text(self, path: str) -> None:
        """Put the words read in the photo on the clipboard (read now, in the background, if not read yet)."""
        if self.submit is None:
            return

        def copied(text: object) -> None:
            words = str(text)
            QGuiApplication.clipboard().setText(words)
            name = os.path.basename(path)
            self.status.emit(f"Copied the text of {name}" if words else f"No text found in {name}")

        self.submit(
            lambda services: services.photo_text(path).text,
            copied,
            lambda message: self.status.emit(f"Copy text: {message}"),
        )

    def copy_selection(self) -> None:
        """Edit ▸ Copy (Ctrl+C in the grid): the selected photos, else the current one, as files a file manager
        pastes, and as their paths, one per line (a name a Qt string cannot hold shows "�" there; its URL keeps
        the bytes)."""
        rows = sorted({i.row() for i in self.view.selectionModel().selectedIndexes()})
        current = self.view.currentIndex()
        paths = [path_of(self.model.index(r, 0)) for r in rows] or ([path_of(current)] if current.isValid() else [])
        if not paths:
            return
        mime = QMimeData()
        mime.setUrls([file_url(p) for p in paths])
        mime.setText("\n".join(p if fits_text(p) else readable(p) for p in paths))
        QGuiApplication.clipboard().setMimeData(mime)
        self.status.emit(f"Copied {count(len(paths), 'photo')}: paste them in a file manager")
