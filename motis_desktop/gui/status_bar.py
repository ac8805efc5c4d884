"""The window's status bar: a status line, indexing progress with Cancel, skipped files, the model."""

from __future__ import annotations

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QLabel, QProgressBar, QSizePolicy, QStatusBar, QToolButton, QWidget

from motis_desktop.core.errors import LibraryWriteError, WriteProblem
from motis_desktop.core.formatting import (
    copies_words,
    count,
    format_duration,
    locate_words,
    unreadable_words,
    went_away_words,
)
from motis_desktop.core.services import IndexSummary, Progress, ProgressPhase, Skipped
from motis_desktop.gui.elided_label import ElidedLabel
from motis_desktop.gui.skipped_dialog import PathActions, SkippedDialog

STOP_INDEXING = "Stop indexing (work done so far is kept)"  # Cancel's tooltip, unless the lane's job says its own


class StatusBar(QStatusBar):
    """Shows what the window reports; holds no state of the library itself.

    Signals:
        cancel_requested: Emitted when the user presses Cancel during indexing.
    """

    cancel_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, paths: PathActions | None = None, asked: SignalInstance | None = None
    ) -> None:
        """``asked``: a signal with a path (or "") that opens Skipped… too (the timeline's unreadable files)."""
        super().__init__(parent)
        self.paths = paths  # Skipped…'s Reveal in folder and Copy path: the Photo menu's owner
        self.label = ElidedLabel()
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.model_label = ElidedLabel()  # a model imported under a long name is cut, never widens the window
        self.model_label.setText("Model: loading…")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.progress_label = QLabel()
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip(STOP_INDEXING)
        self.cancel_button.clicked.connect(self.cancel)
        self.skipped_button = QToolButton()
        self.skipped_button.setText("Skipped…")
        self.skipped_button.clicked.connect(lambda: self.show_skipped())
        if asked is not None:
            asked.connect(self.show_skipped)
        for widget in (self.progress, self.progress_label, self.cancel_button, self.skipped_button):
            widget.hide()
        self.addWidget(self.label, 1)
        self.addPermanentWidget(self.skipped_button)
        self.addPermanentWidget(self.progress_label)
        self.addPermanentWidget(self.progress)
        self.addPermanentWidget(self.cancel_button)
        self.addPermanentWidget(self.model_label)
        self.skipped: list[Skipped] = []  # what the last run could not read or left out (Skipped…)
        self.skipped_dialog: SkippedDialog | None = None
        self.wait: tuple[str, str] | None = None  # what waits for another process's run, and what Cancel stops

    def set_text(self, text: str) -> None:
        self.label.setText(text)

    def set_model_text(self, text: str) -> None:
        self.model_label.setText(text)

    def warn_privacy(self, warning: str | None) -> None:
        """Other users can read the library: said while the app runs (``warning`` in the tooltip), not fixed."""
        if warning:
            privacy = QLabel("Library readable by other users")
            privacy.setObjectName("privacyWarning")
            privacy.setToolTip(warning)
            self.addPermanentWidget(privacy)

    def search_only(self, problem: LibraryWriteError) -> None:
        """The library can only be read here: one note for the session, why (its path once) in its tooltip."""
        full = problem.kind is WriteProblem.DISK_FULL
        note = QLabel("Disk full: search only" if full else "Read-only library: search only")
        note.setObjectName("searchOnly")
        need = "free space on that disk" if full else "write access"
        note.setToolTip(f"{problem.detail}.\nSearching works; indexing and changes to the library need {need}.")
        self.addPermanentWidget(note)

    # -- indexing ------------------------------------------------------------------

    def indexing_started(self, stops: str | None = None) -> None:
        """A run of the indexing lane began; ``stops``: what Cancel stops, for its tooltip (a job's own words: a move
        checks the moved folder, ``folder_move_run.py``), else indexing."""
        self.progress.setRange(0, 0)
        self.progress_label.setText("Scanning folders…")
        self.cancel_button.setToolTip(stops or STOP_INDEXING)
        self.wait = None
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.show()

    def waiting(self, words: str | None, stops: str = "") -> None:
        """Work of the indexing lane waits for another process's run: a busy bar with ``words`` and a Cancel that
        stops the wait (``stops``, its tooltip), until a run starts; None: the wait is over."""
        self.wait = (words, stops) if words else None
        self.indexing_stopped()

    def _show_wait(self, words: str, stops: str) -> None:
        self.indexing_started(stops)
        self.wait = (words, stops)
        self.progress_label.setText(words)

    def indexing_progress(self, p: Progress) -> None:
        if p.phase is ProgressPhase.SCAN:
            self.progress.setRange(0, 0)
            self.progress_label.setText(f"Scanning folders {p.done}/{p.total}…")
            return
        # this run's work, as ``motis index`` counts it: with the photos indexed before (QA: "7268/7596" for 600
        # new photos in a library of 7,000) the bar started at 96 %
        self.progress.setRange(0, max(p.total, 1))
        self.progress.setValue(p.done)
        self.progress.setFormat(f"{p.done}/{p.total}")
        if p.phase is ProgressPhase.CHECK:  # the scan hashes files whose time alone changed (core/library/retimed.py)
            what = f"Checking {count(p.total, 'changed file')}…"
            self.progress_label.setText(what + pace(p, f"{p.rate:.0f} files/s"))
            return
        if p.phase is ProgressPhase.LOCATE:  # Settings ▸ Locate…'s move checks photos with another time
            what = locate_words(p.done, p.total)
            self.progress_label.setText(f"{what[0].upper()}{what[1:]}" + pace(p, f"{p.rate:.0f} photos/s"))
            return
        what = "Reading text in photos" if p.phase is ProgressPhase.TEXT else "Indexing"
        self.progress_label.setText(what + pace(p, f"{p.rate:.1f} photos/s"))

    def indexing_stopped(self) -> None:
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.hide()
        if self.wait is not None:  # the run ended to wait for another process's (``waiting``)
            self._show_wait(*self.wait)

    def indexing_finished(self, summary: IndexSummary) -> str | None:
        """Remember the skipped files and return the one-line outcome of a run that did work; None for a
        pass that found nothing to do (its caller says nothing new since the last run that did work)."""
        self.skipped = list(summary.skipped)
        self.skipped_button.setVisible(bool(self.skipped))
        if not (
            summary.cancelled
            or summary.encoded
            or summary.renamed
            or summary.copied
            or summary.returned
            or summary.removed
            or unread_anew(summary)
            or summary.went_away
            or summary.moved
            or summary.dropped
        ):
            return None
        verb = "indexing cancelled" if summary.cancelled else "library up to date"
        words = outcome_words(summary)
        return f"{verb}: {words}" if words else verb

    def cancel(self) -> None:
        """Cancel, by its button (or Esc for a move, ``folder_move_run.py``): ``cancel_requested``."""
        self.progress_label.setText("Cancelling…")
        self.cancel_requested.emit()

    def show_skipped(self, path: str = "") -> None:
        """Skipped…: the files the last run could not read, and what its scan left out, each group counted; the
        line of ``path`` selected (a broken tile clicked in the gallery)."""
        self.skipped_dialog = SkippedDialog(self.skipped, self.paths, self.window())
        if path:
            self.skipped_dialog.select(path)
        self.skipped_dialog.open()


def outcome_words(summary: IndexSummary) -> str:
    """What a run did, in a photo app's words, leaving out what did not happen: "6 photos indexed, 1 removed"."""

    def photos(n: int) -> str:
        return count(n, "photo")

    parts = [move.words for move in summary.moved]  # a library folder renamed and added again: one folder
    # files that could not be read before are not "photos indexed" or "removed" (QA walk 9 #8): said apart below
    encoded, removed = summary.encoded - summary.repaired, summary.removed - summary.unreadable_removed
    if encoded:
        parts.append(f"{photos(encoded)} indexed")  # new or changed
    if summary.renamed:
        parts.append(f"{summary.renamed if parts else photos(summary.renamed)} moved or renamed")
    if summary.copied:  # their twins' vectors, dates and text: nothing was read again
        parts.append(copies_words(summary.copied))
    if summary.returned:  # photos that left the library lately and came back: what was kept of them
        parts.append(f"{photos(summary.returned)} already indexed before")
    if removed:
        parts.append(f"{removed if parts else photos(removed)} removed")
    parts += unreadable_words(summary.repaired, summary.unreadable_removed)  # replaced by a whole file, or deleted
    if new := unread_anew(summary):  # those earlier runs could not read are in Skipped…, not news again
        parts.append(f"{count(new, 'file')} could not be read")  # files: none of them is a photo the app can show
    for folder, n in summary.went_away.items():  # not broken files: read once the folder is back
        parts.append(went_away_words(folder, n))
    # the core's words: an offline folder's photos waiting for this model, photos of a folder removed meanwhile
    parts += [words for words in (summary.waiting_words, summary.dropped_words) if words]
    return ", ".join(parts)


def pace(p: Progress, rate: str) -> str:
    """The " · 12.5 photos/s · ETA 00:40" once there is a rate: nothing before the first item is done (QA walk 9 #8:
    "Indexing · 0.0 photos/s · ETA --:--" for the 3 s a single photo took)."""
    return f" · {rate} · ETA {format_duration(p.eta_s)}" if p.done and p.rate > 0 else ""


def unread_anew(summary: IndexSummary) -> int:
    """Files of the library this run could not read and no earlier run reported. Not what the scan left out (a
    broken link, a link loop, a folder it cannot list: no file of the library, the same on every run), which
    Skipped… lists apart."""
    return sum(1 for s in summary.new_skipped if s.in_library)
