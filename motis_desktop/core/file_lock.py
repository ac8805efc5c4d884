"""An exclusive, non-blocking lock on a file, held by one process (or one holder in it) at a time.

The OS releases it when the holder exits, even after a crash or SIGKILL, so a stale lock never blocks anyone
(``flock`` on Linux and macOS, ``msvcrt.locking`` on Windows). The holder writes its pid (and, on a second line,
what this process is, :func:`name_this_process`: "the MoTIS window") into the file so that the one refused can say
who holds it. Two holders in one process exclude each other too (each opens the file).
"""

from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


_role = ""  # what this process is, in words ("the MoTIS window"); "" for a plain MoTIS process


def name_this_process(role: str) -> None:
    """Say in the locks this process takes what it is (``role``: "the MoTIS window"), for those refused."""
    global _role
    _role = role


class HeldElsewhere(Exception):
    """The lock is held by someone else; ``holder`` is its pid when known ("" if not), ``role`` what that
    process named itself ("" if it did not)."""

    def __init__(self, holder: str, role: str = "") -> None:
        self.holder, self.role = holder, role
        super().__init__(holder)


def acquire(path: Path) -> int:
    """Take the lock on ``path`` (created, with its folder, if missing) at once: its file descriptor, to give to
    :func:`release`. Raises :class:`HeldElsewhere` if it is held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        holder = _read_holder(fd)
        os.close(fd)
        raise HeldElsewhere(*holder) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n{_role}".strip().encode())
    return fd


def release(fd: int) -> None:
    """Give back a lock taken by :func:`acquire` (closing its descriptor releases it on every system)."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def holder_of(path: Path) -> HeldElsewhere | None:
    """Who holds the lock on ``path`` now (None: nobody), without taking it for long (:func:`is_free`)."""
    if is_free(path):
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return HeldElsewhere("")
    try:
        return HeldElsewhere(*_read_holder(fd))
    finally:
        os.close(fd)


def is_free(path: Path) -> bool:
    """Whether nobody holds the lock on ``path`` now: taken and given back at once (the pid in it is left as it is,
    and a missing file is not made)."""
    try:  # flock needs no write access: a home this user cannot write still answers (msvcrt's locking does)
        fd = os.open(path, os.O_RDWR if fcntl is None else os.O_RDONLY)
    except OSError:  # missing, or not ours to open: nobody we could wait for (taking it says why it cannot)
        return True
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _read_holder(fd: int) -> tuple[str, str]:
    """The holder's pid and role as it wrote them ("" where unknown)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        text = os.read(fd, 200).decode("utf-8", "replace")
    except OSError:
        return "", ""
    pid, _, role = text.partition("\n")
    return pid.strip(), role.strip()
