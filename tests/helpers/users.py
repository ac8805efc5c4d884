"""Run a command as a user who does not own the files: 'nobody' when the tests run as root (root reads and
writes anything), else the current user, whose access the caller takes away with chmod."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOBODY = 65534


def as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def shared_tmpdir(prefix: str) -> Path:
    """A temp folder every user can enter (pytest's own tmp_path is private to its owner)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def run_as_other_user(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m motis_desktop.cli.main ARGS`` as 'nobody' (root) or as this user (otherwise)."""
    command = [sys.executable, "-m", "motis_desktop.cli.main", *args]
    if as_root():
        assert shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root for this check"
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(cwd), **(env or {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=240, env=full_env, cwd=str(cwd))


@contextmanager
def acting_as_other_user() -> Iterator[None]:
    """This whole test process (every thread, and the processes it starts) acts as 'nobody' meanwhile when the tests
    run as root, so that a folder of mode 000 cannot be opened, as for any user (root opens anything); its saved
    user stays root, which takes root back after. As another user: nothing to do (chmod takes its access away)."""
    if not as_root():
        yield
        return
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def give_to(path: Path, uid: int) -> None:
    """chown ``path`` (root only)."""
    os.chown(path, uid, -1)


def tree_digest(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every entry below ``root``: relative path → (sha256 or kind, mode, owner uid)."""
    out: dict[str, tuple[str, int, int]] = {}
    for dirpath, dirnames, names in os.walk(root):
        for name in dirnames + names:
            path = Path(dirpath) / name
            st = path.lstat()
            if path.is_file() and not path.is_symlink():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                digest = "dir" if path.is_dir() else "other"
            out[str(path.relative_to(root))] = (digest, st.st_mode, st.st_uid)
    return out
