"""Atomic file writes: temp file in the same folder, fsync, rename."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_atomic(path: str | os.PathLike[str], writer: Callable[[Any], None], mode: str = "wb") -> None:
    """Call ``writer(fh)`` on a temp file, fsync it, then rename it over ``path``.

    Readers see either the old file or the complete new one, never a partial one.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode) as fh:
            writer(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Atomically replace ``path`` with ``data``."""
    write_atomic(path, lambda fh: fh.write(data))


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> None:
    """Atomically replace ``path`` with ``obj`` as indented JSON."""
    write_atomic(path, lambda fh: json.dump(obj, fh, indent=2, sort_keys=True), mode="w")


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
