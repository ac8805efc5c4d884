"""The gallery's rows as columns (gui/gallery_rows.py): the window's 1M-photo gallery held ~540 MB as one tuple per
photo. The columns give back the very rows that were read, in every order, find them by path, take the sizes read
since, and count what the status line counts as the rows did; and they hold a small part of the memory."""

from __future__ import annotations

import gc
import os
import random
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from motis_desktop.core.kinds import DateSource
from motis_desktop.gui import gallery_rows
from motis_desktop.gui.gallery_rows import GalleryRows, PathIndex, Row
from motis_desktop.gui.library_model import SortOrder, sorted_gallery
from motis_desktop.gui.status_line import moved_photos, photos_within
from motis_desktop.gui.workers import gallery_rows as read_gallery

NAMES = ["p", "Q", "caf\udce9", "été", "x y"]  # "caf\udce9": a Latin-1 name's byte kept as Python keeps it


def _rows(rng: random.Random, n: int) -> list[Row]:
    rows = [
        Row(
            i,
            f"/{rng.choice(['a', 'A', 'b/c', 'x y', 'b'])}/{rng.choice(NAMES)}{rng.randint(0, 9)}.jpg",
            rng.choice([None, None, "cannot read"]),
            None,
            rng.choice([DateSource.EXIF, DateSource.FILE]),
            rng.choice([None, 0.0, 5.0, 1.7e9]),
            (),
            rng.choice([None, 0.75, 1.5]),
        )
        for i in range(n)
    ]
    unique = list({r.path: r for r in reversed(rows)}.values())[::-1]  # a library's paths are unique
    return unique + [Row(n, "/top.jpg"), Row(n + 1, "relative.jpg")]


@pytest.mark.parametrize("seed", range(5))
def test_the_columns_give_back_the_rows_read_in_every_order(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gallery_rows, "CHUNK", 7)  # rows made columns a few at a time
    rng = random.Random(seed)
    rows = _rows(rng, rng.randint(0, 60))
    read = GalleryRows.from_rows(rows)
    assert list(read) == rows and read[-1] == rows[-1] and read[2:5] == rows[2:5]
    for order in SortOrder:
        as_list, as_columns = sorted_gallery(rows, order), sorted_gallery(read, order)
        assert list(as_columns.rows) == list(as_list.rows)
        assert dict(as_columns.index) == as_list.index and as_columns.unreadable == as_list.unreadable
        assert "/nowhere.jpg" not in as_columns.index and as_columns.index.get("/nowhere.jpg") is None


def test_sizes_read_since_reach_every_order_of_the_rows() -> None:
    rows = _rows(random.Random(1), 40)
    read = GalleryRows.from_rows(rows)
    by_folder = sorted_gallery(read, SortOrder.FOLDER)
    read.set_aspects({rows[3].path: 2.0, "/not/ours.jpg": 3.0})
    assert read[3].aspect == 2.0 and by_folder.rows[by_folder.index[rows[3].path]].aspect == 2.0
    assert [r.aspect for r in read] == [2.0 if r is rows[3] else r.aspect for r in rows]
    empty = sorted_gallery(GalleryRows.from_rows(()), SortOrder.FOLDER)  # a library with no photos yet
    assert empty.index.get("/a/p1.jpg") is None and len(empty.rows) == 0


def test_the_status_line_counts_the_same_from_the_columns() -> None:
    rng = random.Random(2)
    before = _rows(rng, 80)
    after = [r._replace(path=f"/moved/{r.path}") if r.file_id % 7 == 0 else r for r in before[5:]]
    after.append(Row(500, "/new.jpg"))
    assert moved_photos(GalleryRows.from_rows(before), GalleryRows.from_rows(after)) == moved_photos(before, after)
    for roots in (["/b"], ["/a", "/x y"], ["/"], ["/b/c"]):
        assert photos_within(GalleryRows.from_rows(before), roots) == photos_within(before, roots)


class _Library:
    """What the gallery read asks of the library: every file, and the sizes cached."""

    def __init__(self, n: int) -> None:
        self.n = n

    def gallery_photos(self, missing: list[tuple[str, int]]) -> Iterator[list[tuple[Any, ...]]]:  # a few chunks
        for start in range(0, self.n, 4096):
            yield [
                (
                    i,
                    f"/home/someone/Pictures/{i % 40:02d}/IMG_{i:07d}.JPG",
                    None,
                    1.6e9 - i * 300.0,
                    DateSource.EXIF,
                    1.5,
                )
                for i in range(start, min(start + 4096, self.n))
            ]


def test_the_gallery_read_holds_a_small_part_of_what_rows_as_tuples_did() -> None:
    """Guard: 20k photos read as the window reads them hold under 120 B each (as tuples: ~450 B each)."""
    n = 20_000
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        rows, _missing = read_gallery(_Library(n))  # type: ignore[arg-type]
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert len(rows) == n and rows[5].path == "/home/someone/Pictures/05/IMG_0000005.JPG"
    assert held / n < 120, f"{held / n:.0f} B a photo"
    assert PathIndex(rows)["/home/someone/Pictures/05/IMG_0000005.JPG"] == 5
    assert np.isclose(rows[5].taken_at or 0, 1.6e9 - 1500)


PAINTS = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QApplication
from motis_desktop.gui.thumbnails import ThumbnailManager
from motis_desktop.gui.timeline import TimelineView

app = QApplication([])
calls = sys.getrefcount(None) + 50_000  # each call lost a reference to None: more than it has
view = TimelineView(ThumbnailManager(sys.argv[1]))  # a grid, as the window makes one
image = QImage(64, 64, QImage.Format.Format_ARGB32)
painter = QPainter(image)
for _ in range(calls):
    painter.fillRect(QRect(0, 0, 8, 8), QColor(1, 2, 3))
painter.end()
print("painted")
"""


def test_a_long_session_s_paints_never_abort_the_interpreter(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """PySide6 (6.12, Python 3.11) loses a reference to None in many calls a paint makes (``fillRect``…): with no
    1M tuples holding None any more, a session's paints took its count to 0 and the interpreter aborted. A grid
    made, as many of those calls as None had references, and more, end well."""
    tree = str(Path(gallery_rows.__file__).parents[2])  # this checkout's code, not an installed one
    env = {**os.environ, "PYTHONPATH": tree}
    done = subprocess.run(
        [sys.executable, "-c", PAINTS, str(tmp_path / "thumbs")], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0 and "painted" in done.stdout, done.stderr[-500:]


def test_the_viewer_counts_unreadable_files_in_the_galleries_order_without_making_rows() -> None:
    """The viewer's "unreadable file 2 of 2" over the gallery's columns, sorted or not, as over the rows."""
    from motis_desktop.gui.viewer_place import Places

    rows = [Row(i, f"/a/{i}.jpg", "damaged JPEG file" if i in (1, 4) else None) for i in range(6)]
    gallery = GalleryRows.from_rows(rows)
    sorted_ = gallery.reordered(np.array([0, 2, 1, 3, 5, 4]))
    assert Places.of(gallery) == Places.of(rows) == Places(6, (1, 4))
    assert Places.of(sorted_) == Places.of(list(sorted_)) == Places(6, (2, 5))
    assert Places.of(sorted_).words(5) == "unreadable file 2 of 2"
    assert Places.of(sorted_).words(3) == "photo 3 of 4"
