"""A photo copied in slowly (a camera card, a network share: the file grows over seconds) is indexed once it is
complete, not reported skipped as a "truncated JPEG" half-way (QA walk 6, finding 11; ``core/library/settling.py``).
Driven by writing the file in parts and waiting on the runs the watcher starts, never on sleeps."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.watching import Recorder, write_photos

from motis_desktop.core.kinds import CopyWait
from motis_desktop.core.library.watcher import FolderWatcher
from motis_desktop.core.services import Progress, ProgressPhase, Services


@pytest.fixture
def services(home: Path, colour_pair) -> Iterator[Services]:  # type: ignore[no-untyped-def]
    s = Services.open(home)
    install_colour(s, colour_pair)
    yield s
    s.close()


def _photo_bytes(tmp_path: Path, colour: str = "red") -> bytes:
    """A complete JPEG of ``colour`` (large enough to be copied in parts)."""
    (staged,) = write_photos(tmp_path / "staged", colour, 1, size=(320, 240))
    return staged.read_bytes()


def _skipped(rec: Recorder) -> list[str]:
    return [item.path for run in rec.runs for item in run.skipped]


@pytest.fixture
def watching(services: Services, tmp_path: Path) -> Iterator[tuple[Path, Path, Recorder]]:
    """Two library folders (``card``, ``other``: a blue photo each) kept current by ``watch_and_index`` on a thread,
    with a short quiet time (the test's copy pauses far longer between its parts) and a hold on a photo being written
    longer than the app's (a loaded machine may take more than its 30 s over the other folder's run)."""
    card, other = tmp_path / "card", tmp_path / "other"
    write_photos(card, "blue", 1)
    write_photos(other, "blue", 1, start=1)
    services.add_folders([str(card), str(other)])
    rec, stop = Recorder(), threading.Event()
    watcher = services.spawn()  # the thread rule: the watching thread has its own connection

    def watch() -> None:
        try:
            watcher.watch_and_index(stop, rec.run, quiet_s=0.2, poll_s=0.2, settle_s=600.0)
        finally:
            watcher.close()

    thread = threading.Thread(target=watch)
    thread.start()
    rec.wait(lambda: len(rec.runs) == 1)  # the start-up comparison with the disk
    yield card, other, rec
    stop.set()
    thread.join(30)
    assert not thread.is_alive()


def test_a_photo_copied_in_slowly_is_indexed_when_complete_and_never_reported_skipped(
    watching: tuple[Path, Path, Recorder], services: Services, tmp_path: Path
) -> None:
    """QA: "skipped …/slow_copy.jpg: not a photo this app can read: truncated JPEG", then indexed when the copy
    ended. The first half is written (the copy still holds the file open), then a photo lands in another library
    folder: that folder's run comes, the half-copied photo waits for its close."""
    card, other, rec = watching
    data = _photo_bytes(tmp_path)
    slow = card / "slow_copy.jpg"
    with slow.open("wb") as copying:
        copying.write(data[: len(data) // 2])
        copying.flush()  # the kernel has the first half: the watcher heard a write
        write_photos(other, "green", 1, start=2)  # complete at once (written and closed)
        rec.wait(lambda: sum(run.encoded for run in rec.runs[1:]) >= 1)
        assert str(slow) not in _skipped(rec)  # not judged while it was still being written
        assert str(slow) not in {f.path for f in services.files()}
        copying.write(data[len(data) // 2 :])
    rec.wait(lambda: sum(run.encoded for run in rec.runs[1:]) >= 2)  # its close let its folder's run come
    assert str(slow) not in _skipped(rec)
    indexed = {f.path: f for f in services.files()}
    assert indexed[str(slow)].error is None and indexed[str(slow)].size == len(data)


def test_a_photo_that_stays_truncated_once_written_is_skipped_with_its_reason_once(
    watching: tuple[Path, Path, Recorder], tmp_path: Path
) -> None:
    """Guard: waiting for a copy to end never hides a photo that is broken for good: once closed it is reported
    skipped, with its reason, by one run; the next run of that folder counts it as skipped earlier."""
    card, _other, rec = watching
    broken = card / "broken.jpg"
    data = _photo_bytes(tmp_path)
    broken.write_bytes(data[: len(data) // 2])
    rec.wait(lambda: str(broken) in _skipped(rec))
    said = [item for run in rec.runs for item in run.new_skipped if item.path == str(broken)]
    assert len(said) == 1 and "truncated" in said[0].message
    runs = len(rec.runs)
    write_photos(card, "green", 1, start=5)
    rec.wait(lambda: len(rec.runs) > runs)
    assert [item.earlier for item in rec.runs[-1].skipped if item.path == str(broken)] == [True]


def test_a_photo_that_grows_while_a_run_reads_it_is_left_to_the_next_run_not_skipped(
    services: Services, tmp_path: Path
) -> None:
    """The file grew between the scan that listed it and its decoder's read (a copy under way, seen by the first
    run of `motis watch` or by `motis index`): it is not judged on the half it had, nor remembered as broken."""
    photos = tmp_path / "photos"
    write_photos(photos, "blue", 1)
    data = _photo_bytes(tmp_path)
    slow = photos / "slow_copy.jpg"
    slow.write_bytes(data[: len(data) // 3])
    services.add_folders([str(photos)])

    def copy_goes_on(p: Progress) -> None:
        if p.phase is ProgressPhase.ENCODE and p.done == 0:  # the scan is committed; the decoders start now
            slow.write_bytes(data[: 2 * len(data) // 3])

    first = services.index(read_text=False, progress=copy_goes_on)
    assert (first.encoded, first.skipped, first.still_written) == (1, [], [str(slow)])
    slow.write_bytes(data)  # the copy ends
    second = services.index(read_text=False)
    assert (second.encoded, second.skipped, second.still_written) == (1, [], [])


def test_the_photos_complete_beside_one_still_being_written_are_indexed_meanwhile(
    watching: tuple[Path, Path, Recorder], services: Services, tmp_path: Path
) -> None:
    """A photo written to and never closed held its whole folder's run while writes went on (up to 30 s after the
    last): the photos copied in complete beside it waited with it. Only the growing one waits now."""
    card, _other, rec = watching
    data = _photo_bytes(tmp_path)
    slow = card / "slow_copy.jpg"
    with slow.open("wb") as copying:
        copying.write(data[: len(data) // 2])
        copying.flush()
        complete = write_photos(card, "green", 2, start=3)  # beside it, written and closed at once
        rec.wait(lambda: sum(run.encoded for run in rec.runs[1:]) >= 2)
        held = {f.path for f in services.files()}
        assert {str(p) for p in complete} <= held and str(slow) not in held
        assert str(slow) not in _skipped(rec)
        copying.write(data[len(data) // 2 :])
    rec.wait(lambda: sum(run.encoded for run in rec.runs[1:]) >= 3)  # its close reported its folder
    assert str(slow) not in _skipped(rec)
    indexed = {f.path: f for f in services.files()}
    assert indexed[str(slow)].error is None and indexed[str(slow)].size == len(data)


class _Heard:
    """What a ``FolderWatcher`` says, in order: ("writing", path, CopyWait) and ("changed", roots)."""

    def __init__(self) -> None:
        self.said: list[tuple[object, ...]] = []
        self._cond = threading.Condition()

    def writing(self, path: str, wait: CopyWait) -> None:
        with self._cond:
            self.said.append(("writing", path, wait))
            self._cond.notify_all()

    def changed(self, roots: set[str]) -> None:
        with self._cond:
            self.said.append(("changed", roots))
            self._cond.notify_all()

    def wait(self, condition: Callable[[], bool]) -> None:
        with self._cond:
            assert self._cond.wait_for(condition, 30), self.said


def test_a_slow_copy_is_said_once_when_its_wait_begins_not_on_every_write(tmp_path: Path) -> None:
    """`motis watch` said nothing while it waited for a slow copy: the watcher says a photo written to for over its
    quiet time is waited for, once, however many writes follow; its close reports its folder."""
    root = tmp_path / "card"
    root.mkdir()
    data = _photo_bytes(tmp_path)
    heard = _Heard()
    watcher = FolderWatcher(heard.changed, quiet_s=0.2, poll_s=0.2, settle_s=600.0, on_writing=heard.writing)
    try:
        watcher.set_roots([str(root)])
        slow = root / "IMG_1.jpg"
        waiting = ("writing", str(slow), CopyWait.WAITING)
        with slow.open("wb") as copying:
            copying.write(data[:100])
            copying.flush()
            heard.wait(lambda: waiting in heard.said and ("changed", {str(root)}) in heard.said)  # its creation's too
            before = len(heard.said)
            for start in range(100, len(data), 1000):  # the copy goes on: no more words
                copying.write(data[start : start + 1000])
                copying.flush()
        heard.wait(lambda: ("changed", {str(root)}) in heard.said[before:])  # its close reports the folder
        assert [said for said in heard.said if said[0] == "writing"] == [waiting]
    finally:
        watcher.stop()


def test_a_copy_that_stops_without_closing_is_given_up_said_and_read(tmp_path: Path) -> None:
    """A photo still open, written to no more for ``settle_s``: the wait is given up, said once, and its folder
    reported, so the run reads it as it is (and says what it found)."""
    root = tmp_path / "card"
    root.mkdir()
    data = _photo_bytes(tmp_path)
    heard = _Heard()
    watcher = FolderWatcher(heard.changed, quiet_s=0.2, poll_s=0.2, settle_s=1.0, on_writing=heard.writing)
    try:
        watcher.set_roots([str(root)])
        slow = root / "IMG_1.jpg"
        gave_up = ("writing", str(slow), CopyWait.GAVE_UP)
        with slow.open("wb") as copying:
            copying.write(data[: len(data) // 2])
            copying.flush()
            heard.wait(lambda: gave_up in heard.said and heard.said[-1][0] == "changed")
            writing = [said for said in heard.said if said[0] == "writing"]
            assert writing == [("writing", str(slow), CopyWait.WAITING), gave_up]
            assert heard.said[-1] == ("changed", {str(root)})
    finally:
        watcher.stop()
