"""Photos that left the library lately, kept by content so that one coming back is not encoded again.

A folder moved out of the library folders (to an external disk, say) and back a day later was encoded whole
again: its rows were deleted when the scan missed it. Now, in the transaction that deletes a photo's row (the
scan's, a vanished file's, or forgetting its folder), what its bytes gave is written to ``gone``/
``gone_embeddings`` (schema v6, ``gone_schema``), keyed by its content hash: every model's vector, the date its
bytes hold and the text read in it. The scan hashes a new file that has the size of a gone photo (as it does
for renames and copies), and equal content makes a new row that takes all of that, in the scan's transaction,
and takes the photo out of ``gone``. A kill leaves the scan's rows and ``gone`` as they were before or after it.

Why separate tables rather than keeping the deleted rows in ``files`` with a mark: every read of ``files`` (the
gallery, search, filters, counts, ``motis status``, the text and name indexes, the vector indexes' catch-up)
would have to leave marked rows out, and one that forgot would show a photo that is not there; tables that
nothing else reads cannot leak. Keyed by content rather than path, because the photo comes back wherever it
is put, and equal bytes give equal vectors.

Bounded: a photo is kept :data:`KEEP_DAYS` days after it left, and at most :data:`KEEP_MOST` photos (the most
recently gone) are kept; pruned in each scan's transaction. At 512 dimensions that is ~2 KiB per photo and model.
A user forgets them all at once with :func:`forget` (Settings, ``motis folders forget-removed``): a photo deleted
for its content (a passport scan) need not be remembered for 30 days.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from motis_desktop.core.library.database import LibraryDatabase
from motis_desktop.core.library.records import ReturnedFile, carried_date, encode_path

KEEP_DAYS = 30.0  # a photo that left longer ago is encoded again when it comes back
KEEP_MOST = 20_000  # photos kept at most (the most recent to leave); ~40 MB of vectors per model at 512 dimensions
_CHUNK = 500
_WORD_INDEXES = ("text_fts", "text_tri", "names_fts")  # FTS5 tables over the text read in photos and file names


def keep_gone(conn: sqlite3.Connection, file_ids: Sequence[int], now: float) -> None:
    """Remember what the indexed files among ``file_ids`` hold, before their rows are deleted in the same
    transaction (files never decoded fine, or with no vector, have nothing to keep)."""
    ids = list(file_ids)[-KEEP_MOST:]
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = conn.execute(
            "SELECT id, content_hash, size, mtime_ns, taken_at, taken_source FROM files f "
            f"WHERE id IN ({','.join('?' * len(chunk))}) AND content_hash IS NOT NULL AND error IS NULL "
            "AND EXISTS (SELECT 1 FROM embeddings e WHERE e.file_id = f.id)",
            chunk,
        ).fetchall()
        for file_id, digest, size, mtime_ns, taken_at, source in rows:
            conn.execute(
                "INSERT INTO gone(content_hash, size, taken_at, taken_source, text, gone_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(content_hash) DO UPDATE SET size = excluded.size, taken_at = excluded.taken_at, "
                "taken_source = excluded.taken_source, text = COALESCE(excluded.text, gone.text), "
                "gone_at = excluded.gone_at",
                (digest, size, taken_at, source, _text_of(conn, file_id, size, mtime_ns), now),
            )
            conn.execute(
                "INSERT OR REPLACE INTO gone_embeddings(content_hash, model_id, vector) "
                "SELECT ?, model_id, vector FROM embeddings WHERE file_id = ?",
                (digest, file_id),
            )


def prune(conn: sqlite3.Connection, now: float) -> None:
    """Forget photos gone more than :data:`KEEP_DAYS` ago, and all but the :data:`KEEP_MOST` latest (their vectors
    go with them: the foreign key cascades)."""
    conn.execute("DELETE FROM gone WHERE gone_at < ?", (now - KEEP_DAYS * 86400,))
    conn.execute(
        "DELETE FROM gone WHERE content_hash IN "
        "(SELECT content_hash FROM gone ORDER BY gone_at DESC, content_hash LIMIT -1 OFFSET ?)",
        (KEEP_MOST,),
    )


def count(store: LibraryDatabase) -> int:
    """How many photos that left the library are kept (cheap: ``gone`` holds at most :data:`KEEP_MOST` rows)."""
    return int(store.select("SELECT COUNT(*) FROM gone")[0][0])


def forget(store: LibraryDatabase) -> int:
    """Forget every photo kept in ``gone`` (vectors, date, text), in one write transaction: a scan's
    transaction comes wholly before or after it (one coming back after it is encoded again, as a new photo).
    Then their words leave the full-text indexes and the log is emptied (:func:`drop_deleted_words`), so their
    text is not left in the file's bytes either. Returns how many."""
    with store.transaction() as conn:
        (kept,) = conn.execute("SELECT COUNT(*) FROM gone").fetchone()
        conn.execute("DELETE FROM gone_embeddings")  # the foreign key cascades too; not left to it
        conn.execute("DELETE FROM gone")
    if kept:
        drop_deleted_words(store)
    return int(kept)


def drop_deleted_words(store: LibraryDatabase) -> None:
    """Rewrite the full-text indexes without the words of deleted rows, then empty the log: SQLite's FTS5 keeps a
    deleted row's words until its segments merge ("secure-delete" needs SQLite 3.42), so the text and names of
    photos the user asked to forget would stay in the file. For rare, asked-for deletions (forgetting gone photos,
    removing a folder): it rewrites the indexes whole (seconds at most on a large library)."""
    with store.transaction() as conn:
        for table in _WORD_INDEXES:
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")
    store.empty_log()


def insert_returned(conn: sqlite3.Connection, returned: Sequence[ReturnedFile], seq: int, now: float) -> int:
    """Insert each returning file's row with the vectors (stamped ``seq``), date and text its bytes gave, and
    forget it as gone; returns how many took them (one pruned meanwhile is a plain new file)."""
    took = 0
    for item in returned:
        row = conn.execute("SELECT taken_at, taken_source, text FROM gone WHERE content_hash = ?", (item.content_hash,))
        found = row.fetchone()
        if found is None:
            conn.execute(
                "INSERT INTO files(folder_id, path, size, mtime_ns, added_at) VALUES (?, ?, ?, ?, ?)",
                (item.folder_id, encode_path(item.path), item.size, item.mtime_ns, now),
            )
            continue
        taken_at, source = carried_date(found[0], found[1], item.mtime_ns)
        cur = conn.execute(
            "INSERT INTO files(folder_id, path, size, mtime_ns, content_hash, taken_at, taken_source, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                item.folder_id,
                encode_path(item.path),
                item.size,
                item.mtime_ns,
                item.content_hash,
                taken_at,
                source,
                now,
            ),
        )
        assert cur.lastrowid is not None  # set by the INSERT above
        conn.execute(
            "INSERT INTO embeddings(file_id, model_id, vector, seq) "
            "SELECT ?, model_id, vector, ? FROM gone_embeddings WHERE content_hash = ?",
            (cur.lastrowid, seq, item.content_hash),
        )
        if found[2] is not None:
            _restore_text(conn, int(cur.lastrowid), item.size, item.mtime_ns, json.loads(found[2]))
        took += 1
    conn.executemany("DELETE FROM gone WHERE content_hash = ?", [(r.content_hash,) for r in returned])
    return took


def _text_of(conn: sqlite3.Connection, file_id: int, size: int, mtime_ns: int) -> str | None:
    """The text read in this version of the file as JSON (None when none was read, or it was read from an older
    version of the file)."""
    row = conn.execute(
        "SELECT engine, lines, width, height, error, read_at FROM text_files WHERE file_id = ? AND size = ? "
        "AND mtime_ns = ?",
        (file_id, size, mtime_ns),
    ).fetchone()
    if row is None:
        return None
    lines = conn.execute(
        "SELECT line, text, norm, confidence, box, words FROM text_lines WHERE file_id = ? ORDER BY line", (file_id,)
    ).fetchall()
    return json.dumps({"file": list(row), "lines": [list(line) for line in lines]})


def _restore_text(conn: sqlite3.Connection, file_id: int, size: int, mtime_ns: int, text: dict[str, Any]) -> None:
    """Give a returning file the text kept for its bytes, as read from this version of the file (the FTS
    triggers index the lines)."""
    conn.execute(
        "INSERT INTO text_files(file_id, size, mtime_ns, engine, lines, width, height, error, read_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (file_id, size, mtime_ns, *text["file"]),
    )
    conn.executemany(
        "INSERT INTO text_lines(file_id, line, text, norm, confidence, box, words) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(file_id, *line) for line in text["lines"]],
    )
