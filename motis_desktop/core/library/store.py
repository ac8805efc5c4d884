"""The photo library: SQLite (WAL) in the app's home, never in photo folders.

Tables: ``folders`` (library roots), ``files`` (path, size, mtime, content
hash, last decode error, date taken), ``embeddings`` (one vector per file and model id)
and ``meta`` (a change counter readers use to refresh cached indexes).
Paths are stored as the OS's bytes (``os.fsencode``) so names that are not
valid UTF-8 survive. The schema is versioned with ``PRAGMA user_version``.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from motis_desktop.core.errors import LibraryError, LibraryWriteError, WriteProblem
from motis_desktop.core.kinds import DateSource
from motis_desktop.core.library.text_schema import TEXT_SCHEMA
from motis_desktop.core.paths import PRIVATE_FILE_MODE

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
_DATE_SOURCES = frozenset(s.value for s in DateSource)

_MIGRATIONS: dict[int, str | tuple[str, ...]] = {
    1: """
    CREATE TABLE folders (
        id INTEGER PRIMARY KEY,
        path BLOB NOT NULL UNIQUE,
        added_at REAL NOT NULL
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        path BLOB NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT,
        error TEXT,
        error_transient INTEGER NOT NULL DEFAULT 0,
        added_at REAL NOT NULL
    );
    CREATE INDEX files_folder ON files(folder_id);
    CREATE INDEX files_hash ON files(content_hash);
    CREATE TABLE embeddings (
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (file_id, model_id)
    ) WITHOUT ROWID;
    CREATE INDEX embeddings_model ON embeddings(model_id, file_id);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # v2: ``seq`` = the library version that wrote the vector, so persisted vector
    # indexes can catch up incrementally (vectors written after the version they saw).
    2: """
    ALTER TABLE embeddings ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX embeddings_seq ON embeddings(model_id, seq);
    """,
    # v3: when the photo was taken (EXIF DateTimeOriginal, else mtime; unix time) and which of the two it
    # is. NULL until the indexer reads it; queries fall back to mtime meanwhile. Embeddings are untouched.
    3: """
    ALTER TABLE files ADD COLUMN taken_at REAL;
    ALTER TABLE files ADD COLUMN taken_source TEXT;
    CREATE INDEX files_taken ON files(taken_at);
    """,
    # v4: text read in photos (core/ocr) and full-text indexes of it and of file/folder names.
    4: TEXT_SCHEMA,
}


def encode_path(path: str | os.PathLike[str]) -> bytes:
    return os.fsencode(path)


def decode_path(raw: bytes) -> str:
    return os.fsdecode(raw)


@dataclass(frozen=True)
class Folder:
    id: int
    path: str
    file_count: int


@dataclass(frozen=True)
class FileRecord:
    id: int
    folder_id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    error: str | None
    error_transient: bool


@dataclass(frozen=True)
class PhotoDate:
    """When a photo was taken and where that date comes from (EXIF, mtime, or mtime not read yet: FILE)."""

    taken_at: float
    source: DateSource


@dataclass(frozen=True)
class EncodedFile:
    """One file's result from an indexing batch."""

    file_id: int
    size: int
    mtime_ns: int
    content_hash: str
    vector: np.ndarray
    taken_at: float | None = None  # unix time the photo was taken (EXIF, else mtime)
    taken_source: str | None = None  # "exif" or "mtime"


class NewFile(NamedTuple):
    """A file the scan found that the library does not know yet."""

    folder_id: int
    path: str
    size: int
    mtime_ns: int


class ChangedFile(NamedTuple):
    """A known file whose size or mtime changed: its embeddings, hash and error are dropped."""

    file_id: int
    size: int
    mtime_ns: int


class RenamedFile(NamedTuple):
    """A known file found at a new path with the same content: it keeps its embeddings."""

    file_id: int
    folder_id: int
    path: str
    size: int
    mtime_ns: int


class FileError(NamedTuple):
    """Why a file could not be indexed; ``transient`` errors are retried on the next run."""

    file_id: int
    reason: str
    transient: bool


class LibraryCorrupt(LibraryError):
    """The database file is damaged (or not a database at all): the only reason to set a library aside."""


class LibraryUnavailable(LibraryError):
    """The library cannot be opened or written for a reason that is not damage (permissions, a read-only
    disk, another process holding it). Nothing was changed; the files stay exactly as they are."""


# Larger libraries skip the full page check at start (it reads the whole file); damage found later
# still surfaces as LibraryCorrupt from the operation that hits it.
QUICK_CHECK_MAX_BYTES = 1 << 30

_DAMAGE_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")


def is_damage(exc: sqlite3.Error) -> bool:
    """True only for SQLite's own verdict that the file is damaged or not a database."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(_DAMAGE_CODES) or (not name and "malformed" in str(exc))


def _is_busy(exc: sqlite3.Error) -> bool:
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
    if _is_busy(exc):
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


class LibraryStore:
    """All reads and writes of the library database; one connection, serialised by a lock.

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
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LibraryUnavailable(
                f"{db_path.parent}: cannot create the library folder ({exc.strerror or exc})"
            ) from None
        self.read_only = write_problem(db_path)
        self._full = False  # read-only because the disk was full at open (writes say "disk full")
        if not self.read_only:
            _create_private(db_path)
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
        db_path = self.db_path
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
            if db_path.exists() and db_path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
                verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
                if verdict != "ok":
                    raise LibraryCorrupt(f"{db_path}: integrity check failed: {verdict}")
            self._migrate()
        except LibraryError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise self._open_error(exc) from None
        return conn

    def _connect(self) -> sqlite3.Connection:
        kwargs: dict[str, Any] = {"timeout": self._timeout_s, "isolation_level": None, "check_same_thread": False}
        if not self.read_only:
            conn: sqlite3.Connection = sqlite3.connect(str(self.db_path), **kwargs)
            return conn
        if not self.db_path.exists():
            raise LibraryUnavailable(f"{self.db_path}: no library here yet, and {self.read_only}")
        uri = self.db_path.resolve().as_uri()
        wal = self.db_path.with_name(self.db_path.name + "-wal")
        try:
            wal_empty = not wal.exists() or wal.stat().st_size == 0
        except OSError:
            wal_empty = False
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
        if _is_busy(exc):
            return LibraryUnavailable(f"{self.db_path}: the library is busy in another MoTIS process; try again")
        if write_problem_kind(exc, self.db_path) is WriteProblem.DISK_FULL:
            return LibraryWriteError(WriteProblem.DISK_FULL, str(self.db_path), str(exc))
        why = write_problem(self.db_path) or self.read_only
        reason = f"{exc}; {why}" if why else str(exc)
        return LibraryUnavailable(f"{self.db_path}: cannot open the library ({reason}); no file was changed")

    def close(self) -> None:
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
                script = _MIGRATIONS[target]
                for statement in script if isinstance(script, tuple) else _split_sql(script):
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
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on error); bumps the change counter.

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
                    self._conn.execute(
                        "INSERT INTO meta(key, value) VALUES('version', '1') "
                        "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
                    )
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
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
            return self._conn.execute(sql, tuple(params)).fetchall()

    def select(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only statement (for the core's other library modules, e.g. ``text_store``)."""
        return self._query(sql, params)

    def version(self) -> int:
        """A counter that grows by one with every committed write transaction."""
        with self._lock:
            return self._version(self._conn)

    @staticmethod
    def _version(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return int(row[0]) if row else 0

    def integrity_check(self) -> str:
        return str(self._query("PRAGMA integrity_check")[0][0])

    # -- folders -------------------------------------------------------------

    def folders(self) -> list[Folder]:
        rows = self._query(
            "SELECT f.id, f.path, COUNT(x.id) FROM folders f LEFT JOIN files x ON x.folder_id = f.id "
            "GROUP BY f.id ORDER BY f.path"
        )
        return [Folder(r[0], decode_path(r[1]), r[2]) for r in rows]

    def add_folder(self, path: str | os.PathLike[str]) -> Folder:
        """Add a library root (absolute, resolved). A folder inside an existing root is that root;
        existing roots inside the new one are merged into it.

        The check and the insert happen in one write transaction (``BEGIN IMMEDIATE`` holds the write
        lock from the start), so two processes adding the same folder at once both get the one root.
        """
        root = os.path.abspath(os.fspath(path))
        with self.transaction() as conn:
            for folder in self._folders(conn):
                if is_within(root, folder.path):
                    found_id, found_path = folder.id, folder.path
                    break
            else:
                found_path = root
                cur = conn.execute(
                    "INSERT INTO folders(path, added_at) VALUES (?, ?)", (encode_path(root), time.time())
                )
                assert cur.lastrowid is not None  # set by the INSERT above
                found_id = int(cur.lastrowid)
                for folder in self.folders_within(root, conn):
                    conn.execute("UPDATE files SET folder_id = ? WHERE folder_id = ?", (found_id, folder.id))
                    conn.execute("DELETE FROM folders WHERE id = ?", (folder.id,))
            # Counted inside the transaction: once it commits, another process may merge this root into a new
            # parent, and the root would be gone from a later read.
            (count,) = conn.execute("SELECT COUNT(*) FROM files WHERE folder_id = ?", (found_id,)).fetchone()
        return Folder(found_id, found_path, int(count))

    @staticmethod
    def _folders(conn: sqlite3.Connection) -> list[Folder]:
        return [Folder(r[0], decode_path(r[1]), 0) for r in conn.execute("SELECT id, path FROM folders ORDER BY path")]

    def folders_within(self, root: str, conn: sqlite3.Connection) -> list[Folder]:
        rows = conn.execute("SELECT id, path FROM folders").fetchall()
        return [
            Folder(r[0], decode_path(r[1]), 0)
            for r in rows
            if decode_path(r[1]) != root and is_within(decode_path(r[1]), root)
        ]

    def remove_folder(self, path: str | os.PathLike[str]) -> int:
        """Drop a root and its entries (never the photos); returns how many files left the library."""
        root = os.path.abspath(os.fspath(path))
        match = [f for f in self.folders() if f.path == root]
        if not match:
            raise LibraryError(f"{root} is not a library folder")
        with self.transaction() as conn:
            conn.execute("DELETE FROM folders WHERE id = ?", (match[0].id,))
        return match[0].file_count

    # -- files ---------------------------------------------------------------

    def files(self, folder_id: int | None = None) -> list[FileRecord]:
        sql = "SELECT id, folder_id, path, size, mtime_ns, content_hash, error, error_transient FROM files"
        rows = (
            self._query(sql + " WHERE folder_id = ? ORDER BY path", (folder_id,))
            if folder_id is not None
            else self._query(sql + " ORDER BY path")
        )
        return [_file_record(r) for r in rows]

    def pending(self, model_id: str, folder_ids: Iterable[int]) -> list[FileRecord]:
        """Files of these folders with no embedding for ``model_id`` and no remembered permanent error."""
        ids = list(folder_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._query(
            "SELECT id, folder_id, path, size, mtime_ns, content_hash, error, error_transient FROM files "
            f"WHERE folder_id IN ({marks}) AND (error IS NULL OR error_transient = 1) "
            "AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.file_id = files.id AND e.model_id = ?) "
            "ORDER BY path",
            (*ids, model_id),
        )
        return [_file_record(r) for r in rows]

    def failed(self, folder_ids: Iterable[int]) -> list[FileRecord]:
        """Files whose last decode failed permanently (remembered until they change)."""
        ids = list(folder_ids)
        marks = ",".join("?" * len(ids)) or "NULL"
        rows = self._query(
            "SELECT id, folder_id, path, size, mtime_ns, content_hash, error, error_transient FROM files "
            f"WHERE folder_id IN ({marks}) AND error IS NOT NULL AND error_transient = 0 ORDER BY path",
            ids,
        )
        return [_file_record(r) for r in rows]

    def file_id(self, path: str | os.PathLike[str]) -> int | None:
        """The id of a library file by its path, or None."""
        rows = self._query("SELECT id FROM files WHERE path = ?", (encode_path(os.path.abspath(os.fspath(path))),))
        return rows[0][0] if rows else None

    def folder_counts(self, model_id: str | None) -> dict[int, tuple[int, int, int]]:
        """{folder_id: (photos, still to index for ``model_id``, failed permanently)} for every folder."""
        rows = self._query(
            "SELECT f.id, COUNT(x.id), "
            "COALESCE(SUM(x.id IS NOT NULL AND (x.error IS NULL OR x.error_transient = 1) AND NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.file_id = x.id AND e.model_id = ?)), 0), "
            "COALESCE(SUM(x.error IS NOT NULL AND x.error_transient = 0), 0) "
            "FROM folders f LEFT JOIN files x ON x.folder_id = f.id GROUP BY f.id",
            (model_id or "",),
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def embedded_ids(self, model_id: str) -> set[int]:
        return {r[0] for r in self._query("SELECT file_id FROM embeddings WHERE model_id = ?", (model_id,))}

    def sample_paths(self, limit: int) -> list[str]:
        """Up to ``limit`` paths of photos without a remembered error, spread over the library."""
        rows = self._query("SELECT path FROM files WHERE error IS NULL ORDER BY random() LIMIT ?", (limit,))
        return [decode_path(r[0]) for r in rows]

    def paths(self, file_ids: Iterable[int]) -> dict[int, str]:
        ids = list(file_ids)
        out: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for fid, raw in self._query(f"SELECT id, path FROM files WHERE id IN ({marks})", chunk):
                out[fid] = decode_path(raw)
        return out

    def embeddings(self, model_id: str, since_version: int = -1) -> tuple[np.ndarray, np.ndarray]:
        """``(file_ids int64 [N], vectors float32 [N, D])`` stored for a model; with ``since_version``
        only those written by transactions after that library version."""
        rows = self._query(
            "SELECT file_id, vector FROM embeddings WHERE model_id = ? AND seq > ? ORDER BY file_id",
            (model_id, since_version),
        )
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
        return ids, vectors

    def embedding_ids(self, model_id: str) -> np.ndarray:
        """Sorted file ids that have an embedding for ``model_id``."""
        rows = self._query("SELECT file_id FROM embeddings WHERE model_id = ? ORDER BY file_id", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def embedding_of(self, file_id: int, model_id: str) -> np.ndarray | None:
        rows = self._query("SELECT vector FROM embeddings WHERE file_id = ? AND model_id = ?", (file_id, model_id))
        return np.frombuffer(rows[0][0], dtype=np.float32).copy() if rows else None

    def counts(self, model_id: str | None) -> dict[str, int]:
        files = self._query("SELECT COUNT(*), COALESCE(SUM(error IS NOT NULL), 0) FROM files")[0]
        indexed = (
            self._query("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,))[0][0] if model_id else 0
        )
        return {"files": files[0], "errors": files[1], "indexed": indexed}

    # -- indexing writes -----------------------------------------------------

    def apply_scan(
        self,
        new: list[NewFile],
        changed: list[ChangedFile],
        renamed: list[RenamedFile],
        removed: list[int],
    ) -> None:
        """One transaction for a scan's differences (``removed``: file ids)."""
        now = time.time()
        with self.transaction() as conn:
            conn.executemany("DELETE FROM files WHERE id = ?", [(i,) for i in removed])
            conn.executemany(
                "UPDATE files SET folder_id = ?, path = ?, size = ?, mtime_ns = ? WHERE id = ?",
                [(r.folder_id, encode_path(r.path), r.size, r.mtime_ns, r.file_id) for r in renamed],
            )
            conn.executemany("DELETE FROM embeddings WHERE file_id = ?", [(c.file_id,) for c in changed])
            conn.executemany(
                "UPDATE files SET size = ?, mtime_ns = ?, content_hash = NULL, error = NULL, error_transient = 0, "
                "taken_at = NULL, taken_source = NULL WHERE id = ?",
                [(c.size, c.mtime_ns, c.file_id) for c in changed],
            )
            conn.executemany(
                "INSERT INTO files(folder_id, path, size, mtime_ns, added_at) VALUES (?, ?, ?, ?, ?)",
                [(n.folder_id, encode_path(n.path), n.size, n.mtime_ns, now) for n in new],
            )

    def commit_batch(
        self,
        model_id: str,
        encoded: list[EncodedFile],
        errors: list[FileError],
        vanished: list[int],
    ) -> None:
        """Store a batch's embeddings, decode errors and vanished files (ids) atomically."""
        with self.transaction() as conn:
            seq = self._version(conn) + 1  # the version this transaction commits as
            for item in encoded:
                conn.execute(
                    "UPDATE files SET size = ?, mtime_ns = ?, content_hash = ?, error = NULL, error_transient = 0, "
                    "taken_at = COALESCE(?, taken_at), taken_source = COALESCE(?, taken_source) WHERE id = ?",
                    (item.size, item.mtime_ns, item.content_hash, item.taken_at, item.taken_source, item.file_id),
                )
                conn.execute(
                    "INSERT OR REPLACE INTO embeddings(file_id, model_id, vector, seq) VALUES (?, ?, ?, ?)",
                    (item.file_id, model_id, np.ascontiguousarray(item.vector, dtype=np.float32).tobytes(), seq),
                )
            conn.executemany(
                "UPDATE files SET error = ?, error_transient = ? WHERE id = ?",
                [(e.reason, int(e.transient), e.file_id) for e in errors],
            )
            conn.executemany("DELETE FROM files WHERE id = ?", [(i,) for i in vanished])

    # -- dates and filters ---------------------------------------------------

    def undated(self, model_id: str, folder_ids: Iterable[int]) -> list[FileRecord]:
        """Embedded files of these folders whose date taken was never read (e.g. indexed before schema v3)."""
        ids = list(folder_ids)
        marks = ",".join("?" * len(ids)) or "NULL"
        rows = self._query(
            "SELECT id, folder_id, path, size, mtime_ns, content_hash, error, error_transient FROM files "
            f"WHERE folder_id IN ({marks}) AND taken_at IS NULL "
            "AND EXISTS (SELECT 1 FROM embeddings e WHERE e.file_id = files.id AND e.model_id = ?) ORDER BY path",
            (*ids, model_id),
        )
        return [_file_record(r) for r in rows]

    def set_dates(self, dates: list[tuple[int, float, str]]) -> None:
        """Store (file_id, taken_at, source) for files whose date was read outside an encode batch."""
        if not dates:
            return
        with self.transaction() as conn:
            conn.executemany(
                "UPDATE files SET taken_at = ?, taken_source = ? WHERE id = ?", [(t, s, i) for i, t, s in dates]
            )

    def dates(self, file_ids: Iterable[int]) -> dict[int, PhotoDate]:
        """Date taken per file id; the file's mtime (source "file") where it has not been read yet."""
        ids = list(file_ids)
        out: dict[int, PhotoDate] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for fid, taken, source, mtime_ns in self._query(
                f"SELECT id, taken_at, taken_source, mtime_ns FROM files WHERE id IN ({marks})", chunk
            ):
                out[fid] = (
                    PhotoDate(taken, DateSource(source))
                    if taken is not None and source in _DATE_SOURCES
                    else PhotoDate(mtime_ns / 1e9, DateSource.FILE)
                )
        return out

    def filter_ids(
        self,
        model_id: str,
        folder_names: Iterable[str] = (),
        path_prefixes: Iterable[str] = (),
        after: float | None = None,
        before: float | None = None,
    ) -> np.ndarray:
        """Sorted ids of files embedded for ``model_id`` that pass every filter: lying under a folder of one
        of ``folder_names`` (any depth, case-insensitive) and under one of ``path_prefixes`` (when given),
        and taken in ``[after, before)``."""
        sql = (
            "SELECT f.id, f.path FROM files f JOIN embeddings e ON e.file_id = f.id AND e.model_id = ? "
            "WHERE COALESCE(f.taken_at, f.mtime_ns / 1e9) >= ? AND COALESCE(f.taken_at, f.mtime_ns / 1e9) < ? "
            "ORDER BY f.id"
        )
        lo = -float("inf") if after is None else after
        hi = float("inf") if before is None else before
        rows = self._query(sql, (model_id, lo, hi))
        names = {n.casefold() for n in folder_names}
        prefixes = [p.rstrip(os.sep) for p in path_prefixes]
        keep = []
        for fid, raw in rows:
            path = decode_path(raw)
            if prefixes and not any(is_within(path, p) for p in prefixes):
                continue
            if names and not names.intersection(part.casefold() for part in os.path.dirname(path).split(os.sep)):
                continue
            keep.append(fid)
        return np.asarray(keep, dtype=np.int64)

    def vectors_of(self, model_id: str, file_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, vectors)`` stored for ``model_id`` among ``file_ids`` (ids without one are left out)."""
        found_ids: list[int] = []
        blobs: list[bytes] = []
        ids = [int(i) for i in file_ids]
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for fid, blob in self._query(
                f"SELECT file_id, vector FROM embeddings WHERE model_id = ? AND file_id IN ({marks})",
                (model_id, *chunk),
            ):
                found_ids.append(fid)
                blobs.append(blob)
        if not found_ids:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        vectors = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(found_ids), -1)
        return np.asarray(found_ids, dtype=np.int64), vectors


def _create_private(db_path: Path) -> None:
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


def _file_record(row: tuple[Any, ...]) -> FileRecord:
    return FileRecord(row[0], row[1], decode_path(row[2]), row[3], row[4], row[5], row[6], bool(row[7]))


def is_within(path: str, root: str) -> bool:
    """True if ``path`` is ``root`` or lies below it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _split_sql(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
