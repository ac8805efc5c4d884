"""Watched folders against the real file system: copies, deletes, renames and an unplugged folder."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from helpers.models import install_colour
from helpers.watching import Recorder, write_photos

from motis_desktop.core.library.watcher import FolderWatcher, changed_since
from motis_desktop.core.services import Services


@pytest.fixture
def services(home: Path, colour_pair) -> Iterator[Services]:
    s = Services.open(home)
    install_colour(s, colour_pair)
    yield s
    s.close()


def _vectors(services: Services) -> dict[int, np.ndarray]:
    ids, vectors = services.embeddings()
    return dict(zip(ids.tolist(), vectors, strict=True))


@pytest.fixture
def kept(
    services: Services, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[Services, Path, Recorder]]:
    """A library folder with 6 blue photos, kept current by ``watch_and_index`` on a thread (an indirect
    parameter gives the watcher's options, e.g. ``{"quiet_s": 5.0}``)."""
    root = tmp_path / "library"
    write_photos(root, "blue", 6)
    services.add_folders([str(root)])
    rec = Recorder()
    stop = threading.Event()
    watching = services.spawn()  # the thread rule: the watching thread has its own connection; the test reads
    options = {"on_status": rec.on_status, "poll_s": 0.2, **getattr(request, "param", {})}

    def watch() -> None:
        try:
            watching.watch_and_index(stop, rec.run, **options)
        finally:
            watching.close()

    thread = threading.Thread(target=watch)
    thread.start()
    rec.wait(lambda: len(rec.runs) == 1)  # the start-up comparison with the disk
    assert rec.runs[0].encoded == 6
    yield services, root, rec
    stop.set()
    thread.join(30)
    assert not thread.is_alive()


# Five quiet seconds, not the app's one: copied one by one, the photos were two runs whenever a loaded machine
# paused the copying for over a second; what is tested is that a stream of copies is one run.
@pytest.mark.parametrize("kept", [{"quiet_s": 5.0}], indirect=True)
def test_copy_of_50_photos_is_one_run_and_searchable(kept, tmp_path: Path) -> None:
    services, root, rec = kept
    staged = write_photos(tmp_path / "camera", "red", 50)
    (root / "import").mkdir()
    for path in staged:
        shutil.copy2(path, root / "import" / path.name)
    rec.wait(lambda: sum(r.encoded for r in rec.runs[1:]) >= 50)
    assert len(rec.runs) == 2  # start-up + exactly one run for the whole copy
    assert rec.runs[1].encoded == 50
    hits = services.query("red", 50, cutoff=False).hits
    assert {os.path.basename(h.path) for h in hits} == {p.name for p in staged}


def test_delete_and_rename_keep_the_renamed_embedding(kept) -> None:
    services, root, rec = kept
    before = {r.path: r for r in services.files()}
    old = str(root / "blue_0000.jpg")
    vector = _vectors(services)[before[old].id]
    for i in (1, 2, 3):
        (root / f"blue_{i:04d}.jpg").unlink()
    os.rename(old, root / "renamed.jpg")
    rec.wait(lambda: sum(r.removed for r in rec.runs[1:]) == 3 and sum(r.renamed for r in rec.runs[1:]) == 1)
    assert sum(r.encoded for r in rec.runs[1:]) == 0
    after = {r.path: r for r in services.files()}
    assert after[str(root / "renamed.jpg")].id == before[old].id
    assert (_vectors(services)[before[old].id] == vector).all()
    assert len(after) == 3


def test_folder_unplugged_and_back_is_not_re_encoded(kept, tmp_path: Path) -> None:
    services, root, rec = kept
    away = tmp_path / "unplugged"
    os.rename(root, away)
    rec.wait(lambda: (str(root), False) in rec.status)
    report = services.folder_reports()[0]
    assert (report.online, report.photos) == (False, 6)  # kept while offline
    assert len(services.embeddings()[0]) == 6
    os.rename(away, root)
    rec.wait(lambda: rec.status[-1] == (str(root), True))
    runs_when_back = len(rec.runs)
    rec.wait(lambda: len(rec.runs) > runs_when_back)  # the re-check the watcher asks for when it returns
    assert sum(r.encoded for r in rec.runs[1:]) == 0
    assert sum(r.removed for r in rec.runs[1:]) == 0
    assert services.folder_reports()[0].online


def test_watcher_ignores_hidden_files_and_reads(tmp_path: Path) -> None:
    """Reading photos (what indexing does) and hidden temp files never report a change; a new photo does."""
    root = tmp_path / "w"
    write_photos(root, "green", 2)
    changes: list[set[str]] = []
    seen = threading.Event()
    watcher = FolderWatcher(lambda roots: (changes.append(roots), seen.set()), quiet_s=0.2, poll_s=0.2)
    try:
        watcher.set_roots([str(root)])
        (root / "green_0000.jpg").read_bytes()
        (root / ".tmp-download").write_bytes(b"partial")
        write_photos(root, "red", 1)  # the one change that counts; reported after the reads above
        assert seen.wait(30)
        assert changes == [{str(root)}]
        assert watcher.relevant(str(root), str(root / "a.jpg"))
        assert not watcher.relevant(str(root), str(root / ".cache" / "a.jpg"))
    finally:
        watcher.stop()


def test_stop_is_clean_and_final(tmp_path: Path) -> None:
    """After ``stop()`` the watcher's threads are gone and it reports nothing, while a control watcher
    over the same folder, slower to report (longer quiet time), does report the change."""
    root = tmp_path / "w"
    root.mkdir()
    seen = threading.Event()
    control = FolderWatcher(lambda roots: seen.set(), quiet_s=0.5, poll_s=0.1)
    control.set_roots([str(root)])
    try:
        running = set(threading.enumerate())
        calls: list[set[str]] = []
        watcher = FolderWatcher(calls.append, quiet_s=0.1, poll_s=0.1)
        watcher.set_roots([str(root)])
        watcher.stop()
        assert set(threading.enumerate()) <= running  # stop() joined every thread the watcher started
        write_photos(root, "red", 3)
        assert seen.wait(30)  # reported by the control: a live watcher (quicker to report) would have too
        assert calls == []
    finally:
        control.stop()


def test_a_photo_added_while_its_folder_s_watch_is_set_up_is_reported(tmp_path: Path) -> None:
    """The window asks for the watches, then scans the library; a photo added after the scan read its folder and
    before the (slow, one per sub-folder) watch existed gave no event and waited for the next change."""
    import time

    root = tmp_path / "w"
    (root / "2024" / "trip").mkdir(parents=True)
    since = time.time() - 1.0  # the watches were asked for (the scan of the library began after)
    os.utime(root / "2024", (since - 60, since - 60))  # folders untouched since: no report for them
    os.utime(root, (since - 60, since - 60))
    write_photos(root / "2024" / "trip", "red", 1)  # added meanwhile, deep down
    changes: list[set[str]] = []
    seen = threading.Event()
    watcher = FolderWatcher(lambda roots: (changes.append(roots), seen.set()), quiet_s=0.2, poll_s=0.2)
    try:
        watcher.set_roots([str(root)], since)
        assert seen.wait(30)
        assert changes == [{str(root)}]
    finally:
        watcher.stop()
    assert not changed_since(str(root), time.time() + 1.0)  # a folder untouched since is not reported


def test_a_watch_set_up_over_a_folder_that_holds_the_home_ignores_the_homes_changes(tmp_path: Path) -> None:
    """The home inside a library folder (its database and thumbnails change while the first run goes): setting up
    that folder's watch found the home "changed since" and started a second run that found nothing, as would app
    data in a home folder added whole."""
    import time

    root = tmp_path / "Pictures"
    (root / "2024").mkdir(parents=True)
    since = time.time() - 1.0
    for folder in (root, root / "2024"):
        os.utime(folder, (since - 60, since - 60))
    write_photos(root / "MoTIS data" / "cache" / "thumbnails", "red", 1)  # the home, written meanwhile
    os.utime(root, (since - 60, since - 60))  # (its creation is older than the watch)
    watcher = FolderWatcher(lambda _roots: None, ignore=[str(root / "MoTIS data")])
    try:
        watcher.set_roots([str(root)], since)
        assert watcher.events == 0  # nothing of the library changed
    finally:
        watcher.stop()
