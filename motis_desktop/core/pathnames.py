"""Paths as the library stores them (the OS's bytes, so names that are not valid UTF-8 survive) and the one
rule for "lies under a folder"; shared by the library and the text stage, which both read its tables; and a path
for people (:func:`readable`), shared by the front ends."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable


def encode_path(path: str | os.PathLike[str]) -> bytes:
    """A path as the bytes the library stores."""
    return os.fsencode(path)


def decode_path(raw: bytes) -> str:
    """A stored path as the OS's string."""
    return os.fsdecode(raw)


def decode_paths(raws: Iterable[bytes]) -> list[str]:
    """Many stored paths as the OS's strings: :func:`decode_path`'s rule with its look-ups done once."""
    encoding, errors = sys.getfilesystemencoding(), sys.getfilesystemencodeerrors()  # os.fsdecode's own
    return [raw.decode(encoding, errors) for raw in raws]


def is_within(path: str, root: str) -> bool:
    """True if ``path`` is ``root`` or lies below it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def readable(path: str) -> str:
    """``path`` for people: bytes that are not UTF-8 shown as "�" (a Qt string would drop them without a trace,
    and a line of words need not keep them: ``--json`` and the paths printed alone do)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if not path.isprintable() else path
