"""The page check at opening (``PRAGMA quick_check``, which reads the whole file): run once per process for an
unchanged library file and not at all after the app's last clean close left it as it is; run again once the file
changed, or when a killed process left its ``-wal``. Each open here is a fresh process unless said otherwise,
and what it sent to SQLite is traced."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from motis_desktop.core.library import open_check
from motis_desktop.core.library.sqlite_problems import LibraryCorrupt
from motis_desktop.core.library.store import LibraryStore, NewFile

OPEN = """
import json, sqlite3, sys, os
from pathlib import Path
seen = []
real = sqlite3.connect
def traced(*args, **kwargs):
    conn = real(*args, **kwargs)
    conn.set_trace_callback(seen.append)
    return conn
sqlite3.connect = traced
from motis_desktop.core.library import open_check
from motis_desktop.core.library.sqlite_problems import LibraryCorrupt
from motis_desktop.core.library.store import LibraryStore
try:
    store = LibraryStore(Path(sys.argv[1]))
    outcome = "opened"
except LibraryCorrupt:
    outcome = "corrupt"
checked = any("quick_check" in s for s in seen)
print(json.dumps({"outcome": outcome, "checked": checked}), flush=True)
if outcome == "opened":
    if sys.argv[2] == "read":
        try:
            store.select("SELECT count(*), sum(length(path)) FROM files")
            store.select("PRAGMA integrity_check")
            print(json.dumps({"read": "fine"}), flush=True)
        except Exception as exc:
            print(json.dumps({"read": type(exc).__name__}), flush=True)
    if sys.argv[2] == "kill":
        store.add_folder("/elsewhere")  # a write left in the -wal, then killed before closing
        os._exit(9)
    store.close()
"""


def _open_in_new_process(db: Path, end: str = "close") -> dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", OPEN, str(db), end], capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 9), proc.stderr
    result: dict[str, object] = {}
    for line in proc.stdout.splitlines():
        result.update(json.loads(line))
    return result


def _library(db: Path, photos: int) -> None:
    store = LibraryStore(db)
    folder = store.add_folder(str(db.parent / "photos"))
    store.apply_scan(
        [NewFile(folder.id, str(db.parent / "photos" / f"p{i:05d}.jpg"), i, i) for i in range(photos)], [], [], []
    )
    store.close()


def _damage_in_place(db: Path) -> None:
    """Damage an index or table page, keeping the inode, the size and the mtime (as a coarse-mtime filesystem
    could show it)."""
    st = db.stat()
    with open(db, "r+b") as fh:
        fh.seek(st.st_size - 3 * 4096)
        fh.write(os.urandom(2 * 4096))
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))


def _damaged_after_a_clean_close(tmp_path: Path) -> Path:
    """A library damaged while it looked as the last clean close left it (a failing disk does that; here the record
    is rewritten to match the damaged file)."""
    db = tmp_path / "library.sqlite3"
    _library(db, 3000)
    _damage_in_place(db)
    identity = open_check.identity(db)
    assert identity is not None
    open_check.marker_path(db).write_text(json.dumps(list(identity)))
    return db


def test_a_library_the_app_closed_cleanly_is_not_checked_again_until_it_changes(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    _library(db, 3000)  # checked at opening, closed cleanly (the last connection)
    assert _open_in_new_process(db) == {"outcome": "opened", "checked": False}
    assert _open_in_new_process(db) == {"outcome": "opened", "checked": False}  # its own close kept the record
    _damage_in_place(db)  # size and mtime kept: the ctime says it changed
    assert _open_in_new_process(db) == {"outcome": "corrupt", "checked": True}


def test_a_library_left_by_a_killed_process_is_checked(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    _library(db, 300)
    assert _open_in_new_process(db, end="kill") == {"outcome": "opened", "checked": False}
    assert _open_in_new_process(db) == {"outcome": "opened", "checked": True}  # its -wal was there
    assert _open_in_new_process(db) == {"outcome": "opened", "checked": False}  # that one closed cleanly


def test_damage_in_place_after_a_checked_open_is_found_by_this_process(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    _library(db, 3000)
    LibraryStore(db).close()  # known good in this process
    _damage_in_place(db)
    with pytest.raises(LibraryCorrupt):
        LibraryStore(db).close()


def test_damage_after_a_checked_open_is_still_found_at_the_next_open(tmp_path: Path) -> None:
    db = tmp_path / "library.sqlite3"
    _library(db, 3000)  # several pages, so damage can hit a page the schema read does not
    LibraryStore(db).close()  # checked and found fine in this process
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    data[-3 * page : -page] = os.urandom(2 * page)  # an index or table page, not the schema
    db.write_bytes(bytes(data))
    with pytest.raises(LibraryCorrupt):
        LibraryStore(db).close()


def test_damage_met_after_a_skipped_check_is_checked_at_the_next_start(tmp_path: Path) -> None:
    """This start skips the check, SQLite meets the damage while reading, and the next start checks the file and
    finds it."""
    db = _damaged_after_a_clean_close(tmp_path)
    assert _open_in_new_process(db, end="read") == {"outcome": "opened", "checked": False, "read": "DatabaseError"}
    assert _open_in_new_process(db) == {"outcome": "corrupt", "checked": True}


def test_damage_met_by_one_connection_is_not_recorded_as_clean_by_another(tmp_path: Path) -> None:
    """The window holds the library on several threads: the one that meets damage takes the record away, and the
    last one to close must not write it again."""
    db = _damaged_after_a_clean_close(tmp_path)
    meets, other = LibraryStore(db), LibraryStore(db)  # both skip the check: the file looks as it was left
    with pytest.raises(sqlite3.DatabaseError):
        meets.select("SELECT sum(length(path)) FROM files")
    meets.close()
    other.close()  # the last connection
    assert _open_in_new_process(db) == {"outcome": "corrupt", "checked": True}


def test_damage_met_by_another_process_is_not_recorded_as_clean_by_this_one(tmp_path: Path) -> None:
    """The window and a `motis` command hold the library at once: the one that meets damage leaves a record of it,
    and the other, closing last, must not record the file as clean."""
    db = _damaged_after_a_clean_close(tmp_path)
    holder = LibraryStore(db)  # skips the check: the file looks as it was left
    assert _open_in_new_process(db, end="read") == {"outcome": "opened", "checked": False, "read": "DatabaseError"}
    holder.close()  # the last connection
    assert _open_in_new_process(db) == {"outcome": "corrupt", "checked": True}
