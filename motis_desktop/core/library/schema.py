"""The library's schema: one migration per version, applied in order by ``LibraryDatabase``.

The version is ``PRAGMA user_version``; each migration runs in its own write transaction (all of it or
nothing), so an interrupted upgrade resumes from the last version that committed.
"""

from __future__ import annotations

from motis_desktop.core.library.change_log import CHANGE_LOG_SCHEMA
from motis_desktop.core.library.gone_schema import GONE_SCHEMA
from motis_desktop.core.library.text_schema import TEXT_SCHEMA

SCHEMA_VERSION = 8

MIGRATIONS: dict[int, str | tuple[str, ...]] = {
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
    # v5: the kind of a file's problem as a code (kinds.ImageProblem) beside its words, which stay as the detail.
    # Old rows get the kind their words and retry flag name (library/problems.py, registered on the connection
    # as motis_problem); in the same transaction as the new column, so an interrupted upgrade is redone whole.
    5: (
        "ALTER TABLE files ADD COLUMN problem TEXT",
        "UPDATE files SET problem = motis_problem(error, error_transient) WHERE error IS NOT NULL",
    ),
    # v6: photos that left the library lately, by content hash, with what their bytes gave (library/gone.py), so
    # one that comes back takes it instead of being read and encoded again. Never read by the gallery or search.
    6: GONE_SCHEMA,
    # v7: what each folder's last scan could not take (a broken link, a link loop), so a run says it once as new
    # and then as "still skipped", as for files a decoder could not read (library/scan_skips.py).
    7: (
        """CREATE TABLE scan_skips (
            folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
            path BLOB NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (folder_id, path)
        ) WITHOUT ROWID""",
    ),
    # v8: the vectors that left the library and the version that last changed each photo's row
    # (library/change_log.py), so what is kept per photo in memory catches up without reading every photo.
    8: CHANGE_LOG_SCHEMA,
}


def split_sql(script: str) -> list[str]:
    """The statements of a migration script (``;``-separated)."""
    return [s.strip() for s in script.split(";") if s.strip()]
