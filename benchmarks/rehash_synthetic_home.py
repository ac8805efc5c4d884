"""Give a home built by ``synthetic_library.build_library`` before its rows had hashes of their own the hashes it
would get now (``row_digest``), in place: homes of 100k photos take minutes to build again.

    python benchmarks/rehash_synthetic_home.py /tmp/lead100k/home
"""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_library import row_digest  # noqa: E402

from motis_desktop.core.paths import AppPaths  # noqa: E402

_NUMBER = re.compile(rb"p(\d{7})\.jpg$")


def rehash(home: Path) -> int:
    """Rows changed."""
    db = sqlite3.connect(AppPaths(home).library_db)
    try:
        rows = db.execute("SELECT id, path FROM files WHERE content_hash IS NOT NULL").fetchall()
        changes = []
        for file_id, path in rows:
            raw = path if isinstance(path, bytes) else str(path).encode()
            match = _NUMBER.search(raw)
            if match:
                changes.append((row_digest(int(match.group(1))), file_id))
        with db:
            db.executemany("UPDATE files SET content_hash = ? WHERE id = ?", changes)
        return len(changes)
    finally:
        db.close()


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(f"{arg}: {rehash(Path(arg))} rows")
