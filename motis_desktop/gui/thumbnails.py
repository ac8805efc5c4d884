"""Lazy thumbnails: memory LRU of QPixmaps, hash-named disk cache, tasks on the GUI task runner.

Only what the view paints is requested. Requests are served newest first by
tasks on the task runner's ``THUMBNAILS`` lane (as many at once as it has
threads); a queued request that nobody asked for again within ``STALE_S`` (its
row was scrolled away) is dropped before it runs, except one made with ``keep``
(a photo shown outside the view, which no repaint asks for again).
Workers produce ``QImage`` (never ``QPixmap``); the GUI thread converts.
Disk cache files are named by a hash of (path, size, mtime, size-class), so a
changed photo gets a new thumbnail, and are written atomically. The thumbnails
held in memory remember the (size, mtime) of the file they were made from;
``recheck`` forgets those of files changed since (a photo replaced under the
same name), so the next paint makes them again.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView

from motis_desktop.core.atomic import write_bytes_atomic
from motis_desktop.core.errors import ImageError
from motis_desktop.core.images import isolated
from motis_desktop.core.images.decode import decode_image
from motis_desktop.gui.memory import trim
from motis_desktop.gui.tasks import Lane, Report, Task, TaskRunner

NO_THUMBNAIL = "cannot make a thumbnail"  # why a tile shows a broken image when the failure said nothing itself
STALE_S = 1.0
# Thumbnails kept in memory: this many screens of the view's tiles (a tile is stored ~2.5x the pixels it is
# shown at: its long side is 1.5x the row height), at least MIN_KEPT_BYTES, at most the manager's memory_bytes.
# In a 1100x720 window that is ~32 MB (~100 tiles); a 4K HiDPI screen reaches the 128 MB ceiling.
KEPT_SCREENS = 5
TILE_AREA = 2.5
MIN_KEPT_BYTES = 24 * 2**20
SHORT_SIDE_FRACTION = 1.5  # a thumbnail of long side ``edge`` is shown at most edge / 1.5 high or wide


class ThumbKey(tuple):
    """(path, edge) — the photo and the longest side in pixels."""

    @property
    def path(self) -> str:
        return self[0]

    @property
    def edge(self) -> int:
        return self[1]


def thumb_key(path: str, edge: int) -> ThumbKey:
    return ThumbKey((path, edge))


Stamp = tuple[int, int] | None  # a file's (size, mtime in ns) when its thumbnail was made; None: it was not there


def file_stamp(path: str) -> Stamp:
    """What tells a changed photo from the one a thumbnail was made of (the same as the disk cache's name)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _changed_files(held: dict[str, Stamp]) -> list[tuple[str, bool]]:
    """(path, still on disk) of each file of ``held`` whose stamp is no longer the one its thumbnail was made of."""
    now = {path: file_stamp(path) for path in held}
    return [(path, stamp is not None) for path, stamp in now.items() if stamp != held[path]]


def cache_file(cache_dir: Path, path: str, edge: int) -> Path | None:
    """Disk-cache location for a photo's thumbnail, or None if the photo is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    digest = hashlib.sha1(f"{os.fsencode(path)!r}|{st.st_size}|{st.st_mtime_ns}|{edge}".encode()).hexdigest()
    return cache_dir / digest[:2] / f"{digest}.jpg"


def make_thumbnail(path: str, edge: int, cache_dir: Path) -> QImage:
    """Worker thread: a QImage of at most ``edge`` px, from the disk cache or made and cached."""
    target = cache_file(cache_dir, path, edge)
    if target is not None and target.is_file():
        try:
            # Our own JPEG (written atomically below), so decoded in this thread: the first screen of a launch
            # does not wait ~0.4 s for decoder processes to start, nor compete with the first search for them.
            return _to_qimage(decode_image(target.read_bytes()))
        except (ImageError, OSError):
            pass  # a damaged or truncated cache file is simply made again
    # In a decoder process: a crash costs this tile. A tile is at most edge / 1.5 on its short side (the
    # timeline asks for edge ≥ 1.5 × the row height), so the decoder may reduce that far (JPEG: 2-4× less work).
    rgb = isolated.load_image(path, min_side=max(1, round(edge / SHORT_SIDE_FRACTION)), max_side=edge)
    h, w = rgb.shape[:2]
    scale = edge / max(h, w)
    if scale < 1:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    if target is not None:
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])
        if ok:
            try:
                write_bytes_atomic(target, buf.tobytes())
            except OSError:
                pass  # a full or read-only cache only costs speed
    return _to_qimage(rgb)


def _to_qimage(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def refresh_view_on_thumbnails(view: QAbstractItemView, manager: ThumbnailManager, delay_ms: int = 50) -> QTimer:
    """Repaint ``view`` shortly after thumbnails arrive (coalesced).

    Repainting re-requests every row still on screen, which keeps those requests fresh while slow
    decodes are queued; rows scrolled away are not painted, so their requests go stale and are dropped.
    """
    timer = QTimer(view)
    timer.setSingleShot(True)
    timer.setInterval(delay_ms)
    timer.timeout.connect(view.viewport().update)
    manager.ready.connect(lambda _path: None if timer.isActive() else timer.start())
    manager.screen = lambda: (view.viewport().width(), view.viewport().height(), view.devicePixelRatioF())
    return timer


class ThumbnailManager(QObject):
    """Asks workers for thumbnails on demand and keeps recent ones as QPixmaps.

    Signals:
        ready: Emitted with a photo's path (str) when one of its thumbnails (any size) became available or failed,
            or was forgotten because the file changed (``recheck``). Sent as a Python object: a Qt string would
            drop the bytes of a name that are not UTF-8.
        changed: Emitted with the paths (list of str) whose files changed since their thumbnails were made
            (``recheck``); their thumbnails are forgotten, the next paint makes them again. A file gone from disk
            is not named: the indexing run that lets it go moves the views on (the viewer showed "cannot be
            shown" for a deleted result before its copy took its place).
    """

    ready = Signal(object)
    changed = Signal(object)

    def __init__(
        self,
        cache_dir: Path,
        memory_items: int = 2000,
        memory_bytes: int = 128 * 2**20,
        workers: int | None = None,
        parent: QObject | None = None,
        runner: TaskRunner | None = None,
    ) -> None:
        """``runner``: the window's task runner; without one (tests, tools) the manager makes its own,
        with ``workers`` thumbnail threads."""
        super().__init__(parent)
        self.cache_dir = cache_dir
        self.memory_items = memory_items
        # Pixels held, not only a count: the timeline's thumbnails are up to 768 px (a 2,000-item count alone
        # let 384-px tiles hold ~0.8 GB); 128 MB is several screens even at the largest zoom. With a view
        # (``screen``: its viewport's width, height and pixel ratio) a few screens' worth (KEPT_SCREENS) below
        # that: at 100k photos the 128 MB were a sixth of the window's memory after scrolling.
        self.memory_bytes = memory_bytes
        self.screen: Callable[[], tuple[int, int, float]] | None = None
        self._bytes = 0
        self.runner = (
            runner if runner is not None else TaskRunner(self, {Lane.THUMBNAILS: workers} if workers else None)
        )
        self._pixmaps: OrderedDict[ThumbKey, QPixmap] = OrderedDict()
        self._stamps: dict[ThumbKey, Stamp] = {}  # the file each pixmap in memory was made of
        self._failed: dict[str, tuple[str, Stamp]] = {}  # why a photo has no thumbnail, and of which file
        self._outdated: set[ThumbKey] = set()  # running jobs whose file changed meanwhile: their result is dropped
        self._queue: OrderedDict[ThumbKey, float] = OrderedDict()  # key -> last time requested
        self._running: set[ThumbKey] = set()
        self._kept: set[ThumbKey] = set()  # requests never dropped as stale (``pixmap(keep=True)``)
        self.requested = 0  # distinct requests made (tests and diagnostics)

    def pixmap(self, path: str, edge: int, keep: bool = False) -> QPixmap | None:
        """The thumbnail if ready; otherwise None and it is requested (or its request refreshed). ``keep``: the
        request waits for a worker however long it takes (else it is dropped when not asked again within
        ``STALE_S``): for a photo no view paints, e.g. the search box's."""
        key = thumb_key(path, edge)
        pix = self._pixmaps.get(key)
        if pix is not None:
            self._pixmaps.move_to_end(key)
            return pix
        if path in self._failed or key in self._running:
            return None
        if key not in self._queue:
            self.requested += 1
        if keep:
            self._kept.add(key)
        self._queue[key] = time.monotonic()
        self._queue.move_to_end(key)
        self._dispatch()
        return None

    def cached(self, path: str, edge: int) -> QPixmap | None:
        """The thumbnail if it is in memory, without requesting it."""
        return self._pixmaps.get(thumb_key(path, edge))

    def queued(self) -> list[str]:
        """Paths whose requests wait for a worker, newest request last."""
        return [key.path for key in self._queue]

    def error(self, path: str) -> str | None:
        """Why ``path`` cannot be shown (its tile's broken image), or None. A file that was gone when its thumbnail was
        asked for is no broken photo (QA: a folder moved away during indexing left crosses): it waits as a
        placeholder, and ``recheck`` (after each indexing run) asks again once the file is back."""
        failed = self._failed.get(path)
        return (failed[0] or None) if failed is not None else None

    def pending(self) -> int:
        return len(self._queue) + len(self._running)

    def clear_memory(self) -> None:
        """Forget the thumbnails held in memory (the disk cache stays)."""
        self._pixmaps.clear()
        self._stamps.clear()
        self._bytes = 0

    def recheck(self) -> None:
        """Forget, in the background, the thumbnails (and failures) of photos whose file changed since they were
        made: a photo replaced under the same name shows its new picture, not the old one until a restart. One
        stat per photo held (a few thousand at most), on the ``THUMBNAILS`` lane; ``changed`` names them."""
        held = {key.path: stamp for key, stamp in self._stamps.items()}
        held.update({path: stamp for path, (_error, stamp) in self._failed.items()})
        if held:
            self.runner.call(Lane.THUMBNAILS, lambda: _changed_files(held), self._forget)

    def _forget(self, found: list[tuple[str, bool]]) -> None:
        """Drop every thumbnail of the files ``recheck`` found changed, (path, still on disk): the next paint asks
        for them anew."""
        if not found:
            return
        paths = [path for path, _present in found]
        gone = set(paths)
        for key in [key for key in self._pixmaps if key.path in gone]:
            self._bytes -= _pixmap_bytes(self._pixmaps.pop(key))
            self._stamps.pop(key, None)
        for path in gone:
            self._failed.pop(path, None)
        self._outdated |= {key for key in self._running if key.path in gone}
        self.changed.emit([path for path, present in found if present])
        for path in paths:
            self.ready.emit(path)  # views repaint those tiles, which asks for them again

    def shutdown(self) -> None:
        """Drop queued work and wait for running jobs (at quit)."""
        self._queue.clear()
        self._kept.clear()
        self.runner.wait(Lane.THUMBNAILS, 5000)

    def _dispatch(self) -> None:
        now = time.monotonic()
        while self._queue:  # oldest request first: every request moves its key to the end
            key, asked = next(iter(self._queue.items()))
            if now - asked <= STALE_S:
                break
            del self._queue[key]  # scrolled away: nobody painted it recently
            if key in self._kept:  # nothing paints it: it stays asked for (served next, as the newest request)
                self._queue[key] = now
        while self._queue and len(self._running) < self.runner.threads(Lane.THUMBNAILS):
            key, _ = self._queue.popitem(last=True)  # newest request first
            self._running.add(key)
            self.runner.start(Lane.THUMBNAILS, self._job(key), partial(self._connect, key=key))

    def kept_bytes(self) -> int:
        """How many bytes of thumbnails stay in memory (see KEPT_SCREENS)."""
        if self.screen is None:
            return self.memory_bytes
        width, height, ratio = self.screen()
        screens = int(KEPT_SCREENS * TILE_AREA * 4 * width * height * ratio * ratio)
        return min(self.memory_bytes, max(MIN_KEPT_BYTES, screens))

    def _job(self, key: ThumbKey) -> Callable[[Report, threading.Event], tuple[QImage | None, str, Stamp]]:
        cache_dir = self.cache_dir

        def work(_report: Report, _cancel: threading.Event) -> tuple[QImage | None, str, Stamp]:
            stamp = file_stamp(key.path)  # before reading: a file changed while being read looks changed later
            try:
                return make_thumbnail(key.path, key.edge, cache_dir), "", stamp
            except (ImageError, OSError, cv2.error) as exc:
                if not os.path.lexists(key.path):  # gone (its folder moved away?): not broken; see ``error``
                    return None, "", None
                return None, str(exc) or NO_THUMBNAIL, stamp

        return work

    def _connect(self, task: Task, *, key: ThumbKey) -> None:
        task.signals.succeeded.connect(lambda out: self._on_done(key, *out))
        task.signals.failed.connect(lambda message: self._on_done(key, None, message or NO_THUMBNAIL, None))

    def _on_done(self, key: ThumbKey, image: QImage | None, error: str, stamp: Stamp) -> None:
        self._running.discard(key)
        self._kept.discard(key)
        if key in self._outdated:  # made of the file as it was before a change: the next paint asks again
            self._outdated.discard(key)
        elif image is None:
            self._failed[key.path] = (error, stamp)  # "" and no stamp: the file was gone
        else:
            old = self._pixmaps.pop(key, None)
            self._bytes -= _pixmap_bytes(old) if old is not None else 0
            pix = self._pixmaps[key] = QPixmap.fromImage(image)
            self._stamps[key] = stamp
            self._bytes += _pixmap_bytes(pix)
            cap = self.kept_bytes()
            while len(self._pixmaps) > 1 and (len(self._pixmaps) > self.memory_items or self._bytes > cap):
                evicted, pixmap = self._pixmaps.popitem(last=False)
                self._stamps.pop(evicted, None)
                self._bytes -= _pixmap_bytes(pixmap)
        self.ready.emit(key.path)
        self._dispatch()
        if not self._queue and not self._running:
            trim()  # a screen's decodes are done: hand their freed buffers back (gui/memory.py)


def _pixmap_bytes(pix: QPixmap) -> int:
    return pix.width() * pix.height() * max(1, pix.depth() // 8)
