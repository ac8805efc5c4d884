"""Permission and read-only problems are never taken for a damaged library: every file stays as it was."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.cli import import_colour_model, run_cli
from helpers.photos import COLOURS, colour_image, write_image
from helpers.users import NOBODY, as_root, give_to, run_as_other_user, shared_tmpdir, tree_digest


@pytest.fixture
def shared(tmp_path_factory) -> Iterator[Path]:
    folder = shared_tmpdir("motis-access-")
    yield folder
    for dirpath, dirnames, _ in os.walk(folder):  # undo chmods so the folder can be removed
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
    shutil.rmtree(folder, ignore_errors=True)


def _indexed_library(shared: Path, colour_pair, share: bool = True) -> tuple[Path, Path]:
    home, photos = shared / "home", shared / "photos"
    for i, colour in enumerate(["red", "red", "blue", "green"]):
        write_image(photos / f"{i}_{colour}.jpg", colour_image(COLOURS[colour], 64, 48, i))
    for folder in (shared, photos):
        folder.chmod(0o755)
    import_colour_model(colour_pair, home)
    run_cli("index", str(photos), home=home)
    if not share:
        return home, photos
    # A library is private to its owner (0700/0600); these tests are about a home its owner shares on purpose.
    for dirpath, dirnames, names in os.walk(home):
        for name in dirnames:
            os.chmod(os.path.join(dirpath, name), 0o755)
        for name in names:
            os.chmod(os.path.join(dirpath, name), 0o644)
    home.chmod(0o755)
    return home, photos


def _leave_stale_wal(home: Path, extra_folder: Path) -> None:
    """A writer that commits (adds a folder) and dies before SQLite checkpoints: -wal/-shm stay behind."""
    code = (
        "import os, sys\nfrom pathlib import Path\n"
        "from motis_desktop.core.library.store import LibraryStore\n"
        "LibraryStore(Path(sys.argv[1])).add_folder(sys.argv[2])\nos._exit(0)\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(home / "library.sqlite3"), str(extra_folder)], check=True, timeout=120
    )


def _only_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_foreign_owned_stale_wal_is_reported_not_set_aside(shared: Path, colour_pair) -> None:
    home, photos = _indexed_library(shared, colour_pair)
    extra = shared / "extra"
    extra.mkdir(mode=0o755)
    _leave_stale_wal(home, extra)
    wal, shm = home / "library.sqlite3-wal", home / "library.sqlite3-shm"
    assert wal.stat().st_size > 0
    assert shm.exists()
    for part in (wal, shm):
        part.chmod(0o600)  # the other user's umask: not even readable by the library's owner
    if as_root():  # the library belongs to 'nobody'; the stale -wal/-shm to root
        for dirpath, dirnames, names in os.walk(home):
            for name in [*dirnames, *names]:
                if name not in (wal.name, shm.name):
                    give_to(Path(dirpath) / name, NOBODY)
        give_to(home, NOBODY)
    else:
        for part in (wal, shm):
            part.chmod(0)
    before = tree_digest(home)

    for command in (["status", "--json"], ["search", "red", "--json"], ["index"]):
        proc = run_as_other_user(["--home", str(home), *command], cwd=shared)
        assert proc.returncode == 1, (command, proc.stdout, proc.stderr)
        line = _only_error_line(proc)
        assert "damaged" not in line, line
        assert f"{wal}" in line and "by this user" in line, line
        assert tree_digest(home) == before, command  # byte for byte, same names, modes and owners

    for part in (wal, shm):  # the owner (or root) still sees everything, the -wal's commit included
        part.chmod(0o600)
    status = json.loads(run_cli("status", "--json", home=home).stdout)
    assert sorted(f["path"] for f in status["folders"]) == sorted([str(photos), str(extra)])
    assert status["indexed"] == 4
    assert not list(home.glob("library.damaged-*"))


def test_read_only_home_still_answers_status_and_search(shared: Path, colour_pair) -> None:
    home, photos = _indexed_library(shared, colour_pair)
    assert not (home / "library.sqlite3-wal").exists()
    assert not (home / "library.sqlite3-shm").exists()
    if not as_root():  # as root, 'nobody' cannot write a root-owned 755 home; otherwise take write access away
        for dirpath, dirnames, names in os.walk(home):
            for name in names:
                os.chmod(os.path.join(dirpath, name), 0o444)
            for name in dirnames:
                os.chmod(os.path.join(dirpath, name), 0o555)
        home.chmod(0o555)
    before = tree_digest(home)

    status = run_as_other_user(["--home", str(home), "status", "--json"], cwd=shared)
    assert status.returncode == 0, status.stderr
    assert "Traceback" not in status.stderr
    data = json.loads(status.stdout)
    assert (data["files"], data["indexed"]) == (4, 4)
    assert data["folders"] == [{"path": str(photos), "files": 4, "online": True, "cannot_open": []}]

    search = run_as_other_user(["--home", str(home), "search", "red", "-k", "2", "--json"], cwd=shared)
    assert search.returncode == 0, search.stderr
    assert sorted(Path(h["path"]).name for h in json.loads(search.stdout)) == ["0_red.jpg", "1_red.jpg"]

    index = run_as_other_user(["--home", str(home), "index"], cwd=shared)
    assert index.returncode == 1, index.stdout
    line = _only_error_line(index)
    assert "not writable" in line and "damaged" not in line, line

    assert tree_digest(home) == before  # nothing written, renamed or created


def test_desktop_app_says_why_a_home_cannot_be_used(qapp, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from motis_desktop.gui import app

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    home = tmp_path / "home.txt"
    home.write_text("not a folder")
    assert app.main(["--home", str(home)]) == 1
    assert shown == [f"{home}: the app's home (--home or $MOTIS_HOME) must be a folder, and this is not one"]


def _can_mount_read_only() -> bool:
    if not as_root() or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / /mnt && mount -o remount,bind,ro /mnt"], capture_output=True
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_read_only(), reason="needs root and mount namespaces for a read-only bind mount")
def test_read_only_file_system_still_answers_status_and_search(shared: Path, colour_pair) -> None:
    """EROFS, not EACCES: the home is bind-mounted read-only in a private mount namespace."""
    home, photos = _indexed_library(shared, colour_pair, share=False)
    extra = shared / "extra"
    extra.mkdir(mode=0o755)
    _leave_stale_wal(home, extra)  # a -wal with a commit in it: it must be read, not ignored
    before = tree_digest(home)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cli = " ".join(f"'{a}'" for a in [sys.executable, "-m", "motis_desktop.cli.main", "--home", str(home), *args])
        script = f"mount --bind '{home}' '{home}' && mount -o remount,bind,ro '{home}' && exec {cli}"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        return subprocess.run(
            ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, timeout=240
        )

    status = run("status", "--json")
    assert status.returncode == 0, status.stderr
    assert sorted(f["path"] for f in json.loads(status.stdout)["folders"]) == sorted([str(photos), str(extra)])
    search = run("search", "blue", "-k", "1", "--json")
    assert search.returncode == 0, search.stderr
    assert [Path(h["path"]).name for h in json.loads(search.stdout)] == ["2_blue.jpg"]
    index = run("index")
    assert index.returncode == 1
    assert "read-only file system" in _only_error_line(index)
    assert tree_digest(home) == before
