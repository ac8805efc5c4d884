"""Copies of photos the library already holds: the scan found a new file whose bytes equal a known file's
(its twin, ``scan_diff``), so the new row takes what the twin's bytes gave: its content hash, date taken (the
date in the bytes: a twin dated by its own file time gives the copy its own, ``records.carried_date``), every
model's embedding and the text read in it (``text_files``/``text_lines``, schema v4; the FTS triggers index the
copied lines). Written inside the scan's transaction (``LibraryStore.apply_scan``): a kill leaves all of a scan's
rows or none of them.

New files that are copies of each other (none in the library yet) are hashed by the scan, which stores their
content hash; the indexer encodes one of them and :func:`take_twins` gives the others its vectors and date.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from motis_desktop.core.library.records import CopiedFile, carried_date, encode_path


def insert_copies(conn: sqlite3.Connection, copies: Sequence[CopiedFile], seq: int, now: float) -> None:
    """Insert each copy's row and copy its twin's embeddings (stamped ``seq``, the version this transaction
    commits as, so vector indexes catch up with them) and current text (a twin whose text was read from an
    older version of it gives none: the text stage reads the copy)."""
    for copy in copies:
        twin = conn.execute(
            "SELECT content_hash, taken_at, taken_source FROM files WHERE id = ?", (copy.twin_id,)
        ).fetchone()
        if twin is None:  # the twin left the library: a plain new file
            conn.execute(
                "INSERT INTO files(folder_id, path, size, mtime_ns, added_at) VALUES (?, ?, ?, ?, ?)",
                (copy.folder_id, encode_path(copy.path), copy.size, copy.mtime_ns, now),
            )
            continue
        cur = conn.execute(
            "INSERT INTO files(folder_id, path, size, mtime_ns, content_hash, taken_at, taken_source, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (copy.folder_id, encode_path(copy.path), copy.size, copy.mtime_ns, twin[0])
            + carried_date(twin[1], twin[2], copy.mtime_ns)
            + (now,),
        )
        assert cur.lastrowid is not None  # set by the INSERT above
        file_id = int(cur.lastrowid)
        _take_vectors(conn, file_id, copy.twin_id, seq)
        text = conn.execute(
            "INSERT INTO text_files(file_id, size, mtime_ns, engine, lines, width, height, error, read_at) "
            "SELECT ?, ?, ?, t.engine, t.lines, t.width, t.height, t.error, t.read_at "
            "FROM text_files t JOIN files f ON f.id = t.file_id "
            "WHERE t.file_id = ? AND t.size = f.size AND t.mtime_ns = f.mtime_ns",
            (file_id, copy.size, copy.mtime_ns, copy.twin_id),
        )
        if text.rowcount:
            conn.execute(
                "INSERT INTO text_lines(file_id, line, text, norm, confidence, box, words) "
                "SELECT ?, line, text, norm, confidence, box, words FROM text_lines WHERE file_id = ? ORDER BY line",
                (file_id, copy.twin_id),
            )


def take_twins(conn: sqlite3.Connection, model_id: str, files: Sequence[tuple[int, str, int]], seq: int) -> list[int]:
    """Give each of ``files`` (``(file id, content hash, mtime_ns)``, not encoded for ``model_id``) the vectors
    (every model's it lacks, stamped ``seq``) and date of another file with its content that has this model's
    vector; returns the ids that took them."""
    took: list[int] = []
    for file_id, digest, mtime_ns in files:
        twin = conn.execute(
            "SELECT f.id, f.taken_at, f.taken_source FROM files f JOIN embeddings e ON e.file_id = f.id "
            "WHERE f.content_hash = ? AND f.id != ? AND f.error IS NULL AND e.model_id = ? "
            "AND EXISTS (SELECT 1 FROM files mine WHERE mine.id = ?) LIMIT 1",  # not removed meanwhile
            (digest, file_id, model_id, file_id),
        ).fetchone()
        if twin is None:
            continue
        _take_vectors(conn, file_id, twin[0], seq)
        conn.execute(
            "UPDATE files SET taken_at = ?, taken_source = ? WHERE id = ?",
            (*carried_date(twin[1], twin[2], mtime_ns), file_id),
        )
        took.append(file_id)
    return took


def _take_vectors(conn: sqlite3.Connection, file_id: int, twin_id: int, seq: int) -> None:
    """Give ``file_id`` every model's vector of ``twin_id`` it lacks, stamped ``seq`` (the version the transaction
    commits as, so vector indexes catch up with them)."""
    conn.execute(
        "INSERT OR IGNORE INTO embeddings(file_id, model_id, vector, seq) "
        "SELECT ?, model_id, vector, ? FROM embeddings WHERE file_id = ?",
        (file_id, seq, twin_id),
    )
