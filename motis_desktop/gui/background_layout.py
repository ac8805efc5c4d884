"""A large gallery's whole justified layout, made on the window's ``LAYOUT`` lane while the timeline shows its first
screens: at start-up 100k photos are ~0.15 s of pure Python that would otherwise hold the GUI thread (and the first
search behind it). The layout is the same as :func:`justify` over all the photos; the first screens' part is that
function over their prefix, so only the last row of the cut (far below the screen) can change when the whole arrives.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from motis_desktop.gui.justified import Layout, Spacing, justify
from motis_desktop.gui.library_model import Row
from motis_desktop.gui.memory import trim
from motis_desktop.gui.tasks import Lane, TaskRunner

FIRST_SCREENS = 3_000  # photos laid out at once: many screens, whatever the zoom
# The rows, their day keys and aspects (as they were when asked), and the layout's key (width, zoom, headers).
Job = tuple[list[Row], list[str], list[float], tuple[object, ...]]


class BackgroundLayout:
    """One whole layout at a time; a newer layout (:meth:`cancel`, :meth:`start`) drops the one being made."""

    def __init__(self, runner: TaskRunner, on_done: Callable[[Job, Layout], None]) -> None:
        self._runner, self._on_done = runner, on_done
        self._pending: Job | None = None

    def cancel(self) -> None:
        self._pending = None

    def start(
        self, job: Job, keys: list[str], labels: dict[str, str], width: int, target: int, spacing: Spacing
    ) -> Layout:
        """Start the whole layout of ``job``'s photos; returns their first screens' layout (now)."""
        self._pending = job
        aspects = job[2]
        self._runner.call(
            Lane.LAYOUT, lambda: justify(aspects, keys, labels, width, target, spacing), partial(self._done, job)
        )
        return justify(aspects[:FIRST_SCREENS], keys[:FIRST_SCREENS], labels, width, target, spacing)

    def _done(self, job: Job, layout: Layout) -> None:
        if self._pending is job:
            self._pending = None
            self._on_done(job, layout)
        trim()  # the layout's temporary lists were freed in the LAYOUT lane's malloc arena (gui/memory.py)
