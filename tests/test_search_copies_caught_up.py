"""The copies a search ranks once (``search/contents.py``) are caught up after each write, not read again whole: a
search during indexing read every file with copies after each committed batch (270-470 ms at 100k files that are
all copies, the lead's note after copies3). What a session finds stays what a fresh one finds."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from helpers.photos import COLOURS, write_colour_photo

from motis_desktop.core.services import Services

WHOLE_READ = "f.content_hash IN (SELECT content_hash FROM files"  # reads every file with copies (contents.py)


def _statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every statement run on the connections opened from now on."""
    seen: list[str] = []
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return seen


def _library(home: Path, photos: Path) -> Services:
    """12 colour photos and a backup of ``sub`` (6 copies), indexed."""
    from helpers.photos import make_colour_folder

    make_colour_folder(photos, per_colour=2)
    shutil.copytree(photos / "sub", photos / "sub backup")
    services = Services.open(home)
    services.add_folders([str(photos)])
    assert services.index(read_text=False).copied == 6
    return services


def test_a_search_after_an_indexing_batch_reads_only_the_contents_it_touched(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = tmp_path / "photos"
    statements = _statements(monkeypatch)
    services = _library(colour_home, photos)
    try:
        del statements[:]
        services.query("red", cutoff=False)
        assert sum(WHOLE_READ in s for s in statements) == 1
        write_colour_photo(photos / "new" / "red_new.png", COLOURS["red"], 64, 64, seed=99)
        assert services.index(read_text=False).encoded == 1
        del statements[:]
        hits = services.query("red", limit=3, cutoff=False).hits
        assert str(photos / "new" / "red_new.png") in [h.path for h in hits]
        assert not [s for s in statements if WHOLE_READ in s]
    finally:
        services.close()


def _found(services: Services) -> list[object]:
    """What the user sees of a search and of a list by date: paths, other paths, counts."""
    out: list[object] = []
    for text in ("red", "sort:date", "folder:backup"):
        result = services.query(text, cutoff=False)
        out.append([(h.path, sorted(h.also_at), h.also_more) for h in result.hits])
        out.append((result.candidates, result.more))
    return out


def _fresh(home: Path) -> list[object]:
    fresh = Services.open(home)
    try:
        return _found(fresh)
    finally:
        fresh.close()


def test_a_session_finds_what_a_fresh_one_finds_as_copies_come_and_go(colour_home: Path, tmp_path: Path) -> None:
    """Guard (the build before read the copies again whole): copies added, an original removed, a copy changed."""
    photos = tmp_path / "photos"
    services = _library(colour_home, photos)
    try:
        _found(services)
        steps = [
            lambda: shutil.copytree(photos / "sub", photos / "backup two"),  # a second copy of each
            lambda: (photos / "sub" / "red_00.jpg").unlink(),  # the original: a copy becomes the first
            lambda: write_colour_photo(photos / "sub backup" / "red_00.jpg", COLOURS["blue"], 64, 64, seed=7),
            lambda: os.link(photos / "sub backup" / "red_00.jpg", photos / "new blue.jpg"),  # a copy of the new
            lambda: shutil.rmtree(photos / "backup two"),
        ]
        for step in steps:
            step()
            services.index(read_text=False)
            assert _found(services) == _fresh(colour_home)
    finally:
        services.close()
