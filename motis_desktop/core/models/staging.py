"""Hidden working folders in the models folder, and their cleanup after a process that died using them.

``.convert-NAME-pPID-XXXX``, ``.import-…`` and ``.int8-…`` hold an install's work; ``.old-NAME-PID`` a replaced
model until the new one is in place. The pid tells the next start a folder of an interrupted import (its
process is gone: removed) from one in use now (kept). A ``.old-`` folder whose model is missing is the previous
model of a replace cut between its two renames: put back, never deleted. Folders without a pid (older
versions) are removed once a day old.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

from motis_desktop.core.errors import ModelError, MotisError

log = logging.getLogger(__name__)

UNOWNED_MAX_AGE_S = 24 * 3600  # a working folder without a recorded pid is surely abandoned after a day
_OWNED = re.compile(r"^\.(convert|import|int8)-(?P<name>.*)-p(?P<pid>\d+)-[A-Za-z0-9_]+$")
_OLD = re.compile(r"^\.old-(?P<name>.+)-(?P<pid>\d+)$")
_UNOWNED = re.compile(r"^\.(convert|import|int8)-.+")


class InstallStep(str, Enum):
    """Where an install stands, for its progress and its Cancel: a download stops within a chunk; a conversion only
    between its steps (an ONNX export runs to its end), so a front end says it stops "after this step"."""

    DOWNLOAD = "download"
    CONVERT = "convert"


class InstallCancelled(MotisError):
    """The person cancelled an install between its steps: nothing was installed (its working folder goes with it)."""


def stop_if_cancelled(cancel: threading.Event | None) -> None:
    """Between an install's steps (a build, a conversion, the int8 towers, the move into place): stop when asked."""
    if cancel is not None and cancel.is_set():
        raise InstallCancelled("install cancelled: nothing was installed")


def make_staging(parent: Path, kind: str, name: str) -> Path:
    """A new private working folder ``.KIND-NAME-pPID-XXXX`` in the models folder ``parent``; ModelError naming
    ``parent`` when it cannot be written (the hidden folder's own name means nothing to a person)."""
    try:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{kind}-{name}-p{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise ModelError(f"{parent}: the models folder cannot be written ({exc.strerror or exc})") from None


@contextmanager
def staging_dir(parent: Path, kind: str, name: str) -> Iterator[Path]:
    """A working folder (see :func:`make_staging`) removed when the block ends, however it ends."""
    path = make_staging(parent, kind, name)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def clean_stale(models_dir: Path) -> list[Path]:
    """Remove the working folders whose process is gone (put back a cut replace's old model); returns what
    was removed or restored. Never raises: a folder that cannot be removed is logged and left."""
    try:
        children = [c for c in models_dir.iterdir() if c.name.startswith((".convert-", ".import-", ".int8-", ".old-"))]
    except OSError:
        return []
    done = []
    for child in children:
        try:
            if child.is_symlink() or not child.is_dir():
                continue
            old = _OLD.match(child.name)
            owned = old or _OWNED.match(child.name)
            if owned:
                if _alive(int(owned["pid"])):
                    continue
            elif not _UNOWNED.match(child.name) or time.time() - child.stat().st_mtime < UNOWNED_MAX_AGE_S:
                continue
            if old and not (models_dir / old["name"]).exists():
                os.replace(child, models_dir / old["name"])  # the replace was cut between its renames
                log.warning("restored model %s from %s left by an interrupted replace", old["name"], child.name)
            else:
                shutil.rmtree(child)
                log.info("removed %s, left by an interrupted model import", child)
            done.append(child)
        except OSError as exc:
            log.info("cannot clean %s: %s", child, exc.strerror or exc)
    return done


def _alive(pid: int) -> bool:
    """True if process ``pid`` exists (or we cannot tell: never remove what may be in use)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True  # os.kill(pid, 0) would end the process on Windows; the pid-less rule still applies
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: another user's process
        return True
    return True
