"""A one-line terminal progress bar with rate and ETA (stderr, only on a TTY)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from motis_desktop.core.library.indexer import Progress


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class ProgressBar:
    def __init__(self, stream: TextIO = sys.stderr, min_interval_s: float = 0.1) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.min_interval_s = min_interval_s
        self._last = 0.0
        self._shown = False

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.min_interval_s and p.done < p.total:
            return
        self._last = now
        if p.phase == "scan":
            line = f"scanning folders {p.done}/{p.total}"
        else:
            width = 30
            filled = int(width * p.done / max(p.total, 1))
            line = (
                f"[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} "
                f"{p.rate:.1f} img/s ETA {format_duration(p.eta_s)} skipped {p.skipped}"
            )
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._shown = True

    def simple(self, line: str) -> None:
        """Show a free-form status line (throttled like the bar)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.min_interval_s:
            return
        self._last = now
        self.stream.write("\r\x1b[K" + line)
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


class ByteProgress(ProgressBar):
    """Download progress: bytes, rate and ETA."""

    def __call__(self, label: str, p: object) -> None:  # type: ignore[override]
        done, total = getattr(p, "done", 0), getattr(p, "total", None)
        size = f"{done / 1e6:.1f}/{total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        self.simple(
            f"downloading {label}: {size} at {getattr(p, 'rate', 0.0) / 1e6:.1f} MB/s "
            f"ETA {format_duration(getattr(p, 'eta_s', None))}"
        )
