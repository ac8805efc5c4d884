"""The user says where a library folder went: ``motis folders move OLD NEW``, Settings ▸ Locate….

QA walk 6: a renamed or re-mounted library folder stayed "offline" for good, its photos grey, with no way to say
where it went. ``folder_moves`` finds a move by itself only when every photo is there; here the user names the new
place, so a partial match is taken: each photo of OLD found at the same relative path below NEW (its size, and its
modification time or else its content where a hash was stored: ``folder_moves.found_below``) moves there with its
vectors, date and text; those not there leave the library as photos deleted from a folder do (remembered a while,
``gone``, in case they come back). NEW takes OLD's place in one transaction, under the indexer's lock
(``LocateBusy`` while another run holds it). NEW's other photos are indexed by the next run.

A large folder whose times changed on the way (a copy that did not keep them) has thousands of photos to hash: that
check reports ``ProgressPhase.LOCATE`` ("checking 1,204 of 9,000 photos…", with rate and ETA) and ``cancel`` stops
it between two files, or the scan of NEW before it; stopped, :class:`LocateCancelled` says nothing was changed (the
library is written only in the one transaction at the end, which no cancel interrupts).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from motis_desktop.core.errors import ImageError, MotisError, os_reason
from motis_desktop.core.formatting import count
from motis_desktop.core.images.decode import read_image_bytes
from motis_desktop.core.kinds import ProgressPhase
from motis_desktop.core.library import gone
from motis_desktop.core.library.app_data import AppData
from motis_desktop.core.library.file_decoder import content_hash
from motis_desktop.core.library.folder_moves import found_below
from motis_desktop.core.library.index_report import FolderLocated, ProgressFn
from motis_desktop.core.library.locking import IndexLock, LibraryBusy
from motis_desktop.core.library.own_folder import OwnFolder
from motis_desktop.core.library.records import FileRecord, Folder, RenamedFile, encode_path, is_within
from motis_desktop.core.library.retimed import split_retimed
from motis_desktop.core.library.scanner import ScanEntry, scan_folder
from motis_desktop.core.library.store import LibraryStore


class LocateCancelled(MotisError):
    """The move was cancelled before it wrote anything: the library is exactly as it was."""


def locate_folder(
    store: LibraryStore,
    old: str,
    new: str,
    cancel: threading.Event | None = None,
    progress: ProgressFn | None = None,
) -> FolderLocated:
    """Put the library folder ``old`` at ``new`` (see the module's docstring); MotisError (nothing changed) when
    ``old`` is no library folder or still there, ``new`` cannot take its place, or holds none of its photos;
    LocateBusy (a LibraryBusy) while another process (or thread) indexes the library; LocateCancelled when
    ``cancel`` was set before the move was written. ``progress`` gets the check of the photos whose time changed."""
    old, new = os.path.abspath(old), os.path.abspath(new)
    cancel = cancel or threading.Event()
    folder = _library_folder(store, old)
    _check_new(store, folder, new)
    with _locked(store):
        home = store.db_path.parent
        roots = [f.path for f in store.folders() if f.id != folder.id] + [new]
        scan = scan_folder(new, None, cancel, roots, OwnFolder.of(home), AppData.of())
        if scan.cancelled:
            raise LocateCancelled(f"stopped before {new} was read: nothing was changed")
        entries = {entry.path: entry for entry in scan.entries}
        photos = store.files(folder.id)
        digest = _checked(old, new, photos, entries, cancel, progress)
        pairs = found_below(old, Folder(0, new, 0), photos, entries, digest, same_time=True)
        if photos and not pairs:
            raise MotisError(
                f"none of the {count(len(photos), 'photo')} of {old} is in {new} at the same place below it: "
                "nothing was changed (choose the folder that took its place)"
            )
        found = {p.file_id for p in pairs}
        if cancel.is_set():  # the last look: from here on the one transaction runs to its end
            raise LocateCancelled(_stopped(old, new))
        _replace(store, folder, new, pairs, [r.id for r in photos if r.id not in found])
    return FolderLocated(old, new, len(photos), len(pairs), len(entries) - len(pairs))


class LocateBusy(LibraryBusy):
    """:class:`LibraryBusy` in the words of a move: nothing was changed (the window shows its message as it is)."""

    def __init__(self, held: LibraryBusy) -> None:
        super().__init__(held.holder, held.role)
        self.args = (f"{self.summary}; nothing was changed: locate the folder again when it has finished",)


@contextmanager
def _locked(store: LibraryStore) -> Iterator[None]:
    """The indexer's lock for the move (one writer of the library's folders and files at a time)."""
    try:
        lock = IndexLock(store.db_path.parent / "index.lock").__enter__()
    except LibraryBusy as held:
        raise LocateBusy(held) from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _library_folder(store: LibraryStore, old: str) -> Folder:
    """The library folder at ``old``; MotisError unless there is one and it is out of reach."""
    match = [f for f in store.folders() if f.path == old]
    if not match:
        raise MotisError(f"{old} is not a library folder (see 'motis folders')")
    if os.path.isdir(old):
        raise MotisError(
            f"{old} is not offline: its photos are there. To use another folder instead, remove it from the library "
            "and add the other one"
        )
    return match[0]


def _check_new(store: LibraryStore, folder: Folder, new: str) -> None:
    """MotisError unless ``new`` is a folder this user can read that is no library folder, lies in none and holds
    none (``folder`` itself aside: it leaves)."""
    if not os.path.isdir(new):
        raise MotisError(f"not a folder: {new}")
    try:
        with os.scandir(new) as listing:
            next(listing, None)
    except OSError as exc:
        raise MotisError(f"cannot read {new}: {os_reason(exc)}") from None
    for other in store.folders():
        if other.id == folder.id:
            continue
        if is_within(new, other.path):
            same = "is" if other.path == new else "lies in"
            raise MotisError(f"{new} {same} the library folder {other.path} already: nothing was changed")
        if is_within(other.path, new):
            raise MotisError(
                f"{new} holds the library folder {other.path}: choose the folder that took {folder.path}'s place"
            )


def _replace(store: LibraryStore, folder: Folder, new: str, pairs: list[RenamedFile], missing: list[int]) -> None:
    """One transaction: the folder row for ``new``, ``pairs`` moved into it (vectors, date and text kept; the text
    read stays valid at a new time, same bytes), ``missing`` photos gone (remembered a while), the old row deleted."""
    now = time.time()
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM folders WHERE id = ?", (folder.id,)).fetchone() is None:  # rolled back
            raise MotisError(f"{folder.path} was removed from the library meanwhile: nothing was changed")
        cur = conn.execute("INSERT INTO folders(path, added_at) VALUES (?, ?)", (encode_path(new), now))
        new_id = int(cur.lastrowid or 0)
        conn.executemany(
            "UPDATE text_files SET mtime_ns = ? WHERE file_id = ? AND (size, mtime_ns) = "
            "(SELECT size, mtime_ns FROM files WHERE id = ?)",
            [(r.mtime_ns, r.file_id, r.file_id) for r in pairs],
        )
        conn.executemany(
            "UPDATE files SET folder_id = ?, path = ?, size = ?, mtime_ns = ? WHERE id = ?",
            [(new_id, encode_path(r.path), r.size, r.mtime_ns, r.file_id) for r in pairs],
        )
        gone.keep_gone(conn, missing, now)
        conn.executemany("DELETE FROM files WHERE id = ?", [(i,) for i in missing])
        conn.execute("DELETE FROM folders WHERE id = ?", (folder.id,))


def _checked(
    old: str,
    new: str,
    photos: list[FileRecord],
    entries: dict[str, ScanEntry],
    cancel: threading.Event,
    progress: ProgressFn | None,
) -> Callable[[str], str | None]:
    """Hash, with ``progress`` and ``cancel``, the photos of ``old`` found below ``new`` with their size and another
    time (``found_below`` trusts the others); returns their content hashes by path, for ``found_below``'s digest
    (one that changed reads as no hash: not the same photo). LocateCancelled when ``cancel`` stopped it."""
    candidates = []
    for record in photos:
        entry = entries.get(os.path.join(new, os.path.relpath(record.path, old)))
        if entry is not None and entry.size == record.size and entry.mtime_ns != record.mtime_ns:
            if record.content_hash:
                candidates.append((record, entry))
    checked = split_retimed(candidates, _digest, cancel, progress, ProgressPhase.LOCATE)
    if checked is None:
        raise LocateCancelled(_stopped(old, new))
    hashes = {record.id: record.content_hash for record, _entry in candidates}
    same = {r.path: hashes[r.file_id] for r in checked.retimed}
    return same.get


def _stopped(old: str, new: str) -> str:
    return f"stopped before {old} moved to {new}: nothing was changed"


def _digest(path: str) -> str | None:
    """The content hash of the file at ``path`` (as its decoder stores it); None if it cannot be read."""
    try:
        return content_hash(read_image_bytes(path))
    except (ImageError, OSError):
        return None
