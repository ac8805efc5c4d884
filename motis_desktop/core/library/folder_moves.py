"""A library folder renamed or moved, then added again under its new name: one folder, not two.

QA: `mv Pictures Photos`, then `motis index Photos`: the 344 photos were taken as copies of the offline Pictures'
photos, and the library held 688 (each photo live and as a grey offline tile, "1 folder offline" for good). When a
library folder is out of reach and a folder new to the library holds all its photos at the same paths below it
(same size, and the same content where the decoder stored a hash), the scan takes it for a move: the old folder's
rows go to the new folder's paths (keeping their vectors, dates and text) and the old folder leaves the library,
in the scan's one transaction. Strict on purpose: every photo must be there, so a partial backup is never taken
for the library it copies.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from motis_desktop.core.library.index_report import FolderMove
from motis_desktop.core.library.scanner import ScanEntry
from motis_desktop.core.library.store import FileRecord, Folder, RenamedFile


@dataclass
class Moves:
    """What :func:`find_moves` found: the moves, the old folders' rows at their new paths, the old folders' ids."""

    moves: list[FolderMove] = field(default_factory=list)
    renamed: list[RenamedFile] = field(default_factory=list)
    old_ids: list[int] = field(default_factory=list)


def find_moves(
    library: list[Folder],
    fresh: list[Folder],
    records: list[FileRecord],
    new: list[tuple[int, ScanEntry]],
    digest: Callable[[str], str | None],
    cancel: threading.Event,
) -> Moves | None:
    """Match library folders out of reach with ``fresh`` folders (scanned, no photo in the library before this
    scan) whose ``new`` entries hold all their photos; None if ``cancel`` stopped it."""
    out = Moves()
    fresh_ids = {f.id for f in fresh}
    away = [f for f in library if f.id not in fresh_ids and not os.path.isdir(f.path)] if fresh else []
    if not away:
        return out
    entries: dict[int, dict[str, ScanEntry]] = {}
    for folder_id, entry in new:
        if folder_id in fresh_ids:
            entries.setdefault(folder_id, {})[entry.path] = entry
    by_folder: dict[int, list[FileRecord]] = {}
    for record in records:
        by_folder.setdefault(record.folder_id, []).append(record)
    used: set[int] = set()  # a new folder takes one old folder's place
    for old in away:
        for candidate in (f for f in fresh if f.id in entries and f.id not in used):
            if cancel.is_set():
                return None
            pairs = _all_found(old, candidate, by_folder.get(old.id, []), entries[candidate.id], digest)
            if pairs:
                out.moves.append(FolderMove(old.path, candidate.path, len(pairs)))
                out.renamed += pairs
                out.old_ids.append(old.id)
                used.add(candidate.id)
                break
    return out


def _all_found(
    old: Folder,
    new: Folder,
    photos: list[FileRecord],
    entries: dict[str, ScanEntry],
    digest: Callable[[str], str | None],
) -> list[RenamedFile]:
    """``photos`` (of ``old``) at their paths below ``new``, or [] unless every one is there with its size and (at
    least one hashed, and each that has one) its content."""
    pairs = found_below(old.path, new, photos, entries, digest, strict=True)
    return pairs if any(r.content_hash for r in photos) else []


def found_below(
    old: str,
    new: Folder,
    photos: list[FileRecord],
    entries: dict[str, ScanEntry],
    digest: Callable[[str], str | None],
    strict: bool = False,
    same_time: bool = False,
) -> list[RenamedFile]:
    """The ``photos`` of the library folder ``old`` found at the same relative paths below ``new`` (``entries``: its
    scan, by path), each with its size and, where one was stored, its content; ``strict``: [] unless every one is
    (``folder_locate``, where the user names the new place, takes those found, and with ``same_time`` trusts a file
    with its size and modification time as the indexer does, hashing only the others: a renamed folder of 100k
    photos is not read whole)."""
    pairs: list[RenamedFile] = []
    for record in photos:
        entry = entries.get(os.path.join(new.path, os.path.relpath(record.path, old)))
        trusted = same_time and entry is not None and entry.mtime_ns == record.mtime_ns
        if (
            entry is None
            or entry.size != record.size
            or (record.content_hash and not trusted and digest(entry.path) != record.content_hash)
        ):
            if strict:
                return []
            continue
        pairs.append(RenamedFile(record.id, new.id, entry.path, entry.size, entry.mtime_ns))
    return pairs
