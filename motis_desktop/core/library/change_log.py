"""Schema v8: what changed since a library version, so what is kept in memory per photo catches up with the
changes instead of reading every photo again (at 1M photos: 0.5 s of ids for the vector index after a removal,
1.8–3 s for the filters' photo table after any write that touched photos, e.g. every indexing batch).

- ``vectors_removed``: the vectors that left the library, written by a trigger, so every way a vector leaves (a
  photo deleted or changed, a folder forgotten: the foreign keys' cascades fire it too) is in it. It keeps the
  latest ``KEEP`` removals; ``meta.removed_since`` says from which version on it is complete (an index older
  than that compares ids, as before).
- ``files.seq``: the version that last changed a photo's folder, path, modification time or date (a trigger
  too), as ``embeddings.seq`` says it for its vector.

``seq`` is the library version of the transaction that wrote it (``meta.version`` + 1 while it is open).
"""

from __future__ import annotations

import sqlite3

_NEXT_VERSION = "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'), 0) + 1"

CHANGE_LOG_SCHEMA: tuple[str, ...] = (
    "CREATE TABLE vectors_removed (seq INTEGER NOT NULL, model_id TEXT NOT NULL, file_id INTEGER NOT NULL)",
    "CREATE INDEX vectors_removed_seq ON vectors_removed(seq)",
    f"""CREATE TRIGGER embeddings_removed AFTER DELETE ON embeddings BEGIN
        INSERT INTO vectors_removed(seq, model_id, file_id) VALUES ({_NEXT_VERSION}, old.model_id, old.file_id);
    END""",
    "ALTER TABLE files ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX files_seq ON files(seq)",
    f"""CREATE TRIGGER files_changed AFTER UPDATE OF folder_id, path, mtime_ns, taken_at ON files
    WHEN new.folder_id IS NOT old.folder_id OR new.path IS NOT old.path OR new.mtime_ns IS NOT old.mtime_ns
        OR new.taken_at IS NOT old.taken_at
    BEGIN
        UPDATE files SET seq = {_NEXT_VERSION} WHERE id = new.id;
    END""",
    # complete from the version this upgrade found: an index saved before it compares ids once
    "INSERT OR REPLACE INTO meta(key, value) "
    "VALUES ('removed_since', COALESCE((SELECT value FROM meta WHERE key = 'version'), '0'))",
)

KEEP = 200_000  # removals kept (~6 MB); a larger removal than this makes older indexes compare ids once


def prune(conn: sqlite3.Connection) -> None:
    """Drop the oldest removals past ``2 * KEEP`` down to ``KEEP`` (rowids grow with ``seq``: two index look-ups
    tell the size, so this costs nothing on the writes that remove little)."""
    low, high = conn.execute("SELECT MIN(rowid), MAX(rowid) FROM vectors_removed").fetchone()
    if low is None or high - low < 2 * KEEP:
        return
    cut = high - KEEP
    last = conn.execute("SELECT MAX(seq) FROM vectors_removed WHERE rowid <= ?", (cut,)).fetchone()[0]
    # a transaction's removals go whole: the log stays complete after ``removed_since``
    conn.execute("DELETE FROM vectors_removed WHERE seq <= ?", (last,))
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('removed_since', ?)", (str(last),))
