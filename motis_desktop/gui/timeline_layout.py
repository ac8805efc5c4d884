"""The timeline's lay-out as one job on plain data (no Qt), so that a large one runs off the GUI thread.

At 1M photos the day keys, the groups and the justified rows took 1.4-2.2 s; on the GUI thread that froze the
window when the gallery came, on every hand-over of photo sizes, resize and zoom. The view (gui/timeline.py) runs
:func:`lay_out` on the task runner's ``LAYOUT`` lane for a large gallery and swaps the result in whole, or runs it
in place for a few rows. A job reads the view's rows list, which is never changed in place (a new gallery is a new
list), and a copy of its aspect ratios.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from motis_desktop.core.gc_pause import gc_paused
from motis_desktop.gui.gallery_order import Stop, Stopped
from motis_desktop.gui.gallery_rows import GalleryRows, Row, broken_of, folders_of, taken_of
from motis_desktop.gui.gallery_rows import aspects_of as rows_aspects
from motis_desktop.gui.justified import Layout, Spacing, justify
from motis_desktop.gui.local_files import readable
from motis_desktop.gui.timeline_groups import UNREADABLE_KEY, HeaderKind, day_keys, group_keys, unreadable_label

GUESSED_ASPECT = 1.5  # until a photo's size is known
DAYS_PER_STEP = 100_000  # rows whose day keys are read between two checks that the lay-out is still wanted


@dataclass(frozen=True)
class LayoutKey:
    """What a lay-out of given rows depends on besides their aspect ratios."""

    width: int
    target: int
    kind: HeaderKind
    spacing: Spacing
    scrubber: bool = False  # the width leaves room for the date scrubber


@dataclass(frozen=True)
class LayoutJob:
    """The rows to lay out and what is known of them: ``days``/``aspects`` None are derived from the rows (one
    Python pass over every row each: that is what a new gallery costs), then the ``sizes`` handed on since
    (``{path: aspect}``, at 1M photos 100k at a time: their look-ups are the job's, not the GUI thread's) written
    over them in order, placed by ``row_of``."""

    rows: Sequence[Row]
    key: LayoutKey
    days: list[str] | None = None
    aspects: np.ndarray | None = None  # the view's: not changed (the job writes the sizes into a copy)
    sizes: tuple[Mapping[str, float], ...] = ()
    row_of: Callable[[str], int | None] = lambda _path: None
    sizes_upto: int = 0  # how many hand-overs the view had had in all: its count once it takes this result
    generation: int = 0  # the view's count of requests: only the latest one's result is shown


@dataclass(frozen=True)
class LaidOut:
    """A job's result: the rows it was for, their day keys and aspects, and their lay-out."""

    rows: Sequence[Row]
    key: LayoutKey
    days: list[str]
    aspects: np.ndarray
    layout: Layout = field(repr=False)
    sizes_upto: int = 0
    generation: int = 0


def aspects_of(job: LayoutJob) -> np.ndarray:
    """Each row's aspect ratio (guessed 3:2 where not known), with the sizes handed on since written over."""
    rows, n = job.rows, len(job.rows)
    aspects = rows_aspects(rows, GUESSED_ASPECT) if job.aspects is None else job.aspects.copy()
    for sizes in job.sizes:
        if isinstance(rows, GalleryRows):  # its columns' look-up of them all at once
            places = rows.rows_of(list(sizes))
            known = (places >= 0) & (places < n)
            values = np.fromiter(sizes.values(), dtype=np.float64, count=len(sizes))
            aspects[places[known]] = values[known]
            continue
        if len(sizes) < n:
            found = [(i, a) for path, a in sizes.items() if (i := job.row_of(path)) is not None and i < n]
        else:  # a few results on show when a gallery's hand-over comes: look their paths up instead
            found = [(i, a) for i, r in enumerate(rows) if (a := sizes.get(r.path)) is not None]
        if found:
            aspects[np.array([i for i, _a in found])] = np.array([a for _i, a in found], dtype=np.float64)
    return aspects


def _days(rows: Sequence[Row], step: Callable[[], None]) -> list[str]:
    """Each row's day key, ``DAYS_PER_STEP`` rows at a time with ``step()`` between (0.44 s at 1M in one go)."""
    days: list[str] = []
    taken = taken_of(rows)
    for start in range(0, len(rows), DAYS_PER_STEP):
        days += day_keys([None if t != t else t for t in taken[start : start + DAYS_PER_STEP].tolist()])  # NaN
        step()
    return days


def _broken_at_end(rows: Sequence[Row], kind: HeaderKind) -> int:
    """How many files that never decoded end the rows (a gallery sorts them last, ``library_model``): 0 for rows
    under no header (results), or where such files are not all at the end."""
    if kind is HeaderKind.NONE:
        return 0
    broken = broken_of(rows)
    n = int(np.count_nonzero(broken))
    return n if n and bool(broken[len(rows) - n :].all()) else 0


def lay_out(job: LayoutJob, stop: Stop = lambda: False) -> LaidOut:
    """The day keys, groups and justified rows of ``job.rows`` for ``job.key``. ``stop()`` True between two steps:
    give up (:class:`Stopped`): at 1M photos a step is ≤ ~0.1 s, not the whole 1.4-2.2 s that a quit or a newer
    lay-out waited for."""
    rows, key = job.rows, job.key

    def step() -> None:
        if stop():
            raise Stopped

    with gc_paused(keep=True):  # lists of every photo's place: frozen once built, no collection walks them
        days = job.days if job.days is not None else _days(rows, step)
        aspects = aspects_of(job) if job.aspects is None or job.sizes else job.aspects
        step()
        folders = folders_of(rows) if key.kind is HeaderKind.FOLDER else [""] * len(rows)
        photos = len(rows) - (broken := _broken_at_end(rows, key.kind))
        keys, labels = group_keys(key.kind, days[:photos], folders[:photos])
        labels = {k: readable(label) for k, label in labels.items()}  # folder names not in UTF-8
        shapes = aspects
        if broken:  # their own group at the end, square tiles (they have no shape), outside every date and folder
            keys += [UNREADABLE_KEY] * broken
            labels[UNREADABLE_KEY] = unreadable_label(broken)
            shapes = np.concatenate((aspects[:photos], np.ones(broken)))
        step()
        layout = justify(shapes, keys, labels, key.width, key.target, key.spacing, step)
    return LaidOut(rows, key, days, aspects, layout, job.sizes_upto, job.generation)
