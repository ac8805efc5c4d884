"""Files whose time changed and whose bytes did not (``touch``, a restore or a sync tool that does not keep times).

A known file found with its stored size and a new mtime is hashed (the content hash the decoder stored, read by
the scan on the indexing thread, never the GUI thread); equal content means only its time changed: the stored time
is updated and the file counts as unchanged, so it is neither encoded nor read for text again. A file whose bytes
changed (an edit that kept the size) is a changed file as before; its decoder reads it again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from motis_desktop.core.library.scanner import ScanEntry
from motis_desktop.core.library.store import ChangedFile, FileRecord, RenamedFile


@dataclass
class Retimed:
    """What hashing the files of equal size and a new time found."""

    retimed: list[RenamedFile] = field(default_factory=list)  # same path, same bytes: only the time is stored
    changed: list[ChangedFile] = field(default_factory=list)  # new bytes: encoded again


def may_be_retimed(record: FileRecord, entry: ScanEntry) -> bool:
    """Whether ``entry`` (found at ``record``'s path) has its stored size and a hash to compare with: a file
    decoded fine before, whose time alone may have changed."""
    return record.size == entry.size and bool(record.content_hash) and record.error is None


def split_retimed(
    candidates: list[tuple[FileRecord, ScanEntry]],
    digest: Callable[[str], str | None],
    cancel: threading.Event,
) -> Retimed | None:
    """Sort ``candidates`` (see :func:`may_be_retimed`) into files with the same bytes and files that changed;
    None if ``cancel`` stopped it."""
    out = Retimed()
    for record, entry in candidates:
        if cancel.is_set():
            return None
        if digest(entry.path) == record.content_hash:
            out.retimed.append(RenamedFile(record.id, record.folder_id, entry.path, entry.size, entry.mtime_ns))
        else:
            out.changed.append(ChangedFile(record.id, entry.size, entry.mtime_ns))
    return out
