"""The downloads folder (``cache/downloads/MODEL/``): what an unfinished download left for the next try
(``*.part`` files, and complete files with their ``.NAME.done`` record).

A model's folder outlives any early end, a cancel included. It goes once the model is installed, when a failed
try leaves nothing to resume, and in :func:`tidy` (before each download) once its model left the catalogue or
nothing in it changed for 30 days. One download of a model at a time: :func:`downloading` holds the model's
lock (``cache/download-locks/MODEL.lock``) for the whole download and install, so a second one (another window
or command) stops at once with :class:`DownloadBusy` instead of writing into the same ``.part`` files; the OS
releases the lock however the process ends.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from motis_desktop.core.errors import MotisError
from motis_desktop.core.file_lock import HeldElsewhere, acquire, release

log = logging.getLogger(__name__)

STALE_AFTER_S = 30 * 24 * 3600  # a download left untouched this long is not coming back
EMPTY_GRACE_S = 60.0  # an empty folder this young may be one a download (another process's) has just made


class DownloadBusy(MotisError):
    """Another window or command (``holder``: its pid, when known) is downloading the model now."""

    def __init__(self, model: str, holder: str = "") -> None:
        self.model, self.holder = model, holder
        who = f" (pid {holder})" if holder else ""
        super().__init__(
            f"{model} is already being downloaded by another MoTIS window or command{who}; "
            "let that download finish (it installs the model), or stop it and try again"
        )


@contextmanager
def downloading(downloads_dir: Path, model: str) -> Iterator[None]:
    """Hold ``model``'s download lock while the block runs; :class:`DownloadBusy` at once if it is held."""
    try:
        fd: int | None = acquire(_lock_file(downloads_dir, model))
    except HeldElsewhere as exc:
        log.info("the download of %s is under way in pid %s", model, exc.holder or "unknown")
        raise DownloadBusy(model, exc.holder) from None
    except OSError as exc:  # a cache that cannot be written: the download says so, naming the folder
        log.info("cannot lock the download of %s: %s", model, exc)
        fd = None
    try:
        yield
    finally:
        if fd is not None:
            release(fd)


@dataclass(frozen=True)
class WaitingDownload:
    """A model whose download was started and can be resumed."""

    model: str
    folder: Path
    done: int  # bytes downloaded so far


def kept_bytes(folder: Path) -> int:
    """Bytes downloaded so far in a model's folder (its files and parts; 0 if there is none)."""
    try:
        return sum(f.stat().st_size for f in folder.iterdir() if f.is_file() and not f.name.startswith("."))
    except OSError:
        return 0


def waiting(downloads_dir: Path, names: Iterable[str]) -> list[WaitingDownload]:
    """The downloads of the catalogue's models ``names`` that were started and can be resumed."""
    out = []
    for name in names:
        done = kept_bytes(downloads_dir / name)
        if done:
            out.append(WaitingDownload(name, downloads_dir / name, done))
    return out


def drop_if_unusable(folder: Path) -> None:
    """After a failed try: remove empty files (nothing to resume) and the folder if nothing else is left.
    Never raises."""
    try:
        for f in folder.iterdir():
            if f.is_file() and (f.stat().st_size == 0 or _orphan_record(f)):
                f.unlink()
        folder.rmdir()  # only if empty
    except OSError:
        pass


def tidy(downloads_dir: Path, names: Iterable[str], now: float | None = None) -> list[Path]:
    """Remove the folders of models gone from the catalogue (``names``), those untouched for 30 days, and
    empty ones; returns what was removed. Never raises: a folder that cannot be removed is logged and left."""
    now = time.time() if now is None else now
    known = set(names)
    try:
        children = [c for c in downloads_dir.iterdir() if c.is_dir() and not c.is_symlink()]
    except OSError:
        return []
    removed = []
    for child in children:
        try:
            lock = acquire(_lock_file(downloads_dir, child.name))
        except (HeldElsewhere, OSError):
            continue  # being downloaded now, maybe by another process
        try:
            newest = max([child.stat().st_mtime, *(f.stat().st_mtime for f in child.iterdir())])
            if child.name in known and now - newest < STALE_AFTER_S:
                if any(child.iterdir()) or now - newest < EMPTY_GRACE_S:
                    continue
            size = kept_bytes(child)
            shutil.rmtree(child)
            log.info("removed the unfinished download %s (%d bytes)", child, size)
            removed.append(child)
        except OSError as exc:
            log.info("cannot remove %s: %s", child, exc.strerror or exc)
        finally:
            release(lock)
    return removed


def _lock_file(downloads_dir: Path, model: str) -> Path:
    """Outside the downloads folder: a model's folder comes and goes (removed once installed), and a lock file
    is never deleted (one deleted while another process opens it would let two hold "the" lock)."""
    return downloads_dir.parent / "download-locks" / f"{model}.lock"


def _orphan_record(f: Path) -> bool:
    """A ``.NAME.done`` record whose file ``NAME`` is gone."""
    return f.name.startswith(".") and f.name.endswith(".done") and not f.with_name(f.name[1:-5]).exists()
