"""The app's own data folder (its home: the library database, the thumbnail cache, the models), which a library
folder may hold: ``--home``/``MOTIS_HOME`` under ~/Pictures, or the user folder added on macOS/Windows, where the
default home (``~/Library/Application Support``, ``%LOCALAPPDATA%``) has no dot-name to hide it.

The one rule for "is this ours": the watcher drops events in it (indexing would trigger itself) and the scanner
does not descend into it (QA walk 5: each run indexed the thumbnails the last run made, thumbnails of thumbnails).
Paths are compared as given and resolved; a folder met by the scanner also by device and inode, so a link to the
home or a home reached through a link is recognised too. The words the front ends say it with:
``formatting.own_folder_words``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from motis_desktop.core.pathnames import is_within


@dataclass(frozen=True)
class OwnFolder:
    """The home as the scanner and the watcher recognise it."""

    path: str  # absolute
    real: str  # symbolic links resolved
    key: tuple[int, int] | None  # (device, inode); None while it does not exist

    @classmethod
    def of(cls, home: str | os.PathLike[str]) -> OwnFolder:
        path = os.path.abspath(os.fspath(home))
        try:
            st = os.stat(path)
            key: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except OSError:
            key = None
        return cls(path, os.path.realpath(path), key)

    def holds(self, path: str) -> bool:
        """``path`` is the home or lies in it (by name: an event's path may be gone already)."""
        path = os.path.abspath(path)
        return is_within(path, self.path) or is_within(path, self.real)

    def is_folder(self, info: os.stat_result) -> bool:
        """The folder ``info`` describes (a scanned folder's stat) is the home."""
        return self.key is not None and (info.st_dev, info.st_ino) == self.key
