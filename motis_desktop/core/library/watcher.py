"""Watch library folders and report, debounced, which roots changed.

``FolderWatcher`` runs a watchdog observer (inotify, FSEvents,
ReadDirectoryChangesW) over every library root. File events only mark their
root dirty; a debounce thread calls ``on_change(roots)`` once the folders have
been quiet for ``quiet_s`` (or, during an endless stream of events, every
``max_wait_s``), so a camera import of thousands of files is one indexing run.
A photo still being written (inotify: written to, not closed yet) waits alone:
its writes report nothing, its close (or ``settle_s`` after its last write) reports
its root, and meanwhile no scan of this process reads it (``settling``); the
other changes of its root are reported as usual. ``on_writing(path, CopyWait)``
says when one is waited for (written to for over ``quiet_s``) and when a wait is
given up, once each: a slow copy is not read half-way, nor in silence.

A root that cannot be watched because it is missing (an unplugged drive, a
renamed folder) is *offline*: nothing in the library is touched, and a cheap
poll (``stat`` of each root every ``poll_s``) notices when it returns, watches
it again and reports it changed so one indexing run re-checks it (unchanged
files keep their embeddings). ``on_status(root, online)`` reports each
transition. Events for hidden files, reads (open/close without writing),
paths under ``ignore`` (the app's own home) and in an account's application
data (``app_data``: ``~/Library``, ``AppData``) are dropped, so indexing never
triggers itself. Callbacks run on the watcher's own thread; ``stop()`` ends
both threads and the observer.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

from motis_desktop.core.kinds import CopyWait
from motis_desktop.core.library.app_data import AppData
from motis_desktop.core.library.own_folder import OwnFolder
from motis_desktop.core.library.settling import SETTLE_S, OpenWrites, tells_closes

if TYPE_CHECKING:  # the observers (inotify through ctypes) load with the first watcher, not with the core:
    # `motis index` and `motis search` never watch (~20 ms of their start)
    from watchdog.observers.api import BaseObserver, ObservedWatch

log = logging.getLogger(__name__)

# Events that can change what a folder holds; opened/closed-without-writing (our own reads) are not among them.
RELEVANT_EVENTS = (
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    FileClosedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
)

ChangeFn = Callable[[set[str]], None]
StatusFn = Callable[[str, bool], None]
WritingFn = Callable[[str, CopyWait], None]


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher, root: str) -> None:
        self.watcher, self.root = watcher, root

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not isinstance(event, RELEVANT_EVENTS):
            return
        paths = [os.fsdecode(event.src_path)]
        if getattr(event, "dest_path", None):
            paths.append(os.fsdecode(event.dest_path))
        if any(self.watcher.relevant(self.root, p) for p in paths):
            self.watcher.mark(self.root, event)


class FolderWatcher:
    """Debounced "these roots changed" reports for a set of library roots (see the module doc)."""

    def __init__(
        self,
        on_change: ChangeFn,
        on_status: StatusFn | None = None,
        *,
        quiet_s: float = 1.0,
        max_wait_s: float = 30.0,
        poll_s: float = 2.0,
        settle_s: float = SETTLE_S,
        ignore: Iterable[str] = (),
        on_writing: WritingFn | None = None,
    ) -> None:
        self.on_change = on_change
        self.on_status = on_status
        self.on_writing = on_writing
        self.quiet_s, self.max_wait_s, self.poll_s = quiet_s, max_wait_s, poll_s
        self.ignore = [OwnFolder.of(p) for p in ignore]
        self.app_data = AppData.of()  # the scanner leaves it out: its changes change no photo of the library
        self._cond = threading.Condition()
        self._roots: dict[str, ObservedWatch | None] = {}  # root -> its watch, None while offline
        self._fallback: set[str] = set()  # roots watched by polling (inotify limit reached, ...)
        self._dirty: set[str] = set()
        self._first_event = 0.0
        self._last_event = 0.0
        self._stopping = False
        from watchdog.observers import Observer

        self._observer: BaseObserver = Observer()
        self._writes = OpenWrites(settle_s, quiet_s) if tells_closes(self._observer) else None  # photos being written
        self._poller: BaseObserver | None = None
        self.events = 0  # relevant events seen (diagnostics)
        self._observer.daemon = True
        self._observer.start()
        self._thread = threading.Thread(target=self._loop, name="motis-watch", daemon=True)
        self._thread.start()

    # -- roots ---------------------------------------------------------------------

    def set_roots(self, roots: Iterable[str], since: float | None = None) -> None:
        """Watch exactly these roots (added ones start watched or offline; removed ones are dropped). ``since``
        (a ``time.time()``, taken before the library's scan of them began): a newly watched root with a folder
        changed after it is reported changed, as a file added while its watch was being set up gives no event."""
        wanted = {os.path.abspath(r) for r in roots}
        with self._cond:
            current = set(self._roots)
        for root in current - wanted:
            self._unwatch(root)
            with self._cond:
                self._roots.pop(root, None)
                self._dirty.discard(root)
                if self._writes is not None:
                    self._writes.forget(root)
        for root in sorted(wanted - current):
            with self._cond:
                self._roots[root] = None
            if self._watch(root):
                self._report(root, True)
                if since is not None and changed_since(root, since, partial(self.dropped, root)):
                    self.mark(root)
            else:
                self._report(root, False)

    def roots(self) -> dict[str, bool]:
        """{root: online} for every watched root."""
        with self._cond:
            return {root: watch is not None for root, watch in self._roots.items()}

    def writing(self) -> set[str]:
        """The photos this watcher sees being written now (``settling.OpenWrites``; none where the platform does not
        tell closes): a front end that said one is waited for (``on_writing``) knows when its copy has ended."""
        return self._writes.paths() if self._writes is not None else set()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop watching: no callback runs after this returns."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for observer in (self._observer, self._poller):
            if observer is not None:
                observer.stop()
        for observer in (self._observer, self._poller):
            if observer is not None and observer.is_alive():
                observer.join(timeout_s)
        if self._writes is not None:
            self._writes.close()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)

    # -- events --------------------------------------------------------------------

    def relevant(self, root: str, path: str) -> bool:
        """A change at ``path`` (under ``root``) can change the library: not hidden, not our own home, not an
        account's application data."""
        if any(ignored.holds(path) for ignored in self.ignore) or self.app_data.within(path, root):
            return False
        rel = os.path.relpath(path, root) if path != root else ""
        return not any(part.startswith(".") for part in rel.split(os.sep) if part not in ("", os.curdir))

    def dropped(self, root: str, path: str) -> bool:
        """The opposite of :meth:`relevant`: a change at ``path`` is not looked at."""
        return not self.relevant(root, path)

    def mark(self, root: str, event: FileSystemEvent | None = None) -> None:
        """Note a change under ``root`` (``event``: what the OS said, if it did); ``on_change`` follows once things
        are quiet (a write to a photo: once it is closed, ``settling``)."""
        now = time.monotonic()
        with self._cond:
            if self._stopping:
                return
            self.events += 1
            if event is not None and self._writes is not None and root not in self._fallback:
                if self._writes.note(event, root, now):
                    self._cond.notify_all()  # the loop times its "waiting for" from the first write
                    return
            if not self._dirty:
                self._first_event = now
            self._dirty.add(root)
            self._last_event = now
            self._cond.notify_all()

    def _loop(self) -> None:
        next_poll = time.monotonic() + self.poll_s
        while True:
            with self._cond:
                if self._stopping:
                    return
                now = time.monotonic()
                notes, fire, timeout = self._due(now, next_poll - now)
                if not notes and not fire and timeout > 0:
                    self._cond.wait(timeout)
                    continue
            for path, wait in notes:
                log.info("%s: %s", path, "waiting for its copy to end" if wait is CopyWait.WAITING else "read as it is")
                if self.on_writing is not None:
                    self._call(self.on_writing, path, wait)
            if fire:
                log.info("library folders changed: %s", ", ".join(sorted(fire)))
                self._call(self.on_change, fire)
            if time.monotonic() >= next_poll:
                self._poll()
                next_poll = time.monotonic() + self.poll_s

    def _due(self, now: float, timeout: float) -> tuple[list[tuple[str, CopyWait]], set[str], float]:
        """(Under the lock) what is due at ``now``: what to say of photos being written (``settling.OpenWrites``),
        the roots to report (taken from ``_dirty``: quiet since ``quiet_s``, or dirty for ``max_wait_s``; and the
        root of a photo whose wait was given up, to read it as it is), and how long to wait for the next."""
        notes: list[tuple[str, CopyWait]] = []
        fire: set[str] = set()
        if self._writes is not None:
            due = self._writes.due(now)
            notes, fire = due.notes(), set(due.given_up.values())
            if due.next_at is not None:
                timeout = min(timeout, due.next_at - now)
        if self._dirty:
            at = min(self._last_event + self.quiet_s, self._first_event + self.max_wait_s)
            if now >= at:
                fire |= self._dirty
            else:
                timeout = min(timeout, at - now)
        self._dirty -= fire
        return notes, fire, timeout

    def _poll(self) -> None:
        """Offline roots that came back are watched again and re-checked; vanished ones go offline."""
        for root, online in self.roots().items():
            present = os.path.isdir(root)
            if present and not online:
                if self._watch(root):
                    self._report(root, True)
                    self.mark(root)  # one indexing run re-checks it; unchanged files keep their embeddings
            elif online and not present:
                self._unwatch(root)
                self._report(root, False)

    def _watch(self, root: str) -> bool:
        if not os.path.isdir(root):
            return False
        handler = _Handler(self, root)
        try:
            watch = self._observer.schedule(handler, root, recursive=True)
        except OSError as exc:  # e.g. the inotify watch limit: fall back to polling this root
            log.warning("cannot watch %s with OS events (%s); polling it instead", root, exc)
            try:
                if self._poller is None:
                    from watchdog.observers.polling import PollingObserver

                    self._poller = PollingObserver(timeout=10)
                    self._poller.daemon = True
                    self._poller.start()
                watch = self._poller.schedule(handler, root, recursive=True)
            except OSError as exc2:
                log.warning("cannot watch %s: %s", root, exc2)
                return False
            self._fallback.add(root)
        with self._cond:
            if root not in self._roots or self._stopping:
                return False
            self._roots[root] = watch
        log.info("watching %s", root)
        return True

    def _unwatch(self, root: str) -> None:
        with self._cond:
            watch = self._roots.get(root)
            if root in self._roots:
                self._roots[root] = None
        if watch is None:
            return
        observer = self._poller if root in self._fallback else self._observer
        self._fallback.discard(root)
        try:
            if observer is not None:
                observer.unschedule(watch)
        except (KeyError, OSError) as exc:  # its emitter may have ended by itself (root deleted/unmounted)
            log.debug("unschedule %s: %s", root, exc)

    def _report(self, root: str, online: bool) -> None:
        log.info("library folder %s is %s", root, "online" if online else "offline")
        if self.on_status is not None:
            self._call(self.on_status, root, online)

    def _call(self, fn: Callable[..., None], *args: object) -> None:
        with self._cond:
            if self._stopping:
                return
        try:
            fn(*args)
        except Exception:  # a front end's callback must not kill the watcher
            log.exception("watcher callback failed")


def changed_since(root: str, since: float, ignored: Callable[[str], bool] = lambda _path: False) -> bool:
    """Whether an entry was added to, removed from or renamed in a (not hidden, not ``ignored``) folder under
    ``root`` after ``since``: their modification times, walking folders only. The watcher ignores what it drops the
    events of (the app's home, whose database and thumbnails change as the first run goes: each watch set up over a
    folder that holds it started a second run that found nothing; app data)."""
    stack = [root]
    while stack:
        path = stack.pop()
        try:
            if os.stat(path).st_mtime > since:
                return True
            with os.scandir(path) as entries:
                stack.extend(
                    e.path
                    for e in entries
                    if not e.name.startswith(".") and e.is_dir(follow_symlinks=False) and not ignored(e.path)
                )
        except OSError:
            continue
    return False
