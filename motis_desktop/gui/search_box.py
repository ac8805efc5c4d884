"""The search box and the search flow: query language tooltip, photo drops, queued queries, search as you pause.

``SearchBox`` is the line edit: its tooltip documents the query syntax, a photo
file dropped on it becomes an image term, and when searching is fast enough it
asks for a search 300 ms after typing stops. ``SearchController`` runs queries
through the backend (core ``Services.query``): a query given while the model is
still loading is kept (the last one wins) and run once the model is ready;
results that arrive for an older query are dropped; "show N more" asks again
for the top (shown + N) without the cut-off.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import QLineEdit, QToolButton

from motis_desktop.core.formatting import count
from motis_desktop.core.services import IMAGE_SUFFIXES, SYNTAX_HELP, QueryResult, SearchHit
from motis_desktop.gui.demo_hints import placeholder_for, with_model_note
from motis_desktop.gui.library_model import Row
from motis_desktop.gui.local_files import fits_text, local_path, readable
from motis_desktop.gui.locked_notes import locked_sentences, with_locked
from motis_desktop.gui.result_copies import hit_at
from motis_desktop.gui.texts import SEARCH_PLACEHOLDER, query_words

PAUSE_MS = 300  # search this long after typing stops ...
INSTANT_MAX_S = 0.050  # ... when the last query took at most this long


def quote_path(path: str) -> str:
    """A file path as a query token."""
    return f'"{path}"'


class SearchBox(QLineEdit):
    """The query line: syntax tooltip, image drops, and a pause timer for search-as-you-type."""

    submitted = Signal(object)
    """Emitted with a query to run (Enter, a drop, or a pause in typing): a str, sent as a Python object, as its
    photo's path may hold bytes a Qt string would drop (``local_files``)."""
    reference_dropped = Signal(object)
    """Emitted with the path (str) of a dropped photo that became the box's photo (its name does not fit the box's
    text), before its search: its thumbnail is the owner's to give (``set_reference_icon``)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setClearButtonEnabled(True)
        self.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.setToolTip("<pre>" + SYNTAX_HELP.replace("&", "&amp;").replace("<", "&lt;") + "</pre>")
        self.instant = False  # search on pause; the controller turns it on when queries are fast
        self.pause = QTimer(self)
        self.pause.setSingleShot(True)
        self.pause.setInterval(PAUSE_MS)
        self.pause.timeout.connect(lambda: self.submitted.emit(self.query()) if self.text().strip() else None)
        self.returnPressed.connect(self._enter)
        self.textEdited.connect(self._edited)  # typed by the user, not set by code
        self.reference: str | None = None  # Find similar's photo, shown as its thumbnail at the left
        self._reference_action: QAction | None = None

    def query(self) -> str:
        """The query the box stands for: the reference photo (if any) as an image term, then the text."""
        text = self.text().strip()
        if self.reference is None:
            return text
        term = quote_path(self.reference)
        if not text:
            return term
        return f"{term} {text}" if text[0] in "+-" else f"{term} + {text}"

    def set_reference(self, path: str | None, icon: QIcon | None = None) -> None:
        """Show ``path`` as the query's photo (its thumbnail, not its path); None removes it."""
        if self._reference_action is not None:
            self.removeAction(self._reference_action)
            self._reference_action = None
        self.reference = path
        if path is not None:
            action = self.addAction(icon or QIcon(), QLineEdit.ActionPosition.LeadingPosition)
            action.setObjectName("referencePhoto")
            action.setToolTip(f"Photos similar to {readable(path)}\nClick to remove")
            action.triggered.connect(self._drop_reference)
            self._reference_action = action

    def set_reference_icon(self, icon: QIcon) -> None:
        if self._reference_action is not None:
            self._reference_action.setIcon(icon)

    def _drop_reference(self) -> None:
        self.set_reference(None)
        self.submitted.emit(self.query())

    def clear(self) -> None:
        """Empty the box, the reference photo included."""
        self.set_reference(None)
        super().clear()

    def _enter(self) -> None:
        self.pause.stop()
        self.submitted.emit(self.query())

    def _edited(self, text: str) -> None:
        if self.instant and text.strip():
            self.pause.start()
        else:
            self.pause.stop()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _image_files(event):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event: Any) -> None:
        if _image_files(event):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        files = _image_files(event)
        if not files:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        for path in files:
            if not fits_text(path):  # the box's text would lose bytes of its name: it becomes the box's photo
                self.set_reference(path)
                self.reference_dropped.emit(path)
                continue
            current = self.text().strip()
            self.setText(f"{current} + {quote_path(path)}" if current else quote_path(path))
        self._enter()


def _image_files(event: Any) -> list[str]:
    urls = event.mimeData().urls() if event.mimeData() is not None else []
    paths = [local_path(url) or "" for url in urls]
    return [path for path in paths if os.path.isfile(path) and os.path.splitext(path)[1].lower() in IMAGE_SUFFIXES]


class SearchController(QObject):
    """The one owner of submitting a query: Enter, a drop, a pause in typing, Find similar and "reset" all
    come here. Runs queries in the backend, queues one while the model loads, offers "show N more".

    Signals:
        started: Emitted with the query text each time a query is sent to the backend (one per Enter).
        results: Emitted with the query text and its ``Searched`` outcome.
        refused: Emitted with the query text and why it could not run (e.g. a date filter that is not a date).
        reset_requested: Emitted when the box asks for the gallery (empty, or the word ``reset``).
        status: Emitted with a line for the status bar.
        more_changed: Emitted with how many more results "show more" offers (0: hide it).
    """

    started = Signal(str)
    results = Signal(str, object)
    refused = Signal(str, str)
    reset_requested = Signal()
    status = Signal(str)
    more_changed = Signal(int)

    def __init__(self, submit: Callable[..., object], box: SearchBox, page: Callable[[], int]) -> None:
        """``submit(fn, on_done, on_error)`` runs ``fn(services)`` in the background; ``page()`` is how many
        more results one "show more" adds (the top-K setting)."""
        super().__init__(box)
        self._submit = submit
        self.box = box
        self._page = page
        self.ready = False
        self.unavailable: str | None = None  # why searching is impossible (no model, model failed)
        self.pending: str | None = None  # the query typed while the model was loading
        self.shown: Searched | None = None
        self.notice: str | None = None  # the last query's error, kept until the next query
        self._seq = 0
        self._answered = 0  # the last search whose answer came: one with a lower number than _seq is on its way
        self.indexing = False  # an indexing run goes: a search says how many photos it could search (``partial``)
        box.submitted.connect(self.submit)  # the box's only listener

    def follow(self, indexing: Any) -> None:
        """Follow ``indexing`` (the window's ``IndexingController``): a search during a run says it searched only the
        photos indexed so far, and results shown that way are searched again when the run ends (QA walk 6: they
        stayed partial, unsaid, until Enter was pressed again)."""
        indexing.started.connect(lambda: setattr(self, "indexing", True))
        indexing.stopped.connect(self._indexing_stopped)

    def _indexing_stopped(self) -> None:
        self.indexing = False
        if self.shown is not None and self.shown.partial is not None:
            self.refresh()

    def refresh(self, back: int = 0) -> None:
        """Search the query on show again, keeping the current photo and the place: as many results as shown
        (``back``: and this many more, results dropped that the search will find again)."""
        shown = self.shown
        if shown is None or not self.ready or self.pending is not None:
            return
        if self._answered == self._seq:  # not while a newer search is on its way: that one is the user's
            limit = len(shown.result.hits) + back if shown.more else None
            self._run(shown.text, limit, cutoff=not shown.more, refresh=True)

    def waiting_message(self) -> str | None:
        """The status line while a queued query waits for the model, or the last query's error."""
        if self.pending is None:
            return self.notice
        return f"Getting the model ready — will search for {query_words(self.pending)} as soon as it is ready"

    def submit(self, text: str) -> None:
        """What the search box asked for: the gallery (empty or ``reset``), or a search."""
        text = text.strip()
        if not text or text.lower() == "reset":
            self.pending = None
            self.box.clear()
            self.reset_requested.emit()
            return
        self.search(text)

    def search(self, text: str) -> None:
        """Run ``text`` now, or keep it for when the model is ready."""
        text = text.strip()
        if not text:
            return
        if self.unavailable is not None:
            self.notice = self.unavailable
            self.status.emit(self.notice)
            return
        if not self.ready:
            self.pending = text
            self.status.emit(self.waiting_message() or "")
            return
        self._run(text, None, cutoff=True)

    def model_ready(self) -> None:
        """The model has loaded: say what it can search for, and run the query that was waiting for it, if any."""
        self.ready, self.unavailable = True, None
        # the demo's colour example (gui/demo_hints.py); an answer after a switch began is the next model's to give
        self._submit(
            placeholder_for, lambda text: self.box.setPlaceholderText(text) if self.ready else None, lambda _m: None
        )
        if self.pending is not None:
            text, self.pending = self.pending, None
            self._run(text, None, cutoff=True)

    def model_loading(self) -> None:
        self.ready, self.unavailable = False, None

    def model_unavailable(self, why: str) -> None:
        """No model can search (none installed, or it failed to load): ``why`` is said instead."""
        self.ready, self.unavailable, self.pending = False, why, None

    def show_more(self) -> None:
        """Extend the shown results by one page, without the cut-off (also "Show the closest anyway")."""
        if self.shown is None or not self.shown.result.more:
            return
        limit = len(self.shown.result.hits) + min(self._page(), self.shown.result.more)
        self._run(self.shown.text, limit, cutoff=False)

    def again(self) -> None:
        """Run the query on show again (the library changed under a search that found nothing: its reason and
        counts were the library's before)."""
        # not while a search is on its way: the user's newer query would be dropped as stale and the old one shown
        if self.shown is not None and self.ready and self.pending is None and self._answered == self._seq:
            self._run(self.shown.text, None, cutoff=True)

    def clear(self) -> None:
        """Forget the query on show, its error, and results still on their way."""
        self.shown = None
        self.notice = None
        self._seq += 1  # results still on their way are for a query the user left
        self.more_changed.emit(0)

    def _run(self, text: str, limit: int | None, cutoff: bool, refresh: bool = False) -> None:
        """Search in the background; ``refresh``: the results on show again, keeping the current photo and place."""
        self.notice = None
        self._seq += 1
        seq = self._seq
        self.status.emit(f"Searching for {query_words(text)}…")
        self.started.emit(text)
        indexing = self.indexing

        def work(services: Any) -> Searched:
            started = time.perf_counter()
            result = services.query(text, limit=limit, cutoff=cutoff)
            elapsed = time.perf_counter() - started
            covered = searched_photos(services) if indexing else None
            return Searched(text, result, elapsed, more=limit is not None, partial=covered, refreshed=refresh)

        self._submit(work, lambda out: self._done(seq, out), lambda msg: self._failed(seq, text, msg))

    def _done(self, seq: int, searched: Searched) -> None:
        # Search as you pause only where a query is quick at this library size.
        self.box.instant = searched.elapsed_s <= INSTANT_MAX_S
        if seq != self._seq:
            return
        self._answered = seq
        self.shown = searched
        result = searched.result
        self.results.emit(searched.text, searched)
        # No hits: the grid's own "Show the closest anyway" offers them; the status bar does not repeat it.
        self.more_changed.emit(min(self._page(), result.more) if result.hits else 0)

    def keep_hits(self, paths: set[str], copies: Mapping[str, Row] | None = None) -> None:
        """The shown results lost the photos not in ``paths`` (they left the library): counts say what is left;
        ``copies``: those shown at a copy now (their path → the copy's row, gui/result_copies.py)."""
        shown = self.shown
        if shown is not None:
            copies = copies or {}
            hits = [hit_at(copies[h.path], h) if h.path in copies else h for h in shown.result.hits]
            hits = [h for h in hits if h.path in paths]
            self.shown = replace(shown, result=replace(shown.result, hits=hits))

    def _failed(self, seq: int, text: str, message: str) -> None:
        if seq == self._seq:
            self._answered = seq
            self.shown = None  # the grid no longer shows the previous query's results
            self.notice = f"Search: {message}"
            self.refused.emit(text, message)
            self.more_changed.emit(0)
            self.status.emit(self.notice)


@dataclass(frozen=True)
class Searched:
    """One query's outcome as the window shows it."""

    text: str
    result: QueryResult
    elapsed_s: float
    more: bool = False  # "Show more" of the results shown (they are the first of these)
    partial: tuple[int, int] | None = None  # (searched, photos): an indexing run had not encoded them all yet
    refreshed: bool = False  # the results on show searched again (indexing ended): the grid keeps its place

    def empty_reason(self) -> str | None:
        """Why nothing is shown, in plain words; None when there are results."""
        result = self.result
        if result.hits:
            return None
        if result.cancelled:
            return "The terms cancel each other out, so there is nothing to search for. Remove a “- …” term."
        reason = self._reason()
        if result.locked and locked_sentences(result.locked) not in reason:  # their photos are left out (QA walk 7)
            reason += " " + locked_sentences(result.locked)
        if self.partial is not None:
            searched, photos = self.partial
            reason += f" Searched {searched} of {count(photos, 'photo')} — indexing continues; this search runs again"
            reason += " when it has finished."
        return reason

    def _reason(self) -> str:
        result = self.result
        if result.filtered_out and result.text_unread:
            return (
                f"No photo passes the filters ({' '.join(result.filtered_out)}) yet: the text of "
                f"{count(result.text_unread, 'photo')} is not read yet. "
                "Try again once “Reading text in photos” is done."
            )
        if result.filtered_out and result.offline:  # the likeliest reason: the folder filtered for is unplugged
            return f"No photo passes the filters ({' '.join(result.filtered_out)}). " + offline_reason(result.offline)
        if result.filtered_out and result.locked:  # the likeliest reason: the folder filtered for cannot be opened
            return f"No photo passes the filters ({' '.join(result.filtered_out)}). " + locked_sentences(result.locked)
        if result.filtered_out:
            said = result.folder_hint or result.date_span_words()
            hint = said and f" {said[0].upper()}{said[1:]}"
            hint += "" if hint.endswith("?") or not hint else "."
            hint += "".join(f" {s.sentence()}" for s in result.suggestions)  # "Did you mean invoice (2 photos)?"
            advice = "" if hint.endswith("?") else " Widen or remove them."  # after a question it refers to nothing
            return f"No photo passes the filters ({' '.join(result.filtered_out)}).{hint}{advice}"
        if result.offline:  # the likeliest reason: a drive unplugged
            return offline_reason(result.offline)
        if result.candidates == 0:
            return "No photos are indexed yet: add a folder and wait for indexing to finish."
        lines = [s.sentence() for s in result.suggestions] + ([f"{result.model_note}."] if result.model_note else [])
        return (
            f"Among the {count(result.candidates, 'photo')} none stand out for this search"
            " (they all score about the same), so none were kept."
        ) + "".join(f" {line}" for line in lines)  # "Did you mean …?", the demo's "knows colour words only"


def offline_reason(folders: tuple[str, ...]) -> str:
    """Why photos of ``folders`` (out of reach now) are not shown, in plain words."""
    names = ", ".join(readable(os.path.basename(f) or f) for f in folders)
    if len(folders) == 1:
        return f"The folder “{names}” is offline (unplugged or moved?). Its photos show again once it is back."
    return f"{len(folders)} folders are offline ({names}). Their photos show again once they are back."


def result_row(hit: SearchHit, scored: bool = True) -> Row:
    """A grid row for a search hit, with its date and (``scored``) its score."""
    score = hit.score if scored else None
    row = Row(hit.file_id, hit.path, None, score, hit.date_source, hit.taken_at, hit.matches)
    return row._replace(also_at=hit.also_at, also_more=hit.also_more_words) if hit.also_at else row


def searched_photos(services: Any) -> tuple[int, int] | None:
    """(photos the active model has encoded, photos it can encode) while it has not encoded them all (on the
    library lane, during an indexing run): a search then looks at the first only."""
    counts = services.counts(services.model_info().model_id)
    photos = counts["files"] - counts["errors"]
    return (counts["indexed"], photos) if counts["indexed"] < photos else None


def result_summary(searched: Searched) -> str:
    """The status line for a result set (while indexing, how many photos it could search)."""
    line = with_model_note(with_locked(_summary(searched), searched.result.locked), searched.result)
    if searched.partial is None or searched.result.cancelled:
        return line
    searched_now, photos = searched.partial
    partial = f"searched {searched_now} of {count(photos, 'photo')} — indexing continues"
    return line.replace(" — Esc to go back", f" ({partial}) — Esc to go back")


def _summary(searched: Searched) -> str:
    text, result = query_words(searched.text), searched.result
    n = len(result.hits)
    if result.cancelled:
        return f"Nothing to search for in {text}: the terms cancel out"
    if not n and result.offline:
        folders = count(len(result.offline), "folder")
        return f"Nothing shown for {text}: {folders} offline — Esc to go back"
    if not n and result.filtered_out:
        return f"No photo passes the filters of {text} — Esc to go back"
    if not n and result.candidates == 0:
        return f"Nothing shown for {text}: no photos indexed yet — Esc to go back"
    if not n:
        return f"No good matches for {text} among {count(result.candidates, 'photo')} — Esc to go back"
    if result.subtracts_only:  # "-red": the photos least like red first; none of them stands out for anything
        return f"{count(n, 'photo')} unlike what {text} subtracts, least like it first — Esc to go back"
    cut = (" that stands out" if n == 1 else " that stand out") if result.cutoff is not None else ""
    return f"{count(n, 'result')}{cut} for {text} — Esc to go back"


def make_more_button(controller: SearchController) -> QToolButton:
    """The "show N more" control; hidden while there is nothing more to show."""
    button = QToolButton()
    button.setObjectName("showMore")
    button.hide()
    button.clicked.connect(controller.show_more)

    def update(n: int) -> None:
        button.setText(f"Show {n} more")
        button.setToolTip("Results below the relevance cut-off, best first")
        button.setVisible(n > 0)

    controller.more_changed.connect(update)
    return button
