"""One writer at a time: an exclusive, non-blocking lock file held while a process indexes a library.

The OS releases the lock when the holder exits, even after a crash or SIGKILL,
so a stale lock never blocks anyone.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import TracebackType

from motis_desktop.core.errors import LibraryError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt

log = logging.getLogger(__name__)


class LibraryBusy(LibraryError):
    """Another process is already updating this library; ``holder`` is its pid when known."""

    def __init__(self, holder: str | None = None) -> None:
        self.holder = holder
        super().__init__(f"{self.summary}; searching still works — try indexing again when it has finished")

    @property
    def summary(self) -> str:
        """What is happening, without advice (front ends add their own)."""
        who = f" (pid {self.holder})" if self.holder else ""
        return f"another MoTIS process{who} is updating this library"


class IndexLock:
    """``with IndexLock(path):`` — raises :class:`LibraryBusy` at once if another process holds it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def __enter__(self) -> IndexLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            holder = _read_pid(fd)
            os.close(fd)
            log.info("index lock %s is held by pid %s", self.path, holder or "unknown")
            raise LibraryBusy(holder or None) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._fd is not None:
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _read_pid(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode("ascii", "replace").strip()
    except OSError:
        return ""
