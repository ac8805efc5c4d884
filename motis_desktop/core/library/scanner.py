"""Find image files under library folders.

Skips hidden files and folders, the app's own home (``own_folder``: its thumbnail cache would be indexed,
thumbnails of thumbnails on every run) and an account's application data directly in a home folder (``app_data``:
``~/Library``, ``AppData``), follows folder symlinks once (loops are
detected by device/inode) unless the link points at a library root or a folder
that contains one (``..``, ``/``, ``~``: following it would pull in the parent's
files), and recognises images by content: a file with an
image extension is always a candidate (so a broken one is reported), any other
file is a candidate only if its first bytes are an image signature.
Paths longer than the OS allows are reported, never skipped silently.
Nothing is ever written to the scanned folders.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from motis_desktop.core.errors import os_reason
from motis_desktop.core.images.header import sniff_format
from motis_desktop.core.library.app_data import AppData
from motis_desktop.core.library.own_folder import OwnFolder
from motis_desktop.core.library.store import is_within

log = logging.getLogger(__name__)

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff"}
    | {".heic", ".heif", ".hif", ".avif"}
    | {".dng", ".cr2", ".cr3", ".nef", ".nrw", ".arw", ".orf", ".rw2", ".pef", ".raf", ".srw"}
)
SKIP_FOLDERS = frozenset({"@eaDir", "$RECYCLE.BIN", "System Volume Information", "__MACOSX"})


@dataclass(frozen=True)
class ScanEntry:
    path: str
    size: int
    mtime_ns: int


@dataclass
class ScanResult:
    entries: list[ScanEntry] = field(default_factory=list)
    # (path, reason) for things that look like photos but cannot be one (FIFO, broken link, ...)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    # Folders that could not be listed (root unplugged, permissions): what the library knows
    # under them must be kept, not treated as deleted.
    unlisted: list[str] = field(default_factory=list)
    own_folder: str | None = None  # where the scan met the app's own home (not descended into)
    app_data: list[str] = field(default_factory=list)  # an account's application data folders (not descended into)
    cancelled: bool = False


def scan_folder(
    root: str,
    known: dict[str, tuple[int, int]] | None = None,
    cancel: threading.Event | None = None,
    library_roots: Iterable[str] = (),
    own: OwnFolder | None = None,
    app_data: AppData | None = None,
) -> ScanResult:
    """Image candidates under ``root``. ``known`` (path → (size, mtime_ns)) skips content sniffing
    for files already in the library. A folder link whose target is ``root``, one of ``library_roots``
    or a folder above any of them is not followed (it is reported). ``own`` (the app's home) is left out
    (``ScanResult.own_folder`` says where it was met), and the application data ``app_data`` recognises
    (``ScanResult.app_data``)."""
    result = ScanResult()
    walk = _Walk(root, known or {}, library_roots, result, own, app_data)
    if not walk.start():
        return result
    stack = [root]
    while stack:
        if cancel is not None and cancel.is_set():
            result.cancelled = True
            break
        children = walk.list(stack.pop())
        subdirs = [sub for entry in children if (sub := walk.visit(entry)) is not None]
        stack.extend(reversed(subdirs))
    for path, reason in result.rejected:
        log.debug("scan of %s: skipped %s: %s", root, path, reason)
    log.info("scanned %s: %d candidates, %d skipped", root, len(result.entries), len(result.rejected))
    return result


class _Walk:
    """One scan's state: the folders seen (by device and inode), the guarded library roots, the result."""

    def __init__(
        self,
        root: str,
        known: dict[str, tuple[int, int]],
        library_roots: Iterable[str],
        result: ScanResult,
        own: OwnFolder | None,
        app_data: AppData | None = None,
    ) -> None:
        self.root, self.known, self.result, self.own, self.app_data = root, known, result, own, app_data
        self.guarded = {os.path.realpath(r) for r in (root, *library_roots)}
        self.seen_dirs: set[tuple[int, int]] = set()

    def start(self) -> bool:
        """Check the root; False (reported) when it is unavailable or not a folder."""
        try:
            st = os.stat(self.root)
        except OSError as exc:
            self._unlisted(self.root, f"folder unavailable, its photos are kept: {os_reason(exc)}")
            return False
        if not stat.S_ISDIR(st.st_mode):
            self._unlisted(self.root, "not a folder")
            return False
        if self.own is not None and self.own.is_folder(st):  # the home itself added as a library folder
            self.result.own_folder = self.root
            return False
        self.seen_dirs.add((st.st_dev, st.st_ino))
        return True

    def _unlisted(self, folder: str, reason: str) -> None:
        self.result.rejected.append((folder, reason))
        self.result.unlisted.append(folder)

    def list(self, folder: str) -> list[os.DirEntry[str]]:
        """The entries of ``folder`` by name; [] (reported) when it cannot be listed."""
        try:
            with os.scandir(folder) as it:
                return sorted(it, key=lambda e: e.name)
        except OSError as exc:
            too_long = exc.errno == errno.ENAMETOOLONG
            self._unlisted(folder, _too_long(folder) if too_long else f"cannot list folder: {os_reason(exc)}")
            return []

    def visit(self, entry: os.DirEntry[str]) -> str | None:
        """Record ``entry`` (a candidate file or a rejection); returns it when it is a folder to descend into."""
        if entry.name.startswith(".") or entry.name in SKIP_FOLDERS:
            return None
        looks_like_image = os.path.splitext(entry.name)[1].lower() in IMAGE_EXTENSIONS
        try:
            info = entry.stat(follow_symlinks=True)
        except OSError as exc:
            self._unstattable(entry, exc, looks_like_image)
            return None
        if stat.S_ISDIR(info.st_mode):
            return self._folder(entry, info)
        if not stat.S_ISREG(info.st_mode):
            if looks_like_image:
                self.result.rejected.append((entry.path, "not a regular file"))
        elif looks_like_image or entry.path in self.known or _has_image_signature(entry.path):
            self.result.entries.append(ScanEntry(entry.path, info.st_size, info.st_mtime_ns))
        return None

    def _unstattable(self, entry: os.DirEntry[str], exc: OSError, looks_like_image: bool) -> None:
        if exc.errno == errno.ENAMETOOLONG:
            self.result.rejected.append((entry.path, _too_long(entry.path)))
            if entry.is_dir(follow_symlinks=False):
                self.result.unlisted.append(entry.path)
        elif looks_like_image or entry.is_symlink():
            reason = (
                "symbolic link loop"
                if exc.errno == errno.ELOOP
                else "broken symbolic link"
                if entry.is_symlink()
                else os_reason(exc)
            )
            self.result.rejected.append((entry.path, reason))

    def _folder(self, entry: os.DirEntry[str], info: os.stat_result) -> str | None:
        if self.own is not None and self.own.is_folder(info):
            self.result.own_folder = entry.path
            return None
        if self.app_data is not None and self.app_data.holds(entry.path):
            self.result.app_data.append(entry.path)
            return None
        if entry.is_symlink():
            target = os.path.realpath(entry.path)
            above = next((r for r in sorted(self.guarded) if is_within(r, target)), None)
            if above is not None:
                what = "the library folder" if target == above else f"a folder that contains {above}"
                self.result.rejected.append(
                    (entry.path, f"link to {target}, {what}: not followed (it would index the library twice)")
                )
                return None
        key = (info.st_dev, info.st_ino)
        if key in self.seen_dirs:  # symlink loops and repeated links are visited once
            return None
        self.seen_dirs.add(key)
        return entry.path


def _too_long(path: str) -> str:
    try:
        limit = os.pathconf("/", "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        limit = 4096
    return (
        f"path too long for this system ({len(os.fsencode(path))} bytes, limit {limit}): "
        "shorten a folder name above it to index it"
    )


def _has_image_signature(path: str) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        head = os.read(fd, 32)
    except OSError:
        return False
    finally:
        os.close(fd)
    return sniff_format(head) is not None
