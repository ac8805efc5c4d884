"""Photos that leave the library and come back, copies among new photos, the dates copies take, and what a
resumed run says: what the walkthrough found encoded again or misreported.

Kill-safety: a photo's row leaving and what is kept of it (``library/gone.py``) are written in the scan's one
transaction, as are a returning photo's row and vectors (``LibraryStore.apply_scan``); the transaction ensures it,
as for the scan's other rows, and no test kills the process here."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import run_cli
from helpers.exif import write_photo_with_date
from helpers.photos import COLOURS, make_colour_folder, write_colour_photo

from motis_desktop.core.library import gone
from motis_desktop.core.services import Progress, ProgressPhase, Services


def _scores(services: Services, query: str) -> dict[str, float]:
    """Every file's score: a search shows a content once, its copies in ``also_at`` (tests/test_search_copies.py)."""
    hits = services.query(query, limit=100, cutoff=False).hits
    return {path: h.score for h in hits for path in (h.path, *h.also_at)}


def _index_json(home: Path) -> dict[str, object]:
    summary: dict[str, object] = json.loads(run_cli("index", "--json", home=home).stdout)
    return summary


def test_a_folder_moved_out_of_the_library_and_back_is_not_encoded_again(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    services, photos = colour_library
    before = _scores(services, "red")
    moved = sorted(str(p) for p in (photos / "sub").iterdir())
    (photos / "sub").rename(tmp_path / "away")  # e.g. to an external disk

    assert _index_json(colour_home)["removed"] == 6
    status = json.loads(run_cli("status", "--json", home=colour_home).stdout)
    assert (status["files"], status["indexed"]) == (6, 6)  # the photos kept for their return are nowhere
    assert not set(moved) & set(_scores(services, "red"))
    assert len(services.gallery()) == 6

    (tmp_path / "away").rename(photos / "sub")  # back a day later
    summary = _index_json(colour_home)
    assert (summary["encoded"], summary["returned"], summary["copied"]) == (0, 6, 0)
    assert _scores(services, "red") == before
    assert "back" not in run_cli("index", home=colour_home).stdout  # the next run: nothing came back

    (photos / "sub").rename(tmp_path / "away")
    run_cli("index", home=colour_home)
    (tmp_path / "away").rename(photos / "sub")
    out = run_cli("index", home=colour_home).stdout
    assert "encoded 0" in out and "6 photos back in the library were already indexed before" in out


def test_a_photo_back_in_the_library_keeps_the_text_read_in_it(
    station_library: tuple[Services, Path], tmp_path: Path
) -> None:
    services, photos = station_library
    (photos / "trip").rename(tmp_path / "trip")
    assert services.index(read_text=True).removed == 1
    assert services.query('text:"platform 9"', cutoff=False).hits == []
    (tmp_path / "trip").rename(photos / "trip")

    summary = services.index(read_text=True)
    assert (summary.encoded, summary.returned, summary.text_read) == (0, 1, 0)
    hits = services.query('text:"platform 9"', cutoff=False).hits
    assert [h.path for h in hits] == [str(photos / "trip" / "station.jpg")]


def test_a_folder_the_user_removes_is_forgotten_whole(colour_library: tuple[Services, Path]) -> None:
    """Removing a folder from the library keeps nothing of its photos (the text read in them included), unlike
    photos that leave the folders on disk: added again, they are encoded again."""
    services, photos = colour_library
    services.remove_folder(str(photos))
    assert services.files() == []
    services.add_folders([str(photos)])
    summary = services.index()
    assert (summary.encoded, summary.returned) == (12, 0)


def test_photos_kept_for_their_return_are_bounded_in_number_and_time(
    colour_library: tuple[Services, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services, photos = colour_library
    monkeypatch.setattr(gone, "KEEP_MOST", 2)
    (photos / "sub").rename(tmp_path / "away")
    assert services.index().removed == 6
    (tmp_path / "away").rename(photos / "sub")
    summary = services.index()
    assert (summary.encoded, summary.returned) == (4, 2)  # only the 2 kept are not encoded again

    monkeypatch.setattr(gone, "KEEP_MOST", 100)
    monkeypatch.setattr(gone, "KEEP_DAYS", 0.0)  # everything that left before now is too old
    (photos / "sub").rename(tmp_path / "away")
    assert services.index().removed == 6
    (tmp_path / "away").rename(photos / "sub")
    summary = services.index()
    assert (summary.encoded, summary.returned) == (6, 0)


def test_the_window_says_the_photos_back_were_already_indexed(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    from helpers.window import ready_window

    _, photos = colour_library
    windows = ready_window(qtbot, colour_home, rows=12)
    window = next(windows)
    try:
        (photos / "sub").rename(tmp_path / "away")
        qtbot.waitUntil(lambda: window.model.rowCount() == 6 and window.indexer is None, timeout=60_000)
        (tmp_path / "away").rename(photos / "sub")
        qtbot.waitUntil(lambda: window.model.rowCount() == 12 and window.indexer is None, timeout=60_000)
        qtbot.waitUntil(lambda: "6 photos already indexed before" in window.status_label.text(), timeout=10_000)
        assert "indexed," not in window.status_label.text()  # nothing was encoded
    finally:
        next(windows, None)


def test_new_photos_that_are_copies_of_each_other_are_encoded_once(colour_home: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    make_colour_folder(photos, per_colour=2)
    shutil.copytree(photos / "sub", photos / "sub2")  # neither folder is in the library yet
    services = Services.open(colour_home)
    try:
        services.add_folders([str(photos)])
        summary = services.index()
        assert (summary.encoded, summary.copied) == (12, 6)
        scores = _scores(services, "green")
        assert len(scores) == 18
        for copy in (photos / "sub2").iterdir():
            assert scores[str(copy)] == scores[str(photos / "sub" / copy.name)]
        assert services.index().encoded == 0
    finally:
        services.close()


def _date_of(services: Services, path: Path) -> float:
    by_path = {r.path: r.id for r in services.files()}
    return services.photo_dates([by_path[str(path)]])[by_path[str(path)]].taken_at


def test_a_copy_is_dated_by_its_own_file_time_unless_its_bytes_hold_a_date(colour_home: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    plain = write_colour_photo(photos / "plain.jpg", (200, 30, 30), 96, 64, seed=1)  # no EXIF date
    os.utime(plain, (1e9, 1e9))  # 2001
    dated = write_photo_with_date(photos / "dated.jpg", (30, 30, 200), "2019:06:01 12:00:00")
    services = Services.open(colour_home)
    try:
        services.add_folders([str(photos)])
        assert services.index().encoded == 2
        exif_date = _date_of(services, dated)
        shutil.copy(plain, photos / "plain copy.jpg")  # a file time of its own: now
        shutil.copy(dated, photos / "dated copy.jpg")
        assert services.index().copied == 2
        assert abs(_date_of(services, photos / "plain copy.jpg") - time.time()) < 3600
        assert _date_of(services, photos / "dated copy.jpg") == exif_date
    finally:
        services.close()


def test_a_resumed_index_says_how_many_photos_were_already_indexed(colour_home: Path, tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    make_colour_folder(photos, per_colour=2)
    services = Services.open(colour_home)
    cancel = threading.Event()

    def stop_after_a_batch(p: Progress) -> None:
        if p.phase is ProgressPhase.ENCODE and p.done:
            cancel.set()

    try:
        services.add_folders([str(photos)])
        first = services.index(progress=stop_after_a_batch, cancel=cancel, batch_size=4)
        assert first.cancelled and 0 < first.encoded < 12
    finally:
        services.close()
    result = run_cli("index", home=colour_home)
    assert f"{first.encoded} photos already indexed, {12 - first.encoded} left to index" in result.stderr
    assert f"encoded {12 - first.encoded}," in result.stdout


# `python -m motis_desktop.cli.main` with Ctrl+C armed (see test_cli_watch.py: a suite started in the background
# runs with SIGINT ignored, and the child would inherit that).
_CTRL_C_ARMED = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'motis'; runpy.run_module('motis_desktop.cli.main', run_name='__main__', alter_sys=True)"
)


class _Watching:
    """``motis watch`` on ``home`` in its own process (a Ctrl-C stops it as in a terminal), read as it prints
    (a full pipe would block it); a failed wait says everything it printed, stderr too."""

    def __init__(self, home: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CTRL_C_ARMED, "watch"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "MOTIS_HOME": str(home)},
        )
        self._lines: queue.Queue[str | None] = queue.Queue()  # stdout's lines; None: it ended
        self.said: list[str] = []
        threading.Thread(target=self._read, args=(self.proc.stdout, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, False), daemon=True).start()

    def _read(self, stream: Any, queued: bool) -> None:
        for line in stream:
            self.said.append(line)
            if queued:
                self._lines.put(line.rstrip("\n"))
        if queued:
            self._lines.put(None)

    def line(self, timeout: float = 120) -> str | None:
        """Its next line on stdout, after the time of day each starts with (None: it ended)."""
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"motis watch printed nothing for {timeout} s:\n{''.join(self.said)}") from None
        if line is None:
            return None
        assert re.match(r"\d\d:\d\d:\d\d ", line), line
        return line[9:]

    def summary(self) -> str:
        """The next run's summary line (folder status lines skipped)."""
        line = self.line()
        while line is not None and not line.startswith("encoded "):
            line = self.line()
        assert line is not None, "motis watch ended:\n" + "".join(self.said)
        return line

    def stop(self) -> list[str]:
        """Ctrl-C; the lines it printed since the last one read, up to its end."""
        self.proc.send_signal(signal.SIGINT)
        rest = []
        while (line := self.line()) is not None:
            rest.append(line)
        assert self.proc.wait(timeout=60) == 130, "".join(self.said)  # interrupted (README)
        return rest

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_motis_watch_says_the_photos_back_were_already_indexed(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    _, photos = colour_library
    watching = _Watching(colour_home)
    try:
        (photos / "sub").rename(tmp_path / "away")  # the first pass, which changed nothing, is quiet (QA walk 6)
        assert "removed 6" in watching.summary(), "".join(watching.said)
        (tmp_path / "away").rename(photos / "sub")
        back = watching.summary()
        assert back.startswith("encoded 0,") and "back" not in back, "".join(watching.said)  # said in words:
        assert watching.line() == "6 photos back in the library were already indexed before", "".join(watching.said)
        watching.stop()
    finally:
        watching.close()


def test_motis_watch_says_the_files_earlier_runs_could_not_read_once(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """QA: after every change `motis watch` repeated "1 file that earlier runs could not read is still skipped":
    its first run says so, later runs only what they found. (A run's lines were taken as those followed by a quiet
    second: a loaded machine could hand them over slower. The second run's are now all it printed up to its end.)"""
    _, photos = colour_library
    (photos / "notes.jpg").write_text("not a photo")
    run_cli("index", home=colour_home)  # an earlier run could not read it
    watching = _Watching(colour_home)
    try:
        assert watching.summary().startswith("encoded 0,"), "".join(watching.said)
        assert watching.line() == "1 file that earlier runs could not read is still skipped", "".join(watching.said)
        # written beside the library and moved in at once: had the writing paused for over the watcher's quiet
        # second (a loaded machine), a run would have found a half-written file
        write_colour_photo(tmp_path / "new.png", COLOURS["red"], 64, 48, 99)
        (tmp_path / "new.png").rename(photos / "new.png")
        assert watching.summary().startswith("encoded 1,"), "".join(watching.said)
        assert not any("still skipped" in line for line in watching.stop()), "".join(watching.said)
    finally:
        watching.close()
