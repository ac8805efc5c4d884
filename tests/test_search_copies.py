"""A copied backup folder (``cp -r trip "trip backup"``) no longer doubles the search results (QA walk 6, finding 7):
the library knows the files are byte-identical (their content hash), so a search shows each photo once, at its
best path, with the other paths beside it; ``-k N`` counts photos. The timeline keeps every file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers.cli import run_cli

from motis_desktop.core.services import Services

BACKUP = "sub backup"


def _red_01(photos: Path) -> str:
    return str(next(photos.glob("red_01.*")))


def _backed_up(services: Services, photos: Path, home: Path) -> None:
    shutil.copytree(photos / "sub", photos / BACKUP)  # 6 photos, the same bytes
    assert json.loads(run_cli("index", "--json", "--no-text", home=home).stdout)["copied"] == 6


def test_search_shows_each_photo_once_with_its_copy_below(
    colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    services, photos = colour_library
    _backed_up(services, photos, colour_home)
    out = run_cli("search", "red", home=colour_home).stdout.splitlines()
    firsts = [line for line in out if not line.startswith("    ")]
    assert sorted(line.split("  ")[2] for line in firsts) == sorted(
        [str(photos / "sub" / "red_00.jpg"), _red_01(photos)]
    )
    assert f"    also at {photos / BACKUP / 'red_00.jpg'}" in out


def test_k_counts_photos_not_copies(colour_library: tuple[Services, Path], colour_home: Path) -> None:
    services, photos = colour_library
    _backed_up(services, photos, colour_home)
    lines = run_cli("search", "red", "-k", "12", home=colour_home).stdout.splitlines()
    firsts = [line for line in lines if not line.startswith("    ")]
    paths = [line.split("  ")[2] for line in firsts]
    assert len(paths) == 12 and len(set(paths)) == 12  # all 12 photos, none twice
    assert sorted(paths) == sorted(str(p) for p in photos.rglob("*.*") if BACKUP not in str(p))
    assert sum(line.startswith("    also at ") for line in lines) == 6


def test_json_has_the_other_paths(colour_library: tuple[Services, Path], colour_home: Path) -> None:
    services, photos = colour_library
    _backed_up(services, photos, colour_home)
    hits = json.loads(run_cli("search", "red", "-k", "4", "--json", home=colour_home).stdout)
    assert len(hits) == 4 and len({h["path"] for h in hits}) == 4
    by_path = {h["path"]: h.get("also_at") for h in hits}
    assert by_path[str(photos / "sub" / "red_00.jpg")] == [str(photos / BACKUP / "red_00.jpg")]
    assert by_path[_red_01(photos)] is None  # absent: no copy


def test_find_similar_does_not_return_the_photos_own_copies(
    colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    services, photos = colour_library
    _backed_up(services, photos, colour_home)
    hits = services.query("", image=str(photos / "sub" / "red_00.jpg"), limit=3, cutoff=False).hits
    assert [h.path for h in hits][:1] == [_red_01(photos)]  # the other red photo, not the copy
    assert all(Path(h.path).name != "red_00.jpg" for h in hits)


def test_the_window_shows_a_copied_photo_once_and_names_its_copys_folder(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path
) -> None:
    """The grid of results holds each photo once; its tooltip and the Details panel say "Also in: sub backup".
    The timeline keeps both files (18 rows)."""
    from helpers.keys import search_by_keys
    from helpers.window import ready_window
    from PySide6.QtCore import Qt

    services, photos = colour_library
    _backed_up(services, photos, colour_home)
    windows = ready_window(qtbot, colour_home, rows=18)
    win = next(windows)
    try:
        search_by_keys(qtbot, win, "red")
        paths = [win.model.index(i).data(Qt.ItemDataRole.ToolTipRole) for i in range(win.model.rowCount())]
        assert win.model.rowCount() == 2, paths
        original = str(photos / "sub" / "red_00.jpg")
        row = win.model.row_of(original)
        assert row is not None
        assert "Also in: sub backup" in win.model.index(row).data(Qt.ItemDataRole.ToolTipRole)
        win.view.setFocus()
        qtbot.keyClick(win.view, Qt.Key.Key_Home)
        while win.view.currentIndex().row() != row:
            qtbot.keyClick(win.view, Qt.Key.Key_Right)
        with qtbot.waitSignal(win.details.shown, timeout=30_000, check_params_cb=lambda path: path == original):
            qtbot.keyClick(win.view, Qt.Key.Key_I)
        assert "Also in: sub backup" in win.details.text()
    finally:
        next(windows, None)
