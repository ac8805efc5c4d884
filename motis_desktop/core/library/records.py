"""The rows the library stores and hands out: folders, files, dates, and a scan's or a batch's changes.

Paths are stored as the OS's bytes (``os.fsencode``) so names that are not valid UTF-8 survive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from motis_desktop.core.kinds import DateSource, ImageProblem
from motis_desktop.core.pathnames import decode_path, encode_path, is_within

__all__ = [
    "ChangedFile",
    "CopiedFile",
    "EncodedFile",
    "FILE_COLUMNS",
    "FileError",
    "FileRecord",
    "Folder",
    "NewFile",
    "PhotoDate",
    "RenamedFile",
    "ReturnedFile",
    "carried_date",
    "decode_path",
    "encode_path",
    "file_record",
    "is_within",
]


@dataclass(frozen=True)
class Folder:
    id: int
    path: str
    file_count: int


@dataclass(frozen=True)
class FileRecord:
    id: int
    folder_id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    error: str | None  # the detail, in the decoder's words
    error_transient: bool
    problem: ImageProblem | None = None  # the kind of the error (schema v5)


@dataclass(frozen=True)
class PhotoDate:
    """When a photo was taken and where that date comes from (EXIF, mtime, or mtime not read yet: FILE)."""

    taken_at: float
    source: DateSource


@dataclass(frozen=True)
class EncodedFile:
    """One file's result from an indexing batch."""

    file_id: int
    size: int
    mtime_ns: int
    content_hash: str
    vector: np.ndarray
    taken_at: float | None = None  # unix time the photo was taken (EXIF, else mtime)
    taken_source: str | None = None  # "exif" or "mtime"


class NewFile(NamedTuple):
    """A file the scan found that the library does not know yet."""

    folder_id: int
    path: str
    size: int
    mtime_ns: int
    content_hash: str | None = None  # hashed by the scan: it has a twin among the other new files


class ChangedFile(NamedTuple):
    """A known file whose size or mtime changed: its embeddings, hash and error are dropped."""

    file_id: int
    size: int
    mtime_ns: int


class RenamedFile(NamedTuple):
    """A known file found at a new path with the same content: it keeps its embeddings."""

    file_id: int
    folder_id: int
    path: str
    size: int
    mtime_ns: int


class ScanApplied(NamedTuple):
    """What ``LibraryStore.apply_scan`` did beyond its rows: photos back that took what was kept of them (``took``),
    photos dropped because their folder was removed from the library meanwhile (``dropped``)."""

    took: int
    dropped: int


class CopiedFile(NamedTuple):
    """A new file with the same content as ``twin_id``, a file the library holds: it gets a new row with the
    twin's embeddings (every model's), date taken and text read, so nothing is decoded or read again."""

    twin_id: int
    folder_id: int
    path: str
    size: int
    mtime_ns: int


class ReturnedFile(NamedTuple):
    """A new file with the content of a photo that left the library lately (``gone``): it takes the vectors
    (every model's), date and text kept for that content."""

    content_hash: str
    folder_id: int
    path: str
    size: int
    mtime_ns: int


def carried_date(taken_at: float | None, source: str | None, mtime_ns: int) -> tuple[float | None, str | None]:
    """The date a file takes from another with the same bytes (a copy, a returning photo): the date in the bytes
    (EXIF) carries over; where the bytes hold none (source "mtime"), the file's own mtime is its date; a date not
    read yet (None) stays unread."""
    if source == DateSource.EXIF.value and taken_at is not None:
        return taken_at, source
    if source == DateSource.MTIME.value:
        return mtime_ns / 1e9, source
    return None, None


class FileError(NamedTuple):
    """Why a file could not be indexed; ``transient`` errors are retried on the next run."""

    file_id: int
    reason: str
    transient: bool
    problem: ImageProblem | None = None  # None: classified from the words (``problems.problem_from_words``)


# The columns of a ``FileRecord``, in its order (``SELECT {FILE_COLUMNS} FROM files``).
FILE_COLUMNS = "id, folder_id, path, size, mtime_ns, content_hash, error, error_transient, problem"


def file_record(row: tuple[Any, ...]) -> FileRecord:
    """A ``FileRecord`` from a row of ``FILE_COLUMNS`` (an unknown stored code reads as UNKNOWN)."""
    problem = None if row[8] is None else _problem(row[8])
    return FileRecord(row[0], row[1], decode_path(row[2]), row[3], row[4], row[5], row[6], bool(row[7]), problem)


def _problem(code: str) -> ImageProblem:
    try:
        return ImageProblem(code)
    except ValueError:  # written by a newer version
        return ImageProblem.UNKNOWN
