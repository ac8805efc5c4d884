"""A photo still being copied in, said on the window's status line (lead's note: ``motis watch`` printed "waiting for
…/IMG_1.jpg to finish copying…" and the window said nothing while the photo stayed out of the gallery).

The watcher says when it waits for a photo's copy to end (``core/library/settling.py``, ``CopyWait.WAITING``, once) and
when it gives the wait up (``GAVE_UP``); :class:`CopyWaits` keeps those photos and puts one part on the status line
after its note, "waiting for IMG_1.jpg to finish copying…" (``StatusLine.copying``): said once, kept through the runs
that index the photos beside it — not repeated in their outcome — and gone when the photo is indexed (the first run
that began after its copy ended, not cancelled, and did not find it still growing) or its wait is given up.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject

from motis_desktop.core.formatting import count
from motis_desktop.core.kinds import CopyWait
from motis_desktop.core.services import IndexSummary
from motis_desktop.gui.indexing import IndexingController
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.status_line import StatusLine
from motis_desktop.gui.watching import FolderWatching


class CopyWaits(QObject):
    """The photos the window's watcher waits for, on the status line (see the module's docstring)."""

    def __init__(self, watching: FolderWatching, indexing: IndexingController, status_line: StatusLine) -> None:
        super().__init__(watching)
        self.watching, self.status_line = watching, status_line
        self.waiting: dict[str, None] = {}  # the photos said waited for, in the order said
        self.copied: set[str] = set()  # of them, those whose copy had ended when the latest run began
        watching.writing.connect(self._heard)
        indexing.started.connect(self._run_started)
        indexing.finished.connect(self._run_ended)

    def _heard(self, path: str, wait: object) -> None:
        if wait is CopyWait.WAITING:
            self.waiting[path] = None
        else:  # given up: read as it is by the run its folder's report starts (its outcome says what came of it)
            self.waiting.pop(path, None)
        self._show()

    def _run_started(self) -> None:
        """A run's scan reads whole the photos whose copy has ended by now."""
        still = self.watching.being_written()
        self.copied = {path for path in self.waiting if path not in still}

    def _run_ended(self, summary: IndexSummary) -> None:
        if summary.cancelled or not self.copied:
            return
        for path in self.copied - set(summary.still_written):  # still growing when read: the next run reads it
            self.waiting.pop(path, None)
        self.copied = set()
        self._show()

    def _show(self) -> None:
        self.status_line.copying = copying_words(list(self.waiting))
        self.status_line.update()


def copying_words(paths: list[str]) -> str:
    """ "waiting for IMG_1.jpg to finish copying…" ("… and 2 more photos …"); "" for none."""
    if not paths:
        return ""
    more = f" and {count(len(paths) - 1, 'more photo')}" if len(paths) > 1 else ""
    return f"waiting for {readable(os.path.basename(paths[0]))}{more} to finish copying…"
