"""The status line's words: the photo count and what indexing did last, or the results on show.

:class:`StatusLine` keeps what indexing is doing or did (the note after the photo count: a run that did work says
what it did, one that found nothing new says so and since when) and writes the line from what the window
shows; the :class:`StatusBar` only shows it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Sequence
from typing import Any

from motis_desktop.core.formatting import count
from motis_desktop.core.services import IndexSummary
from motis_desktop.gui.added_folders import sort_added
from motis_desktop.gui.gallery_rows import GalleryRows, Row
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.locked_notes import locked_words
from motis_desktop.gui.model_state import ModelState
from motis_desktop.gui.search_actions import ResultsController
from motis_desktop.gui.search_box import SearchController, result_summary
from motis_desktop.gui.status_bar import StatusBar
from motis_desktop.gui.texts import NEEDS_MODEL, NO_FOLDERS_STATUS, removed_elsewhere


class StatusLine:
    """Writes the window's status line; holds the indexing note and when the library last changed."""

    def __init__(
        self,
        bar: StatusBar,
        searcher: SearchController,
        results: ResultsController,
        model_state: Callable[[], ModelState],
        has_folders: Callable[[], bool],
        offline: Callable[[], Collection[str]],
    ) -> None:
        self.bar, self.searcher, self.results = bar, searcher, results
        self._model_state, self._has_folders, self._offline = model_state, has_folders, offline
        self._offline_count: tuple[Sequence[Row], frozenset[str], int] | None = None  # counted once per gallery and set
        self.note = ""  # what indexing is doing or its last outcome, shown after the photo count
        self.changed_at: float | None = None  # when the last run that did work ended (or Settings removed folders)
        self.removed = 0  # folders Settings just removed: the next gallery read says what left with them
        self.rebuilt = False  # the library was set aside as damaged: said until the run that reads it again ends
        self.added: set[str] = set()  # folders just added: the first scan of each says if it holds no photos
        self.empty_note = False  # ``note`` says a folder just added holds no photos (shown even without a model)
        self.left_out_said: set[str] = set()  # library folders whose left-out parts the line has said
        self.locked = 0  # subfolders that cannot be opened, as the last gallery read found them (QA walk 9 #7)
        # The library's files when this window last took stock (its first read, after its own runs and removals): a
        # run of its own that finds nothing new compares it with the count then, so work another process did is
        # said (QA: "nothing new" after `motis watch` had indexed 400 photos). ``checking``: the read after such a
        # run compares it too.
        self.counted: int | None = None
        self.checking = False
        self.removed_model: str | None = None  # this window's model, removed by another process: said while none is
        self.removed_here = False  # or removed in this window (File ▸ Install model… ▸ Remove…)
        # the model waiting to take over (``installed_elsewhere``) was installed while this window was open
        self.installed_while_open = False
        self.chosen_elsewhere: str | None = None  # the model another process made active: the switch to it says so
        self.installed_elsewhere: str | None = None  # one another process installed to take over from the demo
        self.takeover: str | None = None  # the model the running switch takes over from the demo for (takeover_pause)
        self.job_note: str | None = None  # what the indexing lane's job does while it runs (a move: folder_move_run)
        self.job_stops: str | None = None  # what the status bar's Cancel stops while that job runs (its tooltip)
        self.copying = ""  # photos still being copied in, said after the note until indexed (copy_waits.py)
        # What a switch, or a look at another process's changes, said: the run that follows keeps it if it finds
        # nothing (it would read "nothing new since …" where the news is what just came in).
        self.kept_note: str | None = None
        self.looking = False  # the next read follows a look at the library on activation (:meth:`look_again`)
        self.stock: Sequence[Row] = ()  # the gallery at the last stock-taking read: photos moved since are said

    def update(self) -> None:
        """Write the line for what the window shows now."""
        shown = self.searcher.shown
        missing = self._model_state() == ModelState.MISSING
        if self.results.results_for is not None and shown is not None and self.searcher.pending is None:
            self.bar.set_text(result_summary(shown))
        elif self.searcher.waiting_message():  # a query waiting for the model, or the last query's error
            self.bar.set_text(self.searcher.waiting_message() or "")
        elif missing and not self._has_folders():
            self.bar.set_text(NO_FOLDERS_STATUS)  # the window's centre (or the model offer) says how to get a model
        else:
            note = self.note if not missing or self.empty_note else self._needs_model()
            gallery = self.results.gallery
            self.bar.set_text(
                photo_count(len(gallery), self.results.unreadable)
                + offline_words(self.offline_photos(gallery), len(self._offline()))
                + locked_words(self.locked)
                + (f" · {note}" if note else "")
                + (f" · {self.copying}" if self.copying else "")
            )

    def _needs_model(self) -> str:
        if self.removed_model is None:
            return NEEDS_MODEL
        return f"{removed_elsewhere(self.removed_model, self.removed_here)} — {NEEDS_MODEL[0].lower()}{NEEDS_MODEL[1:]}"

    def model_removed(self, name: str, here: bool = False) -> None:
        """Another process removed ``name``, this window's model (or this window did, ``here``): said while no model
        is ready (not "indexing stopped — File ▸ Update index tries again", which could not work)."""
        self.removed_model, self.removed_here = name, here
        self.note = self.kept_note = removed_elsewhere(
            name, here
        )  # kept by the next run (the model left active, if any)
        self.update()

    def offline_photos(self, gallery: Sequence[Row], roots: Collection[str] | None = None) -> int:
        """How many of the gallery's photos are in folders offline now (a search leaves them out), or in ``roots``."""
        within = frozenset(self._offline() if roots is None else roots)
        if not within:
            return 0
        cached = self._offline_count
        if cached is None or cached[0] is not gallery or cached[1] != within:  # 100k rows: not on every update
            cached = self._offline_count = (gallery, within, photos_within(gallery, within))
        return cached[2]

    def gallery_read(self, before: Sequence[Row], after: Sequence[Row], locked: int = 0) -> None:
        """A gallery read went from the rows ``before`` to ``after``: after Settings removed folders, the last run's
        summary no longer describes the library, so the line says what left it. The first read, the one after a run
        of this window's that did work and the one after a run that found nothing new take stock (``counted``,
        ``stock``); the last one also says photos another process moved (the same count, other paths). ``locked``:
        the subfolders that cannot be opened, said on the idle line (a search says them only where it could reach)."""
        self.locked = locked
        if self.removed:
            folders, left = self.removed, max(0, len(before) - len(after))
            self.note = f"{count(folders, 'folder')} removed: {count(left, 'photo')} left the library"
            self.changed_at, self.removed, self.counted, self.stock = time.time(), 0, len(after), after
        elif self.checking or self.counted is None:
            said = self._compare(len(after), moved_photos(self.stock, after) if self.checking else 0)
            self.stock = after
            if said and self.looking:
                self.kept_note = self.note
        self.checking = self.looking = False

    def look_again(self) -> None:
        """The window, active again, found the library changed by another process: the read that follows compares
        it with the last stock-taking and says what changed (its count, photos moved)."""
        self.checking = self.looking = True

    def folders_added(self, folders: list[str]) -> None:
        """The user added ``folders``: the scan that first lists them says so if one holds no photos."""
        self.added.update(os.path.abspath(f) for f in folders)  # as the library stores them

    def folder_located(self, words: str) -> None:
        """Settings ▸ Locate… moved an offline folder (``words``: the core's, "moved 340 of 344 photos to …"): said
        over the line a while, and kept as the note unless the run that follows finds something to say."""
        self.note = self.kept_note = words
        self.changed_at = time.time()
        self.bar.showMessage(words, 15_000)
        self.update()

    def folders_kept(self, folders: list[str], library: list[str]) -> list[str]:
        """Of the ``folders`` a person adds, those new to the ``library``'s folders. One already in it (or inside
        one of its folders) adds nothing and was silent: the note says so. One that takes library folders in is
        said over the line while the run that follows starts."""
        sorted_out = sort_added(folders, library)
        if sorted_out.already:
            self.note, self.empty_note = sorted_out.already, False
            self.update()
        if sorted_out.merged:
            self.bar.showMessage(sorted_out.merged, 15_000)
        return sorted_out.new

    def folders_scanned(self, folder_photos: dict[str, int], left_out: dict[str, list[str]] | None = None) -> None:
        """A scan counted the photos of these folders (``IndexSummary.folder_photos``): a folder just added
        without any is named (it stays in the library; the watcher picks up photos put there later). What a run
        left out on purpose (``IndexSummary.left_out``: the app's own data folder, ``~/Library``) is said after the
        run's outcome in the core's words, once a window for each folder, and again for a folder just added."""
        empty = [path for path in sorted(self.added & folder_photos.keys()) if not folder_photos[path]]
        said = [line for folder, lines in sorted((left_out or {}).items()) if self._news(folder) for line in lines]
        self.added -= folder_photos.keys()
        if empty:
            self.note, self.empty_note = f"no photos found in {', '.join(map(readable, empty))}", True
        if said:
            self.note = " · ".join(filter(None, [self.note, *map(readable, said)]))
        if empty or said:
            self.update()

    def _news(self, folder: str) -> bool:
        """Whether what the scan left out of ``folder`` is news: not said yet in this window, or the folder was just
        added."""
        news = folder in self.added or folder not in self.left_out_said
        self.left_out_said.add(folder)
        return news

    def gone_forgotten(self, forgot: int) -> None:
        """Settings forgot ``forgot`` photos that had left the library folders (what was kept for their return)."""
        self.empty_note = False
        self.note = (
            f"forgot {count(forgot, 'photo')} removed from your folders"
            if forgot
            else "nothing to forget: no photo removed from your folders was remembered"
        )
        self.update()

    def library_rebuilt(self) -> None:
        """The library was found damaged and set aside: said now and through the run that indexes it again (that run
        may start before or after the gallery read that reports it)."""
        self.rebuilt = True
        self.note = "library rebuilt after damage"
        self.update()

    def indexing_started(self, switching: str | None) -> None:
        self.empty_note = self.checking = self.looking = False  # a read during the run is no stock-taking
        self.note = (
            self.job_note
            if self.job_note
            else f"preparing {switching}: encoding your photos with it (search keeps working)"
            if switching
            else "library rebuilt after damage: indexing your photos again…"
            if self.rebuilt
            else "indexing…"
        )
        self.bar.indexing_started(self.job_stops if self.job_note else None)
        self.update()

    def indexing_finished(self, summary: IndexSummary) -> None:
        """A run ended. One that found nothing new leaves it to the gallery read that follows (when the run's files
        or the library's version differ from the gallery on show, ``MainWindow._index_finished``) to say what
        another process changed: the rows read are the truth, where the run's own counts are not (a subfolder that
        cannot be listed, an offline folder: QA walk 8 #9 saw "1 photo added by another MoTIS window or command"
        on a start after which no other process had touched the library)."""
        line = self.bar.indexing_finished(summary)
        if line is not None:  # a run that did work says what it did
            self.note, self.changed_at = line, time.time()
            self.counted = None  # the read that follows takes stock
        else:  # not the last run's counts: they read as this run's (QA: F5 said "1 photo indexed")
            self.note = (
                "library rebuilt after damage" if self.rebuilt else self.kept_note or nothing_new(self.changed_at)
            )
            self.checking = True  # the read that follows compares the library's rows with the last stock-taking
        self.rebuilt, self.kept_note = False, None
        self.update()
        self.folders_scanned(summary.folder_photos, summary.left_out())

    def _compare(self, files: int, moved: int = 0) -> bool:
        """Another process (a second window, `motis watch`, `motis index` after a `mv`) changed the count, or moved
        ``moved`` photos, since this window took stock: say so (True when said)."""
        said = self.counted is not None and (files != self.counted or moved > 0) and not self.rebuilt
        if said:
            self.note, self.changed_at = outside_change(files - (self.counted or 0), moved), time.time()
        self.counted = files
        return said

    def installed_inactive(self, name: str) -> None:
        """A model installed while another stays active (the core's rule): say how to use it."""
        self.bar.set_text(f"Installed {name}: choose it in Settings to use it")

    def indexing_failed(self, _message: str) -> None:
        """A run stopped on an error (a full disk; the window shows the message): no longer "indexing…" (QA)."""
        self.note = "indexing stopped — File ▸ Update index tries again"
        self.update()

    def busy(self, message: str) -> None:
        """Another process (the CLI, a second window) is indexing: say so; the controller starts as soon as it ends."""
        self.note = message + " — indexing here follows as soon as it has finished"
        self.update()

    def switched(self, result: Any) -> None:
        """A switch run ended: the new model is active, or the old one stays (cancelled, failed)."""
        elsewhere, self.chosen_elsewhere = self.chosen_elsewhere == result.active, None
        installed, self.installed_elsewhere = self.installed_elsewhere == result.active, None
        if result.switched and installed:  # by another process only while this window was open (QA walk 8 #9)
            by = ", installed by another MoTIS window or command," if self.installed_while_open else ""
            self.note = f"now using {result.active}{by} in place of the demo"
        elif result.switched and elsewhere:
            self.note = f"now using {result.active}, chosen by another MoTIS window or command"
        elif result.switched:
            work = result.work()
            self.note = f"now using {result.active}" + (f" ({work})" if work else "")
            self.note += f" · {result.waiting}" if result.waiting else ""  # an offline folder's photos wait for it
        else:  # a take-over of the demo cancelled is paused: said in the bar's permanent part (takeover_pause.py)
            self.note = f"switch to {result.plan.target} cancelled — still using {result.active}"
        self.kept_note = self.note if result.switched else None  # the new model's first run would hide it
        self.update()


def outside_change(added: int, moved: int) -> str:
    """What another process did to the library, as the status line says it: "library up to date: 6 photos added and
    3 moved by another MoTIS window or command" (``added`` < 0: removed)."""
    change = [f"{count(abs(added), 'photo')} {'added' if added > 0 else 'removed'}"] if added else []
    if moved:
        change.append(f"{moved} moved" if change else f"{count(moved, 'photo')} moved")
    return f"library up to date: {' and '.join(change)} by another MoTIS window or command"


def moved_photos(before: Sequence[Row], after: Sequence[Row]) -> int:
    """How many photos of ``before`` are at another path in ``after`` (a move or rename keeps a photo's id)."""
    if not before:
        return 0
    if isinstance(before, GalleryRows) and isinstance(after, GalleryRows):
        return after.moved_since(before)
    paths = {r.file_id: r.path for r in before}
    return sum(1 for r in after if paths.get(r.file_id, r.path) != r.path)


def nothing_new(since: float | None, now: float | None = None) -> str:
    """What a run that found nothing to do says: "library up to date — nothing new since 14:05" (the end of the
    last run that did work in this window; its date too when that was another day)."""
    if since is None:
        return "library up to date — nothing new"  # "since the last run" said nothing more, and cost the line room
    then, today = time.localtime(since), time.localtime(time.time() if now is None else now)
    same_day = then[:3] == today[:3]
    return f"library up to date — nothing new since {time.strftime('%H:%M' if same_day else '%d %b %H:%M', then)}"


def photos_within(rows: Sequence[Row], roots: Collection[str]) -> int:
    """How many of ``rows`` are readable photos under one of the folders ``roots``."""
    if isinstance(rows, GalleryRows):
        return rows.within(roots)  # by folder, from its columns
    within = tuple(os.path.join(root, "") for root in roots)
    return sum(1 for r in rows if r.error is None and r.path.startswith(within))


def offline_words(photos: int, folders: int) -> str:
    """The part of the status line after the photo count that says how many of them a search leaves out because
    their folder is offline (QA: the line said 114 photos, a search "among 88"): " · 26 in an offline folder, not
    searched"; empty when none is. Short: at 1100 px the line lost its end (the folder's name and "back" are in the
    offline label beside it)."""
    if not photos:
        return ""
    where = "an offline folder" if folders == 1 else f"{folders} offline folders"
    return f" · {photos} in {where}, not searched"


def photo_count(files: int, unreadable: int) -> str:
    """The library's size as a search counts it: "234 photos, 3 unreadable files" (a search's "among 234 photos"
    leaves out the files it cannot read)."""
    n = files - unreadable
    bad = f", {count(unreadable, 'unreadable file')}" if unreadable else ""
    return f"{count(n, 'photo')}{bad}"
