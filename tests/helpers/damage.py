"""Damage a library file the way a failing disk does, for tests of what the app does with it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path


def scramble_files_table(db: Path) -> None:
    """Overwrite the ``files`` table's root page with noise (the file keeps its size)."""
    with sqlite3.connect(db) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'files'").fetchone()[0]
    conn.close()
    with open(db, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(os.urandom(page_size))
