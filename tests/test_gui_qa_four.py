"""The fourth QA walk of the window: a folder that went away during indexing, and the progress of a run."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.watching import write_photos

from motis_desktop.gui import thumbnails as thumbs
from motis_desktop.gui.library_model import LibraryModel, Roles, Row
from motis_desktop.gui.thumbnails import ThumbnailManager


def test_a_photo_whose_folder_went_away_is_no_cross_and_shows_once_back(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: a folder moved away during indexing left red-cross tiles, as for corrupt files, and Details said
    "Cannot be shown: file vanished before it could be read"; once the folder was back and indexed again the
    crosses stayed. The folder goes away here while the thumbnail is made (after its file was looked at)."""
    folder, away = tmp_path / "vanish", tmp_path / "moved"
    (photo,) = write_photos(folder, "red", 1)
    real, moved = thumbs.make_thumbnail, []

    def moved_away_while_read(path: str, edge: int, cache_dir: Path):  # type: ignore[no-untyped-def]
        if not away.exists() and not moved:  # once, as the QA engineer's mv
            folder.rename(away)
            moved.append(True)
        return real(path, edge, cache_dir)

    monkeypatch.setattr(thumbs, "make_thumbnail", moved_away_while_read)
    manager = ThumbnailManager(tmp_path / "thumbs", workers=1)
    model = LibraryModel(manager)
    model.set_rows([Row(1, str(photo))])
    tile = model.index(0)
    with qtbot.waitSignal(manager.ready, timeout=30_000):
        assert model.data(tile, Roles.THUMBNAIL) is None  # asked for
    assert model.data(tile, Roles.ERROR) is None  # no cross; Details has no "Cannot be shown"
    assert "vanished" not in str(model.data(tile, 3))  # the tooltip (Qt.ToolTipRole) neither

    away.rename(folder)
    with qtbot.waitSignal(manager.ready, timeout=30_000):
        manager.recheck()  # what the window does after each indexing run
    with qtbot.waitSignal(manager.ready, timeout=30_000):
        assert model.data(tile, Roles.THUMBNAIL) is None  # asked for again
    assert model.data(tile, Roles.THUMBNAIL) is not None
    assert model.data(tile, Roles.ERROR) is None
    manager.shutdown()


def test_a_folder_moved_away_during_indexing_is_one_outcome_not_skipped_files(
    qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: Skipped… listed 1,313 lines "…: gone before it could be read: file vanished before it could be read"
    for a folder moved away 4 s into its indexing. The folder goes away as its first photo is read."""
    from motis_desktop.core.library import file_decoder

    folder, away = tmp_path / "vanish", tmp_path / "moved"
    write_photos(folder / "sub", "red", 4)
    real = file_decoder.read_image_bytes

    def read(path: str) -> bytes:
        if folder.exists():
            folder.rename(away)
        return real(path)

    monkeypatch.setenv("MOTIS_DECODE_ISOLATION", "0")  # decoded in this process, where the folder is moved
    monkeypatch.setattr(file_decoder, "read_image_bytes", read)
    window.add_folders([str(folder)])
    said = f"{folder} went away during indexing: 4 photos not read yet; they are read when it is back"
    qtbot.waitUntil(lambda: said in window.status_label.text(), timeout=60_000)
    assert "could not be read" not in window.status_label.text()
    assert not window.status.skipped_button.isVisible()  # nothing for Skipped… to list


def test_the_progress_counts_this_runs_work_not_the_whole_library(qtbot, window, tmp_path: Path) -> None:
    """QA: importing 600 photos into a library of 7,000 showed "7268/7596" and a bar that started at 96 %, where
    ``motis index`` counted the work to do."""
    window.add_folders([str(write_photos(tmp_path / "first", "red", 6)[0].parent)])
    qtbot.waitUntil(lambda: window.indexer is None and "up to date" in window.status_label.text(), timeout=60_000)
    shown: list[tuple[str, int, int]] = []

    def seen(_progress: object) -> None:  # after the window's own slot has shown it
        bar = window.status.progress
        shown.append((bar.text(), bar.value(), bar.maximum()))

    window.indexing.progress.connect(seen)
    write_photos(tmp_path / "second", "blue", 3)
    with qtbot.waitSignal(window.indexing.finished, timeout=60_000):
        window.add_folders([str(tmp_path / "second")])
    encode = [s for s in shown if s[2] > 0]
    assert encode and encode[0][:2] == ("0/3", 0), shown
    assert encode[-1] == ("3/3", 3, 3), shown
