"""Schema v4 of the library: the text read in photos and full-text indexes of it and of file names.

- ``text_files``: one row per photo whose text was read (or whose reading failed), with the file's size and
  mtime at that time: a photo is read again only when those change (or the engine does); ``width``/``height``:
  the photo's size as shown (EXIF orientation applied), which the boxes' pixel coordinates refer to.
- ``text_lines``: the lines read (text, confidence, box and word boxes as JSON); ``norm`` is the text folded
  for matching (lower case, accents removed, see ``core.ocr.textnorm``).
- ``text_fts``: FTS5 ``unicode61 remove_diacritics 2`` over the folded lines: word and prefix queries, BM25.
- ``text_tri``: FTS5 ``trigram`` over ``norm``: substrings (``text:"…"``, parts of words).
- ``names`` / ``names_fts``: each file's path below its library folder, folded, with separators as spaces,
  so ``wifi-password.png`` is found by "wifi password" (kept in step by the indexer).
Triggers keep the external-content FTS tables in step with their tables (foreign-key cascades fire them).
"""

from __future__ import annotations

TEXT_SCHEMA: tuple[str, ...] = (
    """CREATE TABLE text_files (
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        engine TEXT NOT NULL,
        lines INTEGER NOT NULL DEFAULT 0,
        width INTEGER NOT NULL DEFAULT 0,
        height INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        read_at REAL NOT NULL
    )""",
    """CREATE TABLE text_lines (
        id INTEGER PRIMARY KEY,
        file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        line INTEGER NOT NULL,
        text TEXT NOT NULL,
        norm TEXT NOT NULL,
        confidence REAL NOT NULL,
        box TEXT NOT NULL,
        words TEXT NOT NULL DEFAULT '[]'
    )""",
    "CREATE INDEX text_lines_file ON text_lines(file_id, line)",
    """CREATE VIRTUAL TABLE text_fts USING fts5(
        norm, content='text_lines', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
    )""",
    "CREATE VIRTUAL TABLE text_tri USING fts5(norm, content='text_lines', content_rowid='id', tokenize='trigram')",
    """CREATE TRIGGER text_lines_ai AFTER INSERT ON text_lines BEGIN
        INSERT INTO text_fts(rowid, norm) VALUES (new.id, new.norm);
        INSERT INTO text_tri(rowid, norm) VALUES (new.id, new.norm);
    END""",
    """CREATE TRIGGER text_lines_ad AFTER DELETE ON text_lines BEGIN
        INSERT INTO text_fts(text_fts, rowid, norm) VALUES ('delete', old.id, old.norm);
        INSERT INTO text_tri(text_tri, rowid, norm) VALUES ('delete', old.id, old.norm);
    END""",
    """CREATE TABLE names (
        file_id INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
        path BLOB NOT NULL,
        name TEXT NOT NULL,
        words TEXT NOT NULL
    )""",
    """CREATE VIRTUAL TABLE names_fts USING fts5(
        words, content='names', content_rowid='file_id', tokenize='unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER names_ai AFTER INSERT ON names BEGIN
        INSERT INTO names_fts(rowid, words) VALUES (new.file_id, new.words);
    END""",
    """CREATE TRIGGER names_ad AFTER DELETE ON names BEGIN
        INSERT INTO names_fts(names_fts, rowid, words) VALUES ('delete', old.file_id, old.words);
    END""",
)
