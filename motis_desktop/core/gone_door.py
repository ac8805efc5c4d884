"""Parts of the core's door (:class:`~motis_desktop.core.services.Services`): the photos that left the library
folders and are remembered for their return (``library/gone.py``), and forgetting them now; the library's version,
so that a front end can tell another process changed it, and where the photos it shows went when renamed or moved
(``library/renames.py``); who holds the indexer's lock; where an offline library folder went
(``library/folder_locate.py``); a take-over of the demo model the user paused (``models/takeover.py``).

Mixins, so that ``services.py`` stays within its size; ``Services`` is the only class that takes them, through
:class:`Doors`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING

from motis_desktop.core.models.takeover import PAUSED_KEY

if TYPE_CHECKING:
    from motis_desktop.core.library.index_report import FolderLocated, ProgressFn
    from motis_desktop.core.library.locking import LibraryBusy
    from motis_desktop.core.library.renames import Renamed
    from motis_desktop.core.library.service import LibraryService
    from motis_desktop.core.models.service import ModelService
    from motis_desktop.core.paths import AppConfig


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


class LibraryVersionDoor:
    """``Services``' methods that tell a front end whether its copy of the library's photos is still current, and
    where the photos it shows went when renamed or moved."""

    _library: LibraryService

    def photos_version(self) -> int:
        """A counter that grows with every committed change to the library's photos or their vectors, whichever
        process made it (``motis index`` in a terminal, another window). Equal to the value read with a copy of the
        gallery: that copy is current, even where the photo count alone could not tell (photos moved, renamed)."""
        return self._library.photos_version()

    def where_now(self, shown: Mapping[int, str], known_at: float) -> list[Renamed]:
        """The photos of ``shown`` (file id → the path the front end shows it at) that the library now holds at
        another path: renamed or moved within the library folders (a file manager's), found by the scan by content.
        Each ``Renamed`` has ``old``, ``new`` and ``moved`` (to another folder). ``known_at`` (``time.time()``): when
        the front end read them at those paths; a photo added since that took a deleted one's id is not listed.
        Photos deleted, or at the same path, are not listed. One small read."""
        return self._library.where_now(shown, known_at)

    def locked_subfolders(self) -> int:
        """How many subfolders of the library folders cannot be opened now (permission denied) while holding photos
        of the library: one small read (``folder_reports`` counts every folder's photos too: 0.5–0.7 s at 100k)."""
        return self._library.locked_subfolders()


class IndexLockDoor:
    """``Services``' methods for the indexer's lock (one writer at a time, ``library/locking.py``)."""

    _library: LibraryService

    def index_busy(self) -> LibraryBusy | None:
        """Who indexes this library now (another process, or another ``Services``), or None when no one does."""
        return self._library.busy()

    def wait_until_free(self, cancel: threading.Event) -> bool:
        """Wait until no other process indexes this library (``LibraryBusy``): True, or False if cancelled first."""
        return self._library.wait_until_free(cancel)


class FolderLocateDoor:
    """``Services``' method for a library folder the user found again elsewhere (``motis folders move``, Locate…)."""

    _library: LibraryService

    def move_folder(
        self, old: str, new: str, progress: ProgressFn | None = None, cancel: threading.Event | None = None
    ) -> FolderLocated:
        """Put the offline library folder ``old`` at ``new`` in one transaction: its photos found at the same paths
        below ``new`` keep their vectors, date and text; those not there leave the library (remembered a while);
        ``FolderLocated.words`` says it. MotisError (nothing changed) for an ``old`` that is no offline library
        folder or a ``new`` that cannot take its place; LibraryBusy while another process indexes. Photos found
        with another time are hashed first, reported to ``progress`` (``ProgressPhase.LOCATE``: done of total,
        rate, ETA); ``cancel`` set before the move is written stops it with ``LocateCancelled`` (a MotisError),
        the library exactly as it was."""
        return self._library.move_folder(old, new, progress, cancel)


class TakeoverPauseDoor:
    """``Services``' methods for a take-over of the demo model the user paused (the window's Cancel of its run,
    ``gui/takeover_pause.py``), saved in ``config.json`` so that the window started again keeps it paused."""

    _config: AppConfig
    _models: ModelService

    def pause_takeover(self, name: str | None) -> None:
        """Pause the take-over of the demo by ``name`` (the model waiting for it), or resume it (None). A front end
        honours it (the window starts no take-over run until File ▸ Update index); `motis index` finishes the
        take-over whatever, as it always did."""
        self._config.set(PAUSED_KEY, name)

    def takeover_paused(self) -> str | None:
        """The model waiting to take over from the demo whose take-over is paused; None when none is paused or the
        one paused no longer waits (it took over, was removed, or another model waits instead). Reads
        ``config.json`` and the models folder (a few small files)."""
        name = self._config.get(PAUSED_KEY)
        return name if isinstance(name, str) and name == self._models.takeover() else None


class Doors(GonePhotosDoor, IndexLockDoor, LibraryVersionDoor, FolderLocateDoor, TakeoverPauseDoor):
    """Every mixin above, as the one base of ``Services``."""
