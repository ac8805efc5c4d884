"""Changes another process makes while the window is open (`motis index` or `motis models use` in a terminal, a
second window): the folder watcher sees only files in the folders it was given, so the window looks again when it
is active again (:meth:`OutsideChanges.activated`), after a run of its own that found nothing to do
(:meth:`OutsideChanges.run_found_nothing`), and every few seconds while a folder is offline (`motis folders move`
locates it: `gui/offline_look.py`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from motis_desktop.core.errors import MotisError
from motis_desktop.gui.indexing import IndexingController
from motis_desktop.gui.model_state import ModelController
from motis_desktop.gui.offline_look import OfflineLook
from motis_desktop.gui.status_line import StatusLine
from motis_desktop.gui.takeover_pause import TakeoverPause
from motis_desktop.gui.workers import Backend


class OutsideChanges:
    """Looks for what another process changed: the active model, the library's folders, its photos (moved or
    renamed photos leave the count as it was: the library's version tells)."""

    def __init__(
        self,
        models: ModelController,
        backend: Backend,
        indexing: IndexingController,
        status_line: StatusLine,
        folders: Callable[[], list[str]],
        reload: Callable[[], None],
        folders_changed: Callable[[], None],
        offline: Callable[[], Collection[str]] = frozenset,
    ) -> None:
        self.models, self.backend, self.indexing, self.status_line = models, backend, indexing, status_line
        self._folders, self._reload, self._folders_changed = folders, reload, folders_changed
        self.version = -1  # the library's photos' version of the gallery on show (``LibrarySnapshot.version``)
        self.opened = time.time()  # models installed since were installed while this window was open
        models.chosen_elsewhere.connect(self._model_chosen)
        models.removed_elsewhere.connect(status_line.model_removed)
        models.takeover_waiting.connect(self._takeover)
        models.removed_elsewhere.connect(self._model_removed)
        # this window's model removed in its own model dialog: said in other words, and let go the same way
        models.removed_here.connect(lambda name: status_line.model_removed(name, here=True))
        models.removed_here.connect(self._model_removed)
        indexing.model_removed.connect(lambda _name: models.look_again())  # a run found its model gone
        self.pause = TakeoverPause(models, indexing, status_line)  # a take-over cancelled here is not started again
        # a folder offline may be located by another process (`motis folders move`): looked at while it is offline
        self.offline_look = OfflineLook(
            offline, self.look_at_library, lambda: indexing.running or indexing.runner.closed, backend
        )

    def activated(self) -> None:
        """Back in the window (from a terminal, say): a model another process installed (`motis models import`) or
        chose (`motis models use`) is taken up, this window's model removed (`motis models remove`) is let go, and
        library folders it added or removed (`motis index FOLDER`), or photos it indexed, moved or removed where the
        folder watcher did not see them (a network share), are read in."""
        self.models.look_again()
        self.look_at_library()

    def look_at_library(self) -> None:
        """Read the library's folders and its photos' version (one small read on the library lane): folders added,
        removed or moved by another process (`motis index FOLDER`, `motis folders move`), or photos it changed, make
        the window read the gallery again. Not while a run of the window's own goes: it reads the gallery itself."""
        if not self.indexing.running:
            self.backend.submit(lambda s: ([f.path for f in s.folders()], s.photos_version()), self._library_read)

    def _model_chosen(self, name: str) -> None:
        """Another process made ``name`` the active model (`motis models use NAME`, which encoded the library with
        it): switched to as if chosen in Settings (search keeps working; nothing is left to encode), and said."""
        if self.indexing.switching or self.indexing.switch_to:  # this window's own switch, just made active
            return
        self.status_line.chosen_elsewhere = name
        self.indexing.switch(name)

    def _takeover(self, name: str) -> None:
        """A model another process installed while the demo model answers (`motis models import`): the library is
        encoded with it while the demo answers, then it takes over; the status line says it was installed, not
        "chosen" (QA walk 6: the user had only installed a model)."""
        if self.indexing.switching or self.indexing.switch_to:
            return
        self.status_line.chosen_elsewhere = None
        self.status_line.installed_elsewhere = name
        self.status_line.installed_while_open = self._installed_since_open(name)
        self.indexing.switch(name)

    def _installed_since_open(self, name: str) -> bool:
        """Whether ``name`` was installed after this window opened, so by another process while it was open: one
        found at the start (installed before it, or by this window's own earlier run of the app, ended while it
        took over: QA walk 8 #9) is not credited to "another MoTIS window or command". Reads its manifest."""
        if name in self.models.installed_here:  # this window's File ▸ Install model… (a take-over resumed by F5)
            return False
        try:
            return self.models.services.model_info(name).installed_at >= self.opened
        except MotisError:
            return False

    def _model_removed(self, name: str) -> None:
        """Another process removed ``name``, found on activation or F5 while a run encodes for it: the run stops after
        its batch (it would go on encoding the library for a model no longer installed)."""
        watch = self.indexing.watch  # the running (or last) run's model
        if self.indexing.running and watch is not None and watch.name == name:
            self.indexing.cancel()

    def _library_read(self, read: tuple[list[str], int]) -> None:
        folders, version = read
        if folders != self._folders():
            self._reload()
            self._folders_changed()
        elif version != self.version and not self.indexing.running:  # a run of its own reads the gallery itself
            self.status_line.look_again()  # the read says what changed
            self._reload()

    def run_found_nothing(self) -> None:
        """A run of this window's found nothing to do and the count is the same: another process may still have
        moved or renamed photos (`mv` then `motis index` in a terminal), which the gallery on show lists at their
        old paths (QA). One small read (the version) says whether to read the gallery again."""
        self.backend.submit(lambda s: s.photos_version(), self._version_read, lambda _message: None)

    def _version_read(self, version: int) -> None:
        if version != self.version:
            self._reload()
