"""One writer at a time: an exclusive, non-blocking lock file held while a process indexes a library.

The OS releases the lock when the holder exits, even after a crash or SIGKILL,
so a stale lock never blocks anyone.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import TracebackType

from motis_desktop.core.errors import LibraryError
from motis_desktop.core.file_lock import HeldElsewhere, acquire, holder_of, is_free, release

log = logging.getLogger(__name__)

FREE_POLL_S = 1.0  # how often wait_until_free looks: the other process's run shows up a second after it ended


class LibraryBusy(LibraryError):
    """Another process is already updating this library; ``holder`` is its pid when known, ``role`` what it
    said it is ("the MoTIS window", ``file_lock.name_this_process``) when it did."""

    def __init__(self, holder: str | None = None, role: str = "") -> None:
        self.holder, self.role = holder, role
        super().__init__(f"{self.summary}; searching still works — try indexing again when it has finished")

    @property
    def summary(self) -> str:
        """What is happening, without advice (front ends add their own)."""
        who = f" (pid {self.holder})" if self.holder else ""
        return f"{self.role or 'another MoTIS process'}{who} is updating this library"


class IndexLock:
    """``with IndexLock(path):`` — raises :class:`LibraryBusy` at once if another process holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> IndexLock:
        try:
            self._fd = acquire(self.path)
        except HeldElsewhere as exc:
            log.info("index lock %s is held by pid %s", self.path, exc.holder or "unknown")
            raise LibraryBusy(exc.holder or None, exc.role) from None
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            release(self._fd)
            self._fd = None


def busy(path: Path) -> LibraryBusy | None:
    """Who indexes the library whose index lock is ``path`` now, or None when no one does."""
    held = holder_of(path)
    return None if held is None else LibraryBusy(held.holder or None, held.role)


def wait_until_free(path: Path, cancel: threading.Event, interval_s: float = FREE_POLL_S) -> bool:
    """Wait until nobody holds the index lock at ``path`` (another process's run ended): True, or False when
    ``cancel`` was set first. Looks every ``interval_s``: a lock only says it is held, not when it will be free."""
    while not cancel.is_set():
        if is_free(path):
            return True
        cancel.wait(interval_s)
    return False
