"""The library database: one SQLite (WAL) connection, opened safely, migrated, and written in transactions."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Generator, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from motis_desktop.core.errors import LibraryError, LibraryWriteError, WriteProblem
from motis_desktop.core.library import change_log, open_check
from motis_desktop.core.library.problems import problem_code
from motis_desktop.core.library.schema import MIGRATIONS, SCHEMA_VERSION, split_sql
from motis_desktop.core.library.sqlite_problems import (
    LibraryCorrupt,
    LibraryUnavailable,
    create_private,
    is_busy,
    is_damage,
    write_problem,
    write_problem_kind,
)

log = logging.getLogger(__name__)

# Larger libraries skip the full page check at start (it reads the whole file); damage found later
# still surfaces as LibraryCorrupt from the operation that hits it.
QUICK_CHECK_MAX_BYTES = 1 << 30


class LibraryDatabase:
    """The library database: one connection, serialised by a lock; opening, migrating, transactions.

    Opening never mistakes a permission or read-only problem for damage: when the database, its
    ``-wal``/``-shm`` files or its folder cannot be written, the library is opened read-only
    (``read_only`` is then the reason) so searching still works, and writes raise
    :class:`LibraryUnavailable`. Only SQLite's corruption codes or a failed ``quick_check`` raise
    :class:`LibraryCorrupt`.
    """

    def __init__(self, db_path: Path, timeout_s: float = 10.0) -> None:
        self.db_path = db_path
        self._timeout_s = timeout_s
        self._lock = threading.RLock()
        self.read_only: str | None = None
        self._opened: open_check.Identity | None = None  # the file as opened, once it passed the check (or was good)
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryUnavailable(
                f"{db_path.parent}: cannot create the library folder ({exc.strerror or exc})"
            ) from None
        self.read_only = write_problem(db_path)
        self._full = False  # read-only because the disk was full at open (writes say "disk full")
        if not self.read_only:
            create_private(db_path)
        try:
            self._conn = self._open()
        except LibraryWriteError as exc:
            if exc.kind is not WriteProblem.DISK_FULL or self.read_only:
                raise
            # No room for the -wal/-shm: read what is there, so status and search still work.
            self.read_only, self._full = f"the disk holding {db_path.parent} is full", True
            self._conn = self._open()
        if self.read_only:
            log.info("library %s opened read-only: %s", db_path, self.read_only)

    def _open(self) -> sqlite3.Connection:
        try:
            conn = self._connect()
        except sqlite3.Error as exc:
            raise self._open_error(exc) from None
        self._conn = conn
        try:
            if not self.read_only:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.create_function("motis_problem", 2, problem_code, deterministic=True)  # the v5 migration
            self._quick_check(conn)
            self._migrate()
        except LibraryError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise self._open_error(exc) from None
        return conn

    def _quick_check(self, conn: sqlite3.Connection) -> None:
        """LibraryCorrupt when SQLite's page check fails; skipped for a file this process checked or the app's
        last clean close left as it is (``open_check``)."""
        identity = open_check.identity(self.db_path)
        if identity is None or identity[2] > QUICK_CHECK_MAX_BYTES:
            return
        if not open_check.known_good(self.db_path, identity):
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise LibraryCorrupt(f"{self.db_path}: integrity check failed: {verdict}")
            open_check.passed(self.db_path, identity)
        self._opened = identity

    def _connect(self) -> sqlite3.Connection:
        kwargs: dict[str, Any] = {"timeout": self._timeout_s, "isolation_level": None, "check_same_thread": False}
        if not self.read_only:
            conn: sqlite3.Connection = sqlite3.connect(str(self.db_path), **kwargs)
            return conn
        if not self.db_path.exists():
            raise LibraryUnavailable(f"{self.db_path}: no library here yet, and {self.read_only}")
        uri = self.db_path.resolve().as_uri()
        wal_empty = open_check.wal_empty(self.db_path)
        try:
            conn = sqlite3.connect(uri + "?mode=ro", uri=True, **kwargs)
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            return conn
        except sqlite3.Error as exc:
            if is_damage(exc) or not wal_empty:
                raise
        # No -wal to read and no way to create the -shm: the main file alone is the whole library.
        conn = sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, **kwargs)
        return conn

    def _open_error(self, exc: sqlite3.Error) -> LibraryError:
        if is_damage(exc):
            return LibraryCorrupt(f"{self.db_path}: {exc}")
        if is_busy(exc):
            return LibraryUnavailable(f"{self.db_path}: the library is busy in another MoTIS process; try again")
        if write_problem_kind(exc, self.db_path) is WriteProblem.DISK_FULL:
            return LibraryWriteError(WriteProblem.DISK_FULL, str(self.db_path), str(exc))
        why = write_problem(self.db_path) or self.read_only
        reason = f"{exc}; {why}" if why else str(exc)
        return LibraryUnavailable(f"{self.db_path}: cannot open the library ({reason}); no file was changed")

    def close(self) -> None:
        with open_check.closing(self.db_path, None if self.read_only else self._opened):
            self._conn.close()

    # -- schema --------------------------------------------------------------

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise LibraryError(
                f"{self.db_path}: library was written by a newer MoTIS Desktop (schema {version}); please upgrade"
            )
        if version < SCHEMA_VERSION and self.read_only:
            raise LibraryUnavailable(f"{self.db_path}: the library needs an update but {self.read_only}")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._write_error(exc) from None
            try:
                script = MIGRATIONS[target]
                for statement in script if isinstance(script, tuple) else split_sql(script):
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {target}")
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                if is_damage(exc):
                    raise LibraryCorrupt(f"{self.db_path}: {exc}") from None  # set aside by Services
                raise self._write_error(exc) from None
            except BaseException:
                self._rollback()
                raise

    @contextmanager
    def transaction(self, photos: bool = True) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on error); bumps the change counter, and the photos' one
        unless ``photos`` is False (a write that leaves every photo's row and vector as they were: text read in
        photos, the scan's remembered rejections), so what is read per photos' version is not read again.

        Every SQLite failure on the way becomes a :class:`LibraryWriteError` whose ``kind`` says why (disk
        full, read-only, locked, corrupt, other I/O); the transaction is rolled back only if SQLite has not
        already done so itself (it has, e.g., after a full disk), so the cause is never hidden.
        """
        with self._lock:
            self.check_writable()
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._write_error(exc) from None
            try:
                changes = self._conn.total_changes
                yield self._conn
                if self._conn.total_changes != changes:  # readers refresh only after a real change
                    if photos:
                        change_log.prune(self._conn)
                    for key in ("version", "photos_version") if photos else ("version",):
                        self._conn.execute(
                            "INSERT INTO meta(key, value) VALUES(?, '1') "
                            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
                            (key,),
                        )
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                self._note_damage(exc)
                if isinstance(exc, sqlite3.IntegrityError | sqlite3.ProgrammingError | sqlite3.InterfaceError):
                    raise  # a bug in the statement, not the disk
                raise self._write_error(exc) from None
            except BaseException:
                self._rollback()
                raise

    def check_writable(self) -> None:
        """:class:`LibraryWriteError` (READ_ONLY, or DISK_FULL when that is why) if this library was opened
        read-only."""
        if self.read_only:
            kind = WriteProblem.DISK_FULL if self._full else WriteProblem.READ_ONLY
            raise LibraryWriteError(kind, str(self.db_path), self.read_only)

    def _rollback(self) -> None:
        """Roll back the open transaction, if SQLite has not already (after SQLITE_FULL, IOERR, ...)."""
        if not self._conn.in_transaction:
            return
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error as exc:  # the first error is the one to report
            log.warning("%s: rollback failed: %s", self.db_path, exc)

    def _write_error(self, exc: sqlite3.Error) -> LibraryWriteError:
        kind = write_problem_kind(exc, self.db_path)
        detail = str(exc)
        if kind is WriteProblem.READ_ONLY:
            detail = write_problem(self.db_path) or detail
        log.warning("%s: write failed (%s): %s", self.db_path, kind.value, exc)
        return LibraryWriteError(kind, str(self.db_path), detail, waited_s=self._timeout_s)

    def _query(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                self._note_damage(exc)
                raise

    def _note_damage(self, exc: sqlite3.Error) -> None:
        """Damage met after opening: this file is checked again at the next open (``open_check.damaged``)."""
        if is_damage(exc):
            self._opened = None
            open_check.damaged(self.db_path)

    def select(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only statement (for the core's other library modules, e.g. ``text_store``)."""
        return self._query(sql, params)

    def select_chunks(self, sql: str, size: int) -> Generator[list[tuple[Any, ...]], None, None]:
        """Rows of a read-only statement ``size`` at a time, all from one read transaction: one snapshot of the
        library (WAL), whatever other connections commit meanwhile. Read through a connection of its own, so the
        shared one stays free for other threads while the reader works through the chunks (a 1M-photo gallery
        takes seconds); closed when the last chunk is taken or the iterator is closed (``contextlib.closing``)."""
        conn = self._connect()
        try:
            conn.execute("BEGIN")
            cursor = conn.execute(sql)
            while rows := cursor.fetchmany(size):
                yield rows
        except sqlite3.Error as exc:
            self._note_damage(exc)
            raise
        finally:
            conn.close()  # nothing was written: ends the read transaction

    def empty_log(self) -> bool:
        """Copy the write-ahead log (``-wal``) into the database file and empty it, so that rows just deleted do not
        stay in the log's bytes until the next automatic checkpoint. Best effort, after a commit: False when another
        connection's reader or writer kept it from finishing (it waits up to the busy timeout), or when read-only."""
        if self.read_only:
            return False
        with self._lock:
            try:
                busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.Error as exc:
                log.info("%s: the log was not emptied: %s", self.db_path, exc)
                return False
        return not busy

    def version(self) -> int:
        """A counter that grows by one with every committed write transaction."""
        with self._lock:
            try:
                return self._version(self._conn)
            except sqlite3.Error as exc:
                self._note_damage(exc)
                raise

    def photos_version(self) -> int:
        """A counter that grows with every committed write that may change a photo's row or vector (every write
        but those ``transaction(photos=False)`` makes)."""
        return self.versions()[1]

    def versions(self) -> tuple[int, int]:
        """``(version(), photos_version())`` read together (one statement: one snapshot of the library)."""
        row = self._query(
            "SELECT (SELECT value FROM meta WHERE key = 'version'), "
            "(SELECT value FROM meta WHERE key = 'photos_version')"
        )[0]
        return int(row[0] or 0), int(row[1] or 0)

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return int(row[0]) if row else 0

    def integrity_check(self) -> str:
        verdict = str(self._query("PRAGMA integrity_check")[0][0])
        if verdict != "ok":
            self._opened = None
            open_check.damaged(self.db_path)
        return verdict
