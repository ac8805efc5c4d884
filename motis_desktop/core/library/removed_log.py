"""Schema v8: a log of the vectors that left the library, so a vector index catches up on removals by reading
what left since its version instead of every id the library holds (0.5 s at 1M photos, plus a count of the
vectors, 50 ms, after every write).

A trigger writes the log, so every way a vector leaves (a photo deleted or changed, a folder forgotten: the
foreign keys' cascades fire it too) is in it. ``seq`` is the library version of the transaction that removed the
vector (``meta.version`` + 1 while it is open, as ``embeddings.seq`` is). The log keeps the latest
``KEEP`` removals; ``meta.removed_since`` says from which version on it is complete (an index older than that
compares ids, as before).
"""

from __future__ import annotations

import sqlite3

REMOVED_LOG_SCHEMA: tuple[str, ...] = (
    "CREATE TABLE vectors_removed (seq INTEGER NOT NULL, model_id TEXT NOT NULL, file_id INTEGER NOT NULL)",
    "CREATE INDEX vectors_removed_seq ON vectors_removed(seq)",
    """CREATE TRIGGER embeddings_removed AFTER DELETE ON embeddings BEGIN
        INSERT INTO vectors_removed(seq, model_id, file_id) VALUES (
            COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'version'), 0) + 1,
            old.model_id, old.file_id);
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
