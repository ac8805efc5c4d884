"""While a library folder is offline, the window looks at the library's folders every few seconds.

QA walk 8 #6: after ``motis folders move OLD NEW`` in a terminal (OLD renamed on disk, the window showing it offline),
the window kept saying "12 in an offline folder, not searched · ⚠ 1 folder offline" until F5, while its searches
already found the photos at NEW. The move writes only the library (no file changes, so the folder watcher sees
nothing) and the window looked again only when it was active again or on F5. An offline folder is exactly the one
another process may locate (``motis folders move``, Settings ▸ Locate… in a second window, or ``motis folders
remove``), so while one is offline a small read on the library lane (its folders and photos' version,
``OutsideChanges.look_at_library``) runs every :data:`LOOK_MS`; a changed list reads the gallery again, which drops
the offline mark. Nothing runs while every folder is online.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from PySide6.QtCore import QObject, QTimer

LOOK_MS = 2_000  # a terminal's move shows in the window within about this long; one small read each time


class OfflineLook(QObject):
    """Calls ``look()`` every :data:`LOOK_MS` while ``offline()`` names a folder (and ``busy()`` is False: a run of
    the window's own reads the library itself when it ends)."""

    def __init__(
        self,
        offline: Callable[[], Collection[str]],
        look: Callable[[], None],
        busy: Callable[[], bool],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._offline, self._look, self._busy = offline, look, busy
        self.timer = QTimer(self)
        self.timer.setInterval(LOOK_MS)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        if self._offline() and not self._busy():
            self._look()
