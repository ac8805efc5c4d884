"""What a SQLite error while opening or writing the library means: damage, a busy lock, a read-only file or
folder, or a full disk; and creating the database file private to this user."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from pathlib import Path

from motis_desktop.core.errors import LibraryError, WriteProblem
from motis_desktop.core.paths import PRIVATE_FILE_MODE

log = logging.getLogger(__name__)


class LibraryCorrupt(LibraryError):
    """The database file is damaged (or not a database at all): the only reason to set a library aside."""


class LibraryUnavailable(LibraryError):
    """The library cannot be opened or written for a reason that is not damage (permissions, a read-only
    disk, another process holding it). Nothing was changed; the files stay exactly as they are."""


_DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def is_damage(exc: sqlite3.Error) -> bool:
    """True only for SQLite's own verdict that the file is damaged or not a database."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(_DAMAGE_CODES) or (not name and "malformed" in str(exc))


def is_busy(exc: sqlite3.Error) -> bool:
    """True when another connection holds the database (SQLite's busy or locked codes)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(exc)


# Below this much free space, an I/O error while writing is taken for a full disk (SQLite reports ENOSPC as
# SQLITE_FULL from write(), but as an IOERR from some other calls, e.g. growing the -shm file).
_NEARLY_FULL_BYTES = 1 << 20


def write_problem_kind(exc: sqlite3.Error, db_path: Path) -> WriteProblem:
    """Which :class:`WriteProblem` a SQLite error met while writing ``db_path`` is (by SQLite's code)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL") or "database or disk is full" in str(exc):
        return WriteProblem.DISK_FULL
    if is_damage(exc):
        return WriteProblem.CORRUPT
    if is_busy(exc):
        return WriteProblem.LOCKED
    if name.startswith(("SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")) or "readonly" in str(exc):
        return WriteProblem.READ_ONLY
    if write_problem(db_path):
        return WriteProblem.READ_ONLY  # e.g. SQLITE_CANTOPEN for a -wal this user may not create
    try:
        if shutil.disk_usage(db_path.parent).free < _NEARLY_FULL_BYTES:
            return WriteProblem.DISK_FULL
    except OSError:
        pass
    return WriteProblem.IO_ERROR


def create_private(db_path: Path) -> None:
    """Create a missing database file readable by this user only (0600: it lists every photo path). SQLite
    creates the ``-wal`` and ``-shm`` files with the database's own mode. An existing file keeps its mode."""
    try:
        fd = os.open(db_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    except OSError as exc:  # SQLite will say the same, in its words, when it tries
        log.info("cannot create %s: %s", db_path, exc.strerror or exc)
        return
    os.close(fd)


def write_problem(db_path: Path) -> str | None:
    """Why the library at ``db_path`` cannot be written by this process (None if it can).

    Checks the folder and each of the database, ``-wal`` and ``-shm`` files that exist, and names the
    first one that is read-only or belongs to another user.
    """
    folder = db_path.parent
    for part in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        try:
            st = part.stat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            return f"{part} cannot be read ({exc.strerror or exc})"
        if not os.access(part, os.R_OK | os.W_OK):
            if not os.path.lexists(part):  # another process closed the library and SQLite removed it meanwhile
                continue
            access = "not writable" if os.access(part, os.R_OK) else "neither readable nor writable"
            return f"{part} is {access} by this user{_owner_note(st)}{_fs_note(part)}"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable by this user{_fs_note(folder)}"
    return None


def _owner_note(st: os.stat_result) -> str:
    if hasattr(os, "geteuid") and st.st_uid != os.geteuid():
        return f" (it belongs to user id {st.st_uid})"
    return ""


def _fs_note(path: Path) -> str:
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return " (read-only file system)"
    except (OSError, AttributeError):
        pass
    return ""
