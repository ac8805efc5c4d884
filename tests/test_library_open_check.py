"""The page check at opening: run once per process for an unchanged library file, again once it changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from motis_desktop.core.library.sqlite_problems import LibraryCorrupt
from motis_desktop.core.library.store import LibraryStore, NewFile


def _library(db: Path, photos: int) -> None:
    store = LibraryStore(db)
    folder = store.add_folder(str(db.parent / "photos"))
    store.apply_scan(
        [NewFile(folder.id, str(db.parent / "photos" / f"p{i:05d}.jpg"), i, i) for i in range(photos)], [], [], []
    )
    store.close()


def test_a_file_unchanged_since_this_process_checked_it_is_not_checked_again(tmp_path: Path) -> None:
    """Observed through what the check would find: damage written in place with the size and mtime kept (what a
    coarse-mtime filesystem can show) is not seen by a second open in this process; a fresh open elsewhere would."""
    db = tmp_path / "library.sqlite3"
    _library(db, 3000)
    LibraryStore(db).close()  # checked and found fine in this process
    st = db.stat()
    with open(db, "r+b") as fh:  # same inode, same size
        fh.seek(st.st_size - 3 * 4096)
        fh.write(os.urandom(2 * 4096))
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))
    LibraryStore(db).close()  # no LibraryCorrupt: the check was skipped (without the skip it raises)


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
