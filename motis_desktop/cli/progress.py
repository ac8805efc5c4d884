"""A one-line terminal progress bar with rate and ETA (stderr, only on a TTY)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from motis_desktop.core.formatting import count, format_duration, locate_words
from motis_desktop.core.models.staging import InstallStep
from motis_desktop.core.services import InstallProgress, Progress, ProgressPhase


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, min_interval_s: float = 0.1) -> None:
        self.stream = stream or sys.stderr  # looked up now: a caller may have redirected it (tests run in-process)
        self.enabled = self.stream.isatty()
        self.min_interval_s = min_interval_s
        self._last = 0.0
        self._shown = False
        self.latest: Progress | None = None  # what the core reported last (shown or not)
        self._said_before = False

    def __call__(self, p: Progress) -> None:
        self.latest = p
        if p.phase is ProgressPhase.ENCODE and p.indexed_before and not self._said_before:
            # A resumed run's bar counts the photos left: say first how many were done before (on any stream).
            self._said_before = True
            self.close()
            self.stream.write(f"{count(p.indexed_before, 'photo')} already indexed, {p.total} left to index\n")
            self.stream.flush()
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.min_interval_s and p.done < p.total:
            return
        self._last = now
        if p.phase is ProgressPhase.SCAN:
            line = f"scanning folders {p.done}/{p.total}"
        elif p.phase is ProgressPhase.CHECK:  # hashing files whose time alone changed (core/library/retimed.py)
            line = (
                f"checking {count(p.total, 'changed file')}… {100 * p.done // max(p.total, 1)} % "
                f"{p.rate:.0f} files/s ETA {format_duration(p.eta_s)}"
            )
        elif p.phase is ProgressPhase.LOCATE:  # a located folder's photos whose time changed (folder_locate.py)
            line = f"{locate_words(p.done, p.total)} {p.rate:.0f} photos/s ETA {format_duration(p.eta_s)}"
        elif p.phase is ProgressPhase.TEXT:
            line = f"reading text in photos {p.done}/{p.total} {p.rate:.1f} photos/s ETA {format_duration(p.eta_s)}"
        else:
            width = 30
            filled = int(width * p.done / max(p.total, 1))
            line = (
                f"[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} "
                f"{p.rate:.1f} photos/s ETA {format_duration(p.eta_s)} skipped {p.skipped}"
            )
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._shown = True

    def simple(self, line: str, force: bool = False) -> None:
        """Show a free-form status line (throttled like the bar, unless ``force``: a line that must not be skipped)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.min_interval_s and not force:
            return
        self._last = now
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


class ByteProgress:
    """Download progress of a model install: file, bytes, rate and ETA on one line."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.bar = ProgressBar(stream)

    def __call__(self, p: InstallProgress) -> None:
        if p.step is InstallStep.CONVERT:  # every file is here: the conversion reports no progress
            self.bar.simple(f"converting {p.model} for this computer (this takes a while)…", force=True)
            return
        d = p.download
        if d.note:  # resumed, reused or fetched again: a line of its own
            self.bar.close()
            print(f"{p.role}: {d.note}", file=self.bar.stream, flush=True)
            return
        size = f"{d.done / 1e6:.1f}/{d.total / 1e6:.1f} MB" if d.total else f"{d.done / 1e6:.1f} MB"
        self.bar.simple(
            f"downloading {p.role} ({p.file_index + 1}/{p.file_count}): {size} at {d.rate / 1e6:.1f} MB/s "
            f"ETA {format_duration(d.eta_s)}"
        )

    def close(self) -> None:
        self.bar.close()
