"""Atomic file writes (temp file in the same folder, fsync, rename), and JSON files read with one-line errors."""

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
        if hasattr(os, "fchmod"):  # the mode a plain open() would give, not mkstemp's private 0600
            os.fchmod(fd, 0o666 & ~current_umask())
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


def current_umask() -> int:
    """The process umask (read once: changing it briefly is not thread-safe later on)."""
    return _UMASK


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


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


def read_json(path: Path, what: str, error: type[Exception]) -> Any:
    """``path``'s JSON; ``error`` with one line naming the file and ``what`` it should hold when it cannot be
    read or parsed (also when it is nested too deeply for Python's parser: a RecursionError otherwise)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise error(f"{path}: unreadable {what} (nested too deeply)") from None
    except (OSError, ValueError) as exc:
        raise error(f"{path}: unreadable {what} ({exc})") from None
