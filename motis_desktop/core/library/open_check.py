"""Whether opening the library must run SQLite's page check (``PRAGMA quick_check``, which reads the whole file:
0.4-0.7 s at 100k photos, the largest part of the app's start after its imports).

The check runs once per process for an unchanged file, and not at all when the file is exactly as this app left
it at its last clean close (recorded in ``<db>.checked`` beside it): the file had passed the check when it was
opened, SQLite alone wrote it since, and closing the last connection left no ``-wal``. A kill or crash leaves a
``-wal`` or a changed file, so the next open checks it; so does any change made by something else (the identity
holds the inode, size, mtime and ctime, and on Linux and macOS the ctime cannot be set back by a program;
Windows reports the creation time there, so there the size and mtime carry it). Damage that appears while the
app is closed without touching any of these (a failing disk) is found by SQLite when it reads the page, as for
libraries too large to check at start, and a record of that damage then replaces the clean one (:func:`damaged`;
no process writes a clean record over it, and only a check that passes at an opening clears it), so the next
start checks the file; so is a change in place that keeps the size within the close's own time tick on a
filesystem whose times are that coarse (FAT's 2 s; the library lives in the app's data folder).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from motis_desktop.core.atomic import write_json_atomic

log = logging.getLogger(__name__)

Identity = tuple[str, int, int, int, int]  # resolved path, inode, size, mtime_ns, ctime_ns
DAMAGED = "damaged"  # the record's content once SQLite met damage in the file (until a check at open passes)

# Files this process checked (or found as it last left them): another connection to the same unchanged file skips
# the check (the app opens the library on three threads at start-up).
_checked: set[Identity] = set()
# Files in which this process met damage: never recorded as left clean again by it, whichever connection closes last.
_damaged: set[str] = set()
_lock = threading.Lock()


def identity(db_path: Path) -> Identity | None:
    try:
        st = db_path.stat()
    except OSError:
        return None
    return str(db_path.resolve()), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def marker_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".checked")


def wal_empty(db_path: Path) -> bool:
    """No ``-wal`` beside the library, or an empty one: the main file alone holds the whole library."""
    wal = db_path.with_name(db_path.name + "-wal")
    try:
        return wal.stat().st_size == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False


def known_good(db_path: Path, current: Identity) -> bool:
    """True when ``current`` was checked by this process or is the file as the app's last clean close left it."""
    with _lock:
        if current[0] in _damaged:
            return False
        if current in _checked:
            return True
    if _recorded(db_path) != current or not wal_empty(db_path):
        return False
    with _lock:
        _checked.add(current)
    return True


def _recorded_raw(db_path: Path) -> object:
    try:
        return json.loads(marker_path(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _recorded(db_path: Path) -> Identity | None:
    recorded = _recorded_raw(db_path)
    return tuple(recorded) if isinstance(recorded, list) else None


def passed(db_path: Path, current: Identity) -> None:
    """``current`` passed the page check in this process (a record of damage met earlier goes: the check is the
    verdict)."""
    with _lock:
        _checked.add(current)
        _damaged.discard(current[0])
        if _recorded_raw(db_path) == DAMAGED:
            try:
                marker_path(db_path).unlink(missing_ok=True)
            except OSError as exc:
                log.debug("could not clear the library's damage record: %s", exc)


def damaged(db_path: Path) -> None:
    """SQLite found damage in the file after it was opened: it is no longer known good, here or at the next start
    (a record of the damage replaces the clean one, and no connection writes a clean one over it; the next open
    checks the file and sets a damaged library aside)."""
    with _lock:
        _checked.clear()
        _damaged.add(str(db_path.resolve()))
        try:  # in place of the record, so that no other process's close writes one back either
            write_json_atomic(marker_path(db_path), DAMAGED)
        except OSError as exc:
            log.warning("could not record the damage met in the library: %s", exc)
            try:
                marker_path(db_path).unlink(missing_ok=True)
            except OSError as again:  # then the next start still checks: the identity changes with any repair
                log.warning("could not remove the library's clean-close record either: %s", again)


@contextmanager
def closing(db_path: Path, opened: Identity | None) -> Iterator[None]:
    """Around closing a connection: afterwards, when ``opened`` (the file as this connection opened it, checked
    and writable) is still the file at the path, no damage was met in it (here or, by its record, elsewhere) and
    the close left no ``-wal`` (it was the last connection), record the file as left clean. Serialised, so the
    last close's record is the one kept."""
    with _lock:
        yield
        if opened is None or opened[0] in _damaged or not wal_empty(db_path):
            return
        left = identity(db_path)
        if left is None or left[:2] != opened[:2] or _recorded_raw(db_path) == DAMAGED:
            return  # another file was put in its place meanwhile, or another process met damage in it
        if left in _checked and _recorded(db_path) == left:
            return  # unchanged since it was recorded: no write (and no fsync) at every close
        try:
            write_json_atomic(marker_path(db_path), list(left))
        except OSError as exc:  # the next start checks the file again, nothing worse
            log.debug("could not record the library's clean close: %s", exc)
            return
        _checked.add(left)
