"""Schema v6 of the library: photos that left it lately (``library/gone.py``).

- ``gone``: one row per content hash of a photo that left the library (its file deleted or moved out of the
  library folders, or its folder forgotten) while indexed: its size (a returning file of another size is not
  hashed), the date its bytes gave (``taken_source`` "exif", or "mtime": the bytes hold no date), the text read
  in it as JSON (``text_files`` fields and ``text_lines`` rows; NULL when none was read) and when it left.
- ``gone_embeddings``: its vectors, one per model id.
Neither table is joined by the gallery, search or counts: a gone photo is nowhere in the app.
"""

from __future__ import annotations

GONE_SCHEMA: tuple[str, ...] = (
    """CREATE TABLE gone (
        content_hash TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        taken_at REAL,
        taken_source TEXT,
        text TEXT,
        gone_at REAL NOT NULL
    )""",
    "CREATE INDEX gone_size ON gone(size)",
    "CREATE INDEX gone_at ON gone(gone_at)",
    """CREATE TABLE gone_embeddings (
        content_hash TEXT NOT NULL REFERENCES gone(content_hash) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (content_hash, model_id)
    ) WITHOUT ROWID""",
)
