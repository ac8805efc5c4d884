"""Paths as the library stores them (the OS's bytes, so names that are not valid UTF-8 survive) and the one
rule for "lies under a folder"; shared by the library and the text stage, which both read its tables."""

from __future__ import annotations

import os


def encode_path(path: str | os.PathLike[str]) -> bytes:
    """A path as the bytes the library stores."""
    return os.fsencode(path)


def decode_path(raw: bytes) -> str:
    """A stored path as the OS's string."""
    return os.fsdecode(raw)


def is_within(path: str, root: str) -> bool:
    """True if ``path`` is ``root`` or lies below it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
