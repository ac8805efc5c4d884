"""Part of the core's door (:class:`~motis_desktop.core.services.Services`): the photos that left the library
folders and are remembered for their return (``library/gone.py``), and forgetting them now.

A mixin, so that ``services.py`` stays within its size; ``Services`` is the only class that takes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from motis_desktop.core.library.service import LibraryService


class GonePhotosDoor:
    """``Services``' methods for photos that left the library folders (their vectors, date and the text read in
    them, kept up to ``GONE_KEEP_DAYS`` days so that one coming back is not read again)."""

    _library: LibraryService

    def gone_photos(self) -> int:
        """How many photos that left the library folders are remembered now (a cheap count, for display)."""
        return self._library.gone_photos()

    def forget_gone_photos(self) -> int:
        """Forget now everything remembered of photos that left the library folders, in one transaction (one that
        comes back is read again, as a new photo); returns how many were forgotten. LibraryWriteError when the
        library can only be read here."""
        return self._library.forget_gone_photos()
