"""Helpers for watched-folder tests: photo files and a recorder of indexing runs and folder status."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from motis_desktop.core.library.indexer import IndexSummary

RGB = {"red": (220, 30, 30), "green": (30, 180, 40), "blue": (30, 40, 220)}


def write_photos(folder: Path, colour: str, n: int, start: int = 0, size: tuple[int, int] = (96, 64)) -> list[Path]:
    """``n`` textured JPEGs of one colour named ``{colour}_{i}.jpg``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(start, start + n):
        rng = np.random.default_rng(i)
        img = np.clip(np.array(RGB[colour], np.float32) + rng.normal(0, 12, (size[1], size[0], 3)), 0, 255)
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_RGB2BGR))
        assert ok
        path = folder / f"{colour}_{i:04d}.jpg"
        path.write_bytes(buf.tobytes())
        out.append(path)
    return out


class Recorder:
    """Collects indexing summaries and (root, online) reports from the watcher's thread; tests wait on it."""

    def __init__(self) -> None:
        self.runs: list[IndexSummary] = []
        self.status: list[tuple[str, bool]] = []
        self._cond = threading.Condition()

    def run(self, summary: IndexSummary) -> None:
        with self._cond:
            self.runs.append(summary)
            self._cond.notify_all()

    def on_status(self, root: str, online: bool) -> None:
        with self._cond:
            self.status.append((root, online))
            self._cond.notify_all()

    def wait(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        with self._cond:
            if not self._cond.wait_for(condition, timeout):
                raise AssertionError(f"timed out after {timeout} s; runs: {[r.to_json() for r in self.runs]}")
