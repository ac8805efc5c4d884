"""The photo library: SQLite (WAL) in the app's home, never in photo folders.

Tables: ``folders`` (library roots), ``files`` (path, size, mtime, content
hash, last decode error, date taken), ``embeddings`` (one vector per file and model id)
and ``meta`` (a change counter readers use to refresh cached indexes); ``gone``/``gone_embeddings`` keep what
photos that left the library lately held (``gone``: written and read by the scan's writes here; ``gone.forget``);
``scan_skips`` what each folder's last scan could not take (``scan_skips``).
The connection, its migrations and transactions are ``database.LibraryDatabase``; the rows are in
``records``; the schema in ``schema``. This module holds the library's reads and writes.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable

import numpy as np

from motis_desktop.core.errors import LibraryError
from motis_desktop.core.kinds import ImageProblem
from motis_desktop.core.library import gone
from motis_desktop.core.library.copies import insert_copies, take_twins
from motis_desktop.core.library.database import QUICK_CHECK_MAX_BYTES
from motis_desktop.core.library.date_rows import DateRows
from motis_desktop.core.library.problems import problem_from_words
from motis_desktop.core.library.records import (
    FILE_COLUMNS,
    ChangedFile,
    CopiedFile,
    EncodedFile,
    FileError,
    FileRecord,
    Folder,
    NewFile,
    PhotoDate,
    RenamedFile,
    ReturnedFile,
    ScanApplied,
    decode_path,
    encode_path,
    file_record,
    is_within,
)
from motis_desktop.core.library.schema import MIGRATIONS, SCHEMA_VERSION, split_sql
from motis_desktop.core.library.sqlite_problems import (
    LibraryCorrupt,
    LibraryUnavailable,
    is_damage,
    write_problem,
    write_problem_kind,
)

__all__ = [
    "QUICK_CHECK_MAX_BYTES",
    "SCHEMA_VERSION",
    "ChangedFile",
    "CopiedFile",
    "EncodedFile",
    "FileError",
    "FileRecord",
    "Folder",
    "LibraryCorrupt",
    "LibraryStore",
    "LibraryUnavailable",
    "NewFile",
    "PhotoDate",
    "RenamedFile",
    "ReturnedFile",
    "decode_path",
    "encode_path",
    "is_damage",
    "is_within",
    "write_problem",
    "write_problem_kind",
]

# Older names (tests read the migrations to build a library of an older schema).
_MIGRATIONS = MIGRATIONS
_split_sql = split_sql
_SHARED_HASHES = (
    "SELECT content_hash FROM files WHERE content_hash IS NOT NULL GROUP BY content_hash HAVING COUNT(*) > 1"
)


class LibraryStore(DateRows):
    """All reads and writes of the library: folders, files, embeddings, dates (see ``LibraryDatabase`` for
    how it opens, what read-only means and how writes fail)."""

    # -- folders -------------------------------------------------------------

    def folders(self) -> list[Folder]:
        rows = self._query(
            "SELECT f.id, f.path, COUNT(x.id) FROM folders f LEFT JOIN files x ON x.folder_id = f.id "
            "GROUP BY f.id ORDER BY f.path"
        )
        return [Folder(r[0], decode_path(r[1]), r[2]) for r in rows]

    def folder_paths(self) -> list[str]:
        """The library's roots, without :meth:`folders`' file counts (a scan of every file: this is per query)."""
        return [decode_path(r[0]) for r in self._query("SELECT path FROM folders ORDER BY path")]

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
        """Drop a root and its entries (never the photos); returns how many files left the library. Unlike photos
        that leave the folders on disk (kept a while, ``gone``), nothing of a folder the user removes is kept: the
        text read in its photos goes with it."""
        root = os.path.abspath(os.fspath(path))
        match = [f for f in self.folders() if f.path == root]
        if not match:
            raise LibraryError(f"{root} is not a library folder")
        with self.transaction() as conn:
            conn.execute("DELETE FROM folders WHERE id = ?", (match[0].id,))
        gone.drop_deleted_words(self)
        return match[0].file_count

    # -- files ---------------------------------------------------------------

    def files(self, folder_id: int | None = None) -> list[FileRecord]:
        sql = f"SELECT {FILE_COLUMNS} FROM files"
        rows = (
            self._query(sql + " WHERE folder_id = ? ORDER BY path", (folder_id,))
            if folder_id is not None
            else self._query(sql + " ORDER BY path")
        )
        return [file_record(r) for r in rows]

    def pending(self, model_id: str, folder_ids: Iterable[int]) -> list[FileRecord]:
        """Files of these folders with no embedding for ``model_id`` and no remembered permanent error."""
        ids = list(folder_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = self._query(
            f"SELECT {FILE_COLUMNS} FROM files "
            f"WHERE folder_id IN ({marks}) AND (error IS NULL OR error_transient = 1) "
            "AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.file_id = files.id AND e.model_id = ?) "
            "ORDER BY path",
            (*ids, model_id),
        )
        return [file_record(r) for r in rows]

    def failed(self, folder_ids: Iterable[int]) -> list[FileRecord]:
        """Files whose last decode failed permanently (remembered until they change)."""
        ids = list(folder_ids)
        marks = ",".join("?" * len(ids)) or "NULL"
        rows = self._query(
            f"SELECT {FILE_COLUMNS} FROM files "
            f"WHERE folder_id IN ({marks}) AND error IS NOT NULL AND error_transient = 0 ORDER BY path",
            ids,
        )
        return [file_record(r) for r in rows]

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

    def removed_vectors(self, model_id: str, since_version: int) -> np.ndarray | None:
        """File ids whose ``model_id`` vector left the library after ``since_version`` (some may be back since);
        None when the log of removals does not reach back that far (``library/change_log.py``)."""
        rows = self._query(
            "SELECT file_id FROM vectors_removed WHERE seq > ? AND model_id = ?", (since_version, model_id)
        )
        # read after the rows: a prune between the two shows here, so no row it took is trusted as absent
        since = self._query("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'removed_since'")
        if not since or since[0][0] > since_version:
            return None
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def embedding_ids(self, model_id: str) -> np.ndarray:
        """Sorted file ids that have an embedding for ``model_id``."""
        rows = self._query("SELECT file_id FROM embeddings WHERE model_id = ? ORDER BY file_id", (model_id,))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def embedding_count(self, model_id: str) -> int:
        """How many files have an embedding for ``model_id`` (read from an index: no vector is read)."""
        return int(self._query("SELECT COUNT(*) FROM embeddings WHERE model_id = ?", (model_id,))[0][0])

    def embedding_of(self, file_id: int, model_id: str) -> np.ndarray | None:
        rows = self._query("SELECT vector FROM embeddings WHERE file_id = ? AND model_id = ?", (file_id, model_id))
        return np.frombuffer(rows[0][0], dtype=np.float32).copy() if rows else None

    def counts(self, model_id: str | None) -> dict[str, int]:
        files = self._query("SELECT COUNT(*), COALESCE(SUM(error IS NOT NULL), 0) FROM files")[0]
        indexed = self.embedding_count(model_id) if model_id else 0
        return {"files": files[0], "errors": files[1], "indexed": indexed}

    # -- indexing writes -----------------------------------------------------

    def apply_scan(
        self,
        new: list[NewFile],
        changed: list[ChangedFile],
        renamed: list[RenamedFile],
        removed: list[int],
        copied: list[CopiedFile] | None = None,
        returned: list[ReturnedFile] | None = None,
        moved_away: list[int] | None = None,
    ) -> ScanApplied:
        """One transaction for a scan's differences (``removed``: file ids, whose vectors, date and text are kept
        a while, ``gone``; ``copied``: new files whose twin's embeddings, date and text they take,
        ``copies.insert_copies``; ``returned``: new files that take what a photo gone lately kept; ``moved_away``:
        folders whose photos ``renamed`` takes to another, ``folder_moves``). Returns how many of ``returned``
        took it, and how many new or moved photos were dropped because their folder left the library meanwhile."""
        now = time.time()
        with self.transaction() as conn:
            seq = self._version(conn) + 1  # the version this transaction commits as
            # A folder another process or thread removed meanwhile: its files stay out (the removal wins)
            live = {r[0] for r in conn.execute("SELECT id FROM folders")}
            found = len(new) + len(renamed) + len(copied or []) + len(returned or [])
            new, renamed = [n for n in new if n.folder_id in live], [r for r in renamed if r.folder_id in live]
            copied = [c for c in copied or [] if c.folder_id in live]
            returned = [r for r in returned or [] if r.folder_id in live]
            gone.prune(conn, now)
            took = gone.insert_returned(conn, returned, seq, now)
            gone.keep_gone(conn, removed, now)
            conn.executemany("DELETE FROM files WHERE id = ?", [(i,) for i in removed])
            # Same bytes (hashed): the text read in them holds at the new time too, so it is not read again
            conn.executemany(
                "UPDATE text_files SET mtime_ns = ? WHERE file_id = ? AND (size, mtime_ns) = "
                "(SELECT size, mtime_ns FROM files WHERE id = ?)",
                [(r.mtime_ns, r.file_id, r.file_id) for r in renamed],
            )
            conn.executemany(
                "UPDATE files SET folder_id = ?, path = ?, size = ?, mtime_ns = ? WHERE id = ?",
                [(r.folder_id, encode_path(r.path), r.size, r.mtime_ns, r.file_id) for r in renamed],
            )
            conn.executemany("DELETE FROM folders WHERE id = ?", [(i,) for i in moved_away or []])
            conn.executemany("DELETE FROM embeddings WHERE file_id = ?", [(c.file_id,) for c in changed])
            conn.executemany(
                "UPDATE files SET size = ?, mtime_ns = ?, content_hash = NULL, error = NULL, error_transient = 0, "
                "problem = NULL, taken_at = NULL, taken_source = NULL WHERE id = ?",
                [(c.size, c.mtime_ns, c.file_id) for c in changed],
            )
            conn.executemany(
                "INSERT INTO files(folder_id, path, size, mtime_ns, content_hash, added_at) VALUES (?, ?, ?, ?, ?, ?)",
                [(n.folder_id, encode_path(n.path), n.size, n.mtime_ns, n.content_hash, now) for n in new],
            )
            insert_copies(conn, copied, seq, now)
            gone.prune(conn, now)
        return ScanApplied(took, found - len(new) - len(renamed) - len(copied) - len(returned))

    def gone_sizes(self) -> dict[int, set[str]]:
        """The content hashes of photos that left the library lately, by size (``gone``)."""
        by_size: dict[int, set[str]] = {}
        for digest, size in self._query("SELECT content_hash, size FROM gone"):
            by_size.setdefault(size, set()).add(digest)
        return by_size

    def take_twins(self, model_id: str, files: list[FileRecord]) -> list[int]:
        """Give ``files`` (hashed, not encoded for ``model_id``) the vectors and date of a file with their
        content that has them (``copies.take_twins``), in one transaction; returns the ids that took them."""
        if not any(r.content_hash for r in files):
            return []
        # Only contents that more than one file has (a model switch's whole library is hashed: 100k lookups)
        shared = {r[0] for r in self._query(_SHARED_HASHES)}
        hashed = [(r.id, r.content_hash, r.mtime_ns) for r in files if r.content_hash and r.content_hash in shared]
        if not hashed:
            return []
        with self.transaction() as conn:
            return take_twins(conn, model_id, hashed, self._version(conn) + 1)

    def commit_batch(
        self,
        model_id: str,
        encoded: list[EncodedFile],
        errors: list[FileError],
        vanished: list[int],
    ) -> int:
        """Store a batch's embeddings, decode errors and vanished files (ids) atomically; returns how many of
        ``encoded`` were left out because their file row is gone (another process or thread removed their folder
        from the library meanwhile: the removal wins, and a vector for a missing row breaks the foreign key)."""
        left_out = 0
        with self.transaction() as conn:
            seq = self._version(conn) + 1  # the version this transaction commits as
            for item in encoded:
                updated = conn.execute(
                    "UPDATE files SET size = ?, mtime_ns = ?, content_hash = ?, error = NULL, error_transient = 0, "
                    "problem = NULL, taken_at = COALESCE(?, taken_at), taken_source = COALESCE(?, taken_source) "
                    "WHERE id = ?",
                    (item.size, item.mtime_ns, item.content_hash, item.taken_at, item.taken_source, item.file_id),
                )
                if updated.rowcount == 0:  # checked inside this write transaction: no one removes it before COMMIT
                    left_out += 1
                    continue
                conn.execute(
                    "INSERT OR REPLACE INTO embeddings(file_id, model_id, vector, seq) VALUES (?, ?, ?, ?)",
                    (item.file_id, model_id, np.ascontiguousarray(item.vector, dtype=np.float32).tobytes(), seq),
                )
            conn.executemany(
                "UPDATE files SET error = ?, error_transient = ?, problem = ? WHERE id = ?",
                [(e.reason, int(e.transient), _kind(e).value, e.file_id) for e in errors],
            )
            gone.keep_gone(conn, vanished, time.time())  # it may hold another model's vectors
            conn.executemany("DELETE FROM files WHERE id = ?", [(i,) for i in vanished])
        return left_out

    def folder_ids(self) -> dict[str, int]:
        """Each library root's path and id."""
        return {decode_path(raw): fid for fid, raw in self._query("SELECT id, path FROM folders")}

    def embedded(self, model_id: str, file_ids: Iterable[int]) -> np.ndarray:
        """Sorted ids among ``file_ids`` that have a vector for ``model_id``."""
        ids = sorted(int(i) for i in file_ids)
        found: list[int] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT file_id FROM embeddings WHERE model_id = ? AND file_id IN ({marks}) ORDER BY file_id"
            found += [r[0] for r in self._query(sql, (model_id, *chunk))]
        return np.asarray(found, dtype=np.int64)

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


def _kind(error: FileError) -> ImageProblem:
    """The kind to store for ``error``: its own, else the one its words name."""
    return error.problem if error.problem is not None else problem_from_words(error.reason, error.transient)
