"""Search service: persisted indexes that catch up with the library, rebuild when damaged,
and agree with exact search through the CLI."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import cli_json, import_colour_model, run_cli
from helpers.models import install_colour, open_indexed_with_colour
from helpers.photos import COLOURS, colour_image, make_colour_folder, write_image

from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.paths import AppPaths
from motis_desktop.core.services import IndexState, Services


@pytest.fixture
def services(home: Path, colour_pair, tmp_path: Path) -> Services:
    make_colour_folder(tmp_path / "photos", per_colour=4)
    svc = open_indexed_with_colour(home, colour_pair, tmp_path / "photos")
    yield svc
    svc.close()


@pytest.mark.parametrize("strategy", ["exact", "kmeans", "annoy"])
def test_index_persists_and_catches_up(services: Services, tmp_path: Path, strategy: str) -> None:
    services.set_index_strategy(strategy)
    assert len(services.query("red", 4, cutoff=False).hits) == 4
    model_id = services.active_model().model_id
    files = sorted((services.cache_dir("indexes")).glob(f"{model_id}.{strategy}.idx"))
    assert len(files) == 1
    # New photos after the index was saved: a fresh process (new Services) finds them.
    for i in range(3):
        write_image(tmp_path / "photos" / f"new_red_{i}.png", colour_image(COLOURS["red"], 64, 64, 900 + i))
    services.index()
    fresh = Services.open(services.home)
    try:
        paths = {Path(h.path).name for h in fresh.query("red", 7, cutoff=False).hits}
        assert {f"new_red_{i}.png" for i in range(3)} <= paths
        assert fresh.update_search_index() == IndexState(strategy, 27)
    finally:
        fresh.close()


def test_damaged_index_file_is_rebuilt_and_logged(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    services.set_index_strategy("kmeans")
    expected = [h.path for h in services.query("blue", 4, cutoff=False).hits]
    model_id = services.active_model().model_id
    path = services.cache_dir("indexes") / f"{model_id}.kmeans.idx"
    path.write_bytes(path.read_bytes()[:1000])  # truncated
    fresh = Services.open(services.home)
    try:
        with caplog.at_level(logging.WARNING):
            assert [h.path for h in fresh.query("blue", 4, cutoff=False).hits] == expected
        assert "rebuilding vector index" in caplog.text
        assert "truncated" in caplog.text
    finally:
        fresh.close()


def test_cli_strategies_agree_with_exact(home: Path, colour_pair, tmp_path: Path) -> None:
    import_colour_model(colour_pair, home)
    colours = make_colour_folder(tmp_path / "photos", per_colour=5)
    cli_json("index", str(tmp_path / "photos"), home=home)
    for query in ("red", "green", "white"):
        exact = cli_json("search", query, "-k", "5", "--index", "exact", home=home)
        assert all(colours[h["path"]] == query for h in exact)
        for strategy in ("kmeans", "annoy"):
            other = cli_json("search", query, "-k", "5", "--index", strategy, home=home)
            assert {h["path"] for h in other} == {h["path"] for h in exact}, strategy
    run_cli("config", "index", "annoy", home=home)
    assert cli_json("status", home=home)["index_strategy"] == "annoy"
    proc = run_cli("search", "red", "--index", "nope", home=home, check=False)
    assert proc.returncode == 2


def test_schema_v1_library_is_migrated(home: Path) -> None:
    from motis_desktop.core.library import store as library

    db = home / "old.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript(library._MIGRATIONS[1] + "; PRAGMA user_version = 1;")
    conn.execute("INSERT INTO folders(path, added_at) VALUES (?, 0)", (b"/photos",))
    conn.execute("INSERT INTO files(folder_id, path, size, mtime_ns, added_at) VALUES (1, ?, 1, 1, 0)", (b"/photos/a",))
    conn.execute(
        "INSERT INTO embeddings(file_id, model_id, vector) VALUES (1, 'm', ?)", (np.ones(4, np.float32).tobytes(),)
    )
    conn.commit()
    conn.close()
    store = LibraryStore(db)
    try:
        assert store._query("PRAGMA user_version")[0][0] == library.SCHEMA_VERSION == 8
        # v4: the text tables and their full-text indexes exist (empty until the text stage runs)
        assert store.select("SELECT COUNT(*) FROM text_lines")[0][0] == 0
        assert store.select("SELECT COUNT(*) FROM names_fts WHERE names_fts MATCH 'photos'")[0][0] == 0
        ids, vectors = store.embeddings("m")
        assert ids.tolist() == [1]
        assert vectors.shape == (1, 4)
        assert store.integrity_check() == "ok"
    finally:
        store.close()


def test_annoy_delta_triggers_background_rebuild(services: Services, tmp_path: Path) -> None:
    from motis_desktop.core.search.service import SearchService

    model_id = services.active_model().model_id
    store = LibraryStore(AppPaths(services.home).library_db)
    service = SearchService(store, services.cache_dir("indexes"), "annoy", background=True)
    first = service.index_for(model_id)
    assert first.strategy == "annoy"
    assert len(first._main_ids) == 24
    for i in range(120):  # far more than 5 % of the forest: the delta asks for a rebuild
        write_image(tmp_path / "photos" / f"extra_{i:03d}.png", colour_image(COLOURS["green"], 32, 32, 2000 + i))
    services.index()
    during = service.index_for(model_id)  # serves at once (old forest + delta) and starts the rebuild
    assert len(during) == 144
    service.wait_for_rebuilds()  # pytest-timeout bounds it
    rebuilt = service.index_for(model_id)
    assert len(rebuilt._main_ids) == 144
    assert len(rebuilt._delta) == 0
    ids, _scores = service.ranked(model_id, np.ones(512, np.float32) / np.sqrt(512), k=200)
    assert len(ids) == 144
    store.close()


def _index_file(services: Services) -> Path:
    return services.cache_dir("indexes") / f"{services.active_model().model_id}.exact.idx"


def test_a_write_that_changes_no_vector_leaves_the_index_file_alone(services: Services, tmp_path: Path) -> None:
    # A query after such a write (text read in photos, a folder added, dates) re-saved the whole index: 0.7 s at
    # 100k photos per query while the library was busy.
    services.set_index_strategy("exact")
    expected = [h.path for h in services.query("red", 4, cutoff=False).hits]
    before = _index_file(services).stat()
    (tmp_path / "empty").mkdir()
    services.add_folders([str(tmp_path / "empty")])  # a committed write; no vector changes
    assert [h.path for h in services.query("red", 4, cutoff=False).hits] == expected
    after = _index_file(services).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_new_photo_is_searched_at_once_and_saved_in_the_index_file_on_close(home: Path, colour_pair, tmp_path):
    from motis_desktop.core.search.indexes import STRATEGIES

    svc = Services.open(home)
    install_colour(svc, colour_pair)
    make_colour_folder(tmp_path / "photos", per_colour=10)  # 60 photos: one more is under 2 % of them
    svc.add_folders([str(tmp_path / "photos")])
    svc.index()
    svc.set_index_strategy("exact")
    model_id = svc.active_model().model_id
    try:
        assert len(svc.query("red", 100, cutoff=False).hits) == 60
        before = _index_file(svc).stat()
        write_image(tmp_path / "photos" / "late_red.png", colour_image(COLOURS["red"], 64, 64, 950))
        assert svc.index().encoded == 1
        assert "late_red.png" in {Path(h.path).name for h in svc.query("red", 11, cutoff=False).hits}
        after = _index_file(svc).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not saved for one photo
    finally:
        svc.close()
    assert len(STRATEGIES["exact"].load(_index_file(svc), model_id)) == 61  # saved when the library closed


def test_a_photo_indexed_after_text_was_read_is_found(services: Services, tmp_path: Path) -> None:
    # A write that changes no photo (text read) moves the index's version on without catching up; the photos
    # indexed after it must still be caught up from where the vectors last changed.
    from motis_desktop.core.ocr.text_store import TextRead, TextStore

    services.set_index_strategy("exact")
    assert len(services.query("red", 100, cutoff=False).hits) == 24
    store = LibraryStore(AppPaths(services.home).library_db)
    try:
        file_id, size, mtime_ns = store.select("SELECT id, size, mtime_ns FROM files ORDER BY id LIMIT 1")[0]
        TextStore(store).save([TextRead(file_id, size, mtime_ns)], "test-engine")
    finally:
        store.close()
    assert len(services.query("red", 100, cutoff=False).hits) == 24
    write_image(tmp_path / "photos" / "after_text.png", colour_image(COLOURS["red"], 64, 64, 960))
    assert services.index(read_text=False).encoded == 1
    assert "after_text.png" in {Path(h.path).name for h in services.query("red", 5, cutoff=False).hits}


def _found(services: Services) -> set[str]:
    """The names of every photo the search has (the tests' libraries are smaller than 100)."""
    return {Path(h.path).name for h in services.query("red", 100, cutoff=False).hits}


def test_photos_removed_by_another_process_leave_the_open_search(services: Services, tmp_path: Path) -> None:
    # The open index learns of removals from the library's log of them; a new photo that takes a removed photo's
    # file id (SQLite reuses the highest id) must be found, the removed one not.
    services.set_index_strategy("exact")
    before = _found(services)
    store = LibraryStore(AppPaths(services.home).library_db)
    try:
        last = Path(store.select("SELECT path FROM files ORDER BY id DESC LIMIT 1")[0][0].decode()).name
    finally:
        store.close()
    gone = {sorted(before)[0], last}
    for name in gone:
        next((tmp_path / "photos").rglob(name)).unlink()
    write_image(tmp_path / "photos" / "zz_new_red.png", colour_image(COLOURS["red"], 64, 64, 970))
    run_cli("index", str(tmp_path / "photos"), home=services.home)
    assert _found(services) == before - gone | {"zz_new_red.png"}
    assert services.update_search_index() == IndexState("exact", len(before) - 1)


def test_removals_older_than_the_log_are_still_caught_up(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from motis_desktop.core.library import change_log

    monkeypatch.setattr(change_log, "KEEP", 1)  # the log keeps the last removal or two
    services.set_index_strategy("exact")
    before = sorted(_found(services))
    other = Services.open(services.home)  # another window's or process's writes, its own index
    try:
        for name in before[:3]:  # three runs: the log's oldest removals are dropped, past the open index's version
            next((tmp_path / "photos").rglob(name)).unlink()
            assert other.index().removed == 1
    finally:
        other.close()
    assert _found(services) == set(before[3:])
    assert services.update_search_index() == IndexState("exact", len(before) - 3)  # no stale vector kept
