"""An account's application data, which a family adding their whole home folder does not mean to search: macOS
keeps app caches, browser thumbnails and icons in ``~/Library``, Windows in ``%USERPROFILE%\\AppData``. Indexed,
they filled the gallery with thousands of tiny pictures that are no one's photos.

The rule is narrow on purpose (one owner, beside ``own_folder``'s): a folder named ``Library`` or ``AppData`` is
left out only where it sits **directly in a home folder** — the user's home (``Path.home()``: ``$HOME`` on macOS
and Linux, ``%USERPROFILE%`` on Windows), or a folder that is a home by its place, directly in a folder named
``Users`` (macOS, Windows, a backup's ``…/Users/anna``) or ``home`` (Linux). A photographer's ``Photos/Library``
is scanned as any folder, and so is ``~/Library`` added as a library folder itself (the rule looks only inside the
folders added). Hidden folders (``.cache``, ``.thumbnails``, ``.local``) are left out anywhere already
(``scanner``). The words the front ends say it with: ``formatting.left_out_words``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_DATA_FOLDERS = frozenset({"Library", "AppData"})  # as the OS names them (macOS, Windows)
HOMES_FOLDERS = frozenset({"users", "home"})  # a folder directly in one of these is a home (compared casefolded)


@dataclass(frozen=True)
class AppData:
    """The rule as the scanner applies it, with the user's home it was given."""

    home: str | None  # the user's home, symbolic links resolved (None: unknown)

    @classmethod
    def of(cls, user_home: str | os.PathLike[str] | None = None) -> AppData:
        """The rule for ``user_home`` (default: ``Path.home()``, as the OS gives it to this process)."""
        try:
            home = os.path.realpath(os.fspath(user_home if user_home is not None else Path.home()))
        except (RuntimeError, KeyError, OSError):  # no home known (no $HOME, no password entry)
            return cls(None)
        return cls(home)

    def holds(self, folder: str) -> bool:
        """``folder`` (one the scan met inside a library folder) is an account's application data."""
        if os.path.basename(folder) not in APP_DATA_FOLDERS:
            return False
        parent = os.path.dirname(folder)
        if os.path.basename(os.path.dirname(parent)).casefold() in HOMES_FOLDERS:
            return True  # a home by its place: /Users/anna, C:\Users\anna, /home/anna
        return self.home is not None and os.path.realpath(parent) == self.home

    def within(self, path: str, root: str) -> bool:
        """``path`` (an event's, under the library folder ``root``) lies in such a folder: the watcher drops it (a
        browser's cache in ``~/Library`` changes every few seconds, and each change would start a run)."""
        folder = path
        while len(folder) > len(root):  # the path and the folders above it, up to the library folder
            if self.holds(folder):
                return True
            folder = os.path.dirname(folder)
        return False
