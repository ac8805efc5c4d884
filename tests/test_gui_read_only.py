"""The window over a library it can only read (a read-only disk or mount): searching works, nothing is indexed,
and one plain note says so. QA: a modal "…the library is read-only here (… is not writable …)" at every start
and F5, naming the path twice, and a status line stuck on "indexing…"."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.users import as_root
from helpers.window import ready_window
from PySide6.QtWidgets import QLabel, QMessageBox

from motis_desktop.core.services import Services


def _need_mounts() -> None:
    """These tests make real read-only and full disks with mount(8), as the other read-only tests do
    (test_library_access, test_models_rough_edges): where this process cannot mount, they cannot run."""
    if not as_root() or shutil.which("mount") is None:
        pytest.skip("needs root and mount(8) for a read-only bind mount or a small tmpfs")


@pytest.fixture
def read_only_view(colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path) -> Iterator[Path]:
    """The colour library's home seen through a read-only bind mount (writes fail with EROFS, as on a read-only
    disk)."""
    _need_mounts()
    view = tmp_path / "read-only-home"
    view.mkdir()
    subprocess.run(["mount", "--bind", str(colour_home), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(view)], check=True)
        yield view
    finally:
        subprocess.run(["umount", "-l", str(view)], check=True)


def test_a_read_only_library_says_so_once_and_never_indexes(qtbot, read_only_view: Path, monkeypatch) -> None:
    dialogs: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a: dialogs.append(text))
    windows = ready_window(qtbot, read_only_view, rows=12)
    window = next(windows)
    try:
        note = window.status.findChild(QLabel, "searchOnly")
        assert note is not None and note.isVisible() and note.text() == "Read-only library: search only"
        assert note.toolTip().count(str(read_only_view)) == 1, note.toolTip()  # the path, said once
        assert "read-only file system" in note.toolTip()
        window.actions_by_name["update_index"].trigger()  # F5
        assert window.indexer is None  # no run that can only fail
        assert window.status_label.text() == "12 photos", window.status_label.text()  # not "· indexing…"
        with qtbot.waitSignal(window.results.results_shown, timeout=30_000):
            window.run_search("red")  # searching works
        assert window.model.rowCount() >= 1
        assert dialogs == []
    finally:
        next(windows, None)


def test_a_run_that_fails_says_indexing_stopped(
    qtbot, colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch
) -> None:
    """QA (a full disk): after the "Indexing stopped" message the status line stayed on "indexing…". Here the home
    is a small tmpfs that fills up while the window is open (it could write at start), so the run F5 starts fails."""
    _need_mounts()
    _services, photos = colour_library
    dialogs: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *_a: dialogs.append(text))
    home = tmp_path / "small-home"
    home.mkdir()
    size = sum(f.stat().st_size for f in colour_home.rglob("*") if f.is_file())
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size + (8 << 20)}", "tmpfs", str(home)], check=True)
    try:
        shutil.copytree(colour_home, home, dirs_exist_ok=True)
        windows = ready_window(qtbot, home, rows=12)
        window = next(windows)
        try:
            window.watching.stop()  # this test's run is F5's alone
            _fill(home / "filler")
            for n in range(6):  # something to write
                shutil.copy(next(photos.glob("*.jpg")), photos / f"new-{n}.jpg")
            with qtbot.waitSignal(window.indexing.stopped, timeout=60_000):
                window.actions_by_name["update_index"].trigger()  # F5
            assert len(dialogs) == 1 and "disk is full" in dialogs[0], dialogs
            line = window.status_label.text()
            assert "indexing…" not in line and "indexing stopped" in line, line
        finally:
            next(windows, None)
    finally:
        subprocess.run(["umount", "-l", str(home)], check=True)


def _fill(path: Path) -> None:
    """Write ``path`` until its disk is full."""
    with open(path, "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * (64 << 10))
        except OSError:
            pass
    with open(path, "ab", buffering=0) as out:  # and the last few bytes
        try:
            while True:
                out.write(b"\0" * 512)
        except OSError:
            pass


def test_a_log_file_on_a_full_disk_stays_quiet() -> None:
    """QA: with a full home the terminal filled with "--- Logging error ---" tracebacks (ENOSPC writing the log).
    /dev/full refuses every write with ENOSPC. In a process of its own: the app's logging set-up is global."""
    script = (
        "import logging, pathlib\n"
        "from motis_desktop.gui.app import setup_logging\n"
        "setup_logging(pathlib.Path('/dev/full'))\n"
        "logging.getLogger('motis_desktop.test').warning('a record the full disk cannot take')\n"
        "logging.getLogger('motis_desktop.test').warning('and another')\n"
        "print('logged', flush=True)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout == "logged\n", proc
    assert "Logging error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
