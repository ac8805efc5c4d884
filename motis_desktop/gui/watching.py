"""Qt glue for the core's folder watcher: its reports become signals on the GUI thread.

The watcher (core/library/watcher.py) and its callbacks run on their own
threads; adding watches (one per sub-folder with inotify) runs on the task
runner's ``WATCH`` lane, so the GUI thread never waits on the file system. The status-bar
label shows offline folders.
"""

from __future__ import annotations

import logging
import os
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from motis_desktop.core.formatting import count
from motis_desktop.core.services import FolderWatcher, Services
from motis_desktop.gui.tasks import Lane, TaskRunner

log = logging.getLogger(__name__)


class FolderWatching(QObject):
    """Watches the library folders while the window is open; ``changed`` asks for an indexing run.

    Signals:
        changed: Emitted with the set of library roots whose contents changed (debounced).
        status_changed: Emitted with a root and whether it is online, when that changes (``offline`` is
            up to date by then).
        writing: Emitted with a photo's path and the core's ``CopyWait`` when a photo still being copied in is
            waited for, and when that wait is given up (``core/library/settling.py``; ``copy_waits.py`` says it).
    """

    changed = Signal(object)
    status_changed = Signal(str, bool)
    writing = Signal(str, object)
    _changed_raw = Signal(object)  # from the watcher's thread, queued to ours
    _status_raw = Signal(str, bool)
    _writing_raw = Signal(str, object)

    def __init__(self, services: Services, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.services = services
        self.offline: set[str] = set()
        self.label = QLabel()
        self.label.hide()
        self._changed_raw.connect(self._forward_change)
        self._status_raw.connect(self._on_status)
        self._writing_raw.connect(self._on_writing)
        self._watcher: FolderWatcher | None = FolderWatcher(
            self._changed_raw.emit,
            self._status_raw.emit,
            ignore=[str(services.home)],
            on_writing=self._writing_raw.emit,
        )

    @property
    def active(self) -> bool:
        """Whether folders are being watched (False after ``stop``)."""
        return self._watcher is not None

    def set_roots(self, roots: list[str]) -> None:
        """Watch exactly these folders (done in the background; a folder changed between now, before the
        library's scan of it, and its watch is reported changed)."""
        watcher, since = self._watcher, time.time()
        if self.offline - set(roots):  # a folder removed or located while offline: no longer counted
            self.offline &= set(roots)
            self._show_offline()
        if watcher is not None:
            self.runner.call(Lane.WATCH, lambda: watcher.set_roots(list(roots), since), None, _log_failure)

    def stop(self) -> None:
        """Stop watching (at quit): pending setup is dropped, no signal follows."""
        self.runner.drop_queued(Lane.WATCH)
        self.runner.wait(Lane.WATCH)
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def _forward_change(self, roots: set[str]) -> None:
        if self._watcher is not None:  # reports queued before stop() are dropped
            self.changed.emit(roots)

    def being_written(self) -> set[str]:
        """The photos the watcher sees being written now (``FolderWatcher.writing``)."""
        return self._watcher.writing() if self._watcher is not None else set()

    def _on_writing(self, path: str, wait: object) -> None:
        if self._watcher is not None:  # reports queued before stop() are dropped
            self.writing.emit(path, wait)

    def _on_status(self, root: str, online: bool) -> None:
        if self._watcher is None:
            return
        if online:
            self.offline.discard(root)
        else:
            self.offline.add(root)
        self.status_changed.emit(root, online)  # after ``offline`` says so: the status line counts from it
        self._show_offline()
        log.info("folder %s %s", os.path.basename(root) or root, "online" if online else "offline")

    def _show_offline(self) -> None:
        n = len(self.offline)
        self.label.setVisible(bool(n))
        self.label.setText(f"⚠ {count(n, 'folder')} offline")
        self.label.setToolTip(
            "Not connected; their photos and index are kept and come back when they do:\n"
            + "\n".join(sorted(self.offline))
        )


def _log_failure(message: str) -> None:
    log.error("cannot watch library folders: %s", message)
