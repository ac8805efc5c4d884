"""Copies of photos the library holds are recognised by their bytes and take the indexed photo's vectors, date
and text: nothing is decoded, encoded or read again (``cp -r trip trip2`` was encoded whole).

Kill-safety: the copy rows, their vectors and text are written in the scan's one transaction
(``LibraryStore.apply_scan``), so a kill leaves all of them or none; the transaction is what ensures it, as for
the scan's other rows, and no test kills the process here."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from helpers.cli import run_cli

from motis_desktop.core.services import Services


def _scores(services: Services, query: str) -> dict[str, float]:
    """Every file's score: a search shows a content once, its copies in ``also_at`` (tests/test_search_copies.py)."""
    hits = services.query(query, limit=100, cutoff=False).hits
    return {path: h.score for h in hits for path in (h.path, *h.also_at)}


def test_a_copied_folder_is_not_encoded_again_and_is_found_with_the_same_scores(
    colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    services, photos = colour_library
    shutil.copytree(photos / "sub", photos / "sub2")  # new mtimes: only the bytes are the same
    copies = sorted(str(p) for p in (photos / "sub2").iterdir())
    assert len(copies) == 6

    summary = json.loads(run_cli("index", "--json", home=colour_home).stdout)
    assert (summary["encoded"], summary["copied"], summary["unchanged"]) == (0, 6, 12)
    assert "cop" not in run_cli("index", home=colour_home).stdout  # the next run: nothing new

    scores = _scores(services, "red")
    assert len(scores) == 18
    for copy in copies:
        original = copy.replace(os.sep + "sub2" + os.sep, os.sep + "sub" + os.sep)
        assert scores[copy] == scores[original]
    by_path = {r.path: r.id for r in services.files()}
    dates = services.photo_dates(by_path.values())
    for copy in copies:
        original = copy.replace(os.sep + "sub2" + os.sep, os.sep + "sub" + os.sep)
        assert dates[by_path[copy]] == dates[by_path[original]]


def test_a_file_of_the_same_size_with_other_bytes_is_encoded(colour_library: tuple[Services, Path]) -> None:
    services, photos = colour_library
    original = next(p for p in sorted((photos / "sub").iterdir()) if p.suffix == ".jpg")
    data = bytearray(original.read_bytes())
    assert data[6:11] == b"JFIF\0"
    data[15] ^= 0x01  # the horizontal pixel density: the same size and pixels, other bytes
    (photos / "other.jpg").write_bytes(bytes(data))

    summary = services.index()
    assert (summary.encoded, summary.copied) == (1, 0)
    assert str(photos / "other.jpg") in _scores(services, "red")


def test_a_copy_keeps_the_text_read_in_its_photo(station_library: tuple[Services, Path]) -> None:
    services, photos = station_library
    shutil.copytree(photos / "trip", photos / "trip2")

    summary = services.index(read_text=True)
    assert (summary.encoded, summary.copied, summary.text_read) == (0, 1, 0)
    hits = services.query('text:"platform 9"', cutoff=False).hits
    assert [(h.path, h.also_at) for h in hits] == [
        (str(photos / "trip" / "station.jpg"), (str(photos / "trip2" / "station.jpg"),))
    ]


def test_the_window_says_the_copies_were_already_indexed(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    from helpers.window import ready_window

    _, photos = colour_library
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        # copied beside the library and moved in at once: the watcher sees the whole folder in one run (a copy
        # straight into the library could be seen half-way and reported in two runs on a loaded machine)
        shutil.copytree(photos / "sub", photos.parent / "sub2")
        (photos.parent / "sub2").rename(photos / "sub2")
        qtbot.waitUntil(lambda: window.model.rowCount() == 18 and window.indexer is None, timeout=60_000)
        qtbot.waitUntil(lambda: "6 copies of photos already indexed" in window.status_label.text(), timeout=10_000)
        assert "indexed," not in window.status_label.text()  # nothing was encoded
    finally:
        next(windows, None)
