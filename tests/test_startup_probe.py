"""The hidden start-up probe of ``motis-desktop`` (smoke tests and start-up benchmarks use it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
from helpers.models import install_colour

from motis_desktop.core.services import Services
from motis_desktop.gui.startup_probe import MARK_READY, MARK_RESULTS, MARK_SHOWN


def _run_gui(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOTIS_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "motis_desktop", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_quit_after_show_says_so_and_exits_cleanly(home: Path) -> None:
    proc = _run_gui(home, "--quit-after-show")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [MARK_SHOWN]


def test_probe_search_types_the_query_and_reports_the_results(home: Path, tmp_path: Path, colour_pair) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for name, bgr in {"red": (30, 30, 220), "blue": (220, 40, 30)}.items():
        for i in range(3):  # three photos, not three copies of one (a search counts a content once)
            image = np.full((48, 64, 3), bgr, np.uint8)
            image[0, 0] = i
            cv2.imwrite(str(photos / f"{name}-{i}.png"), image)
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    services.index()
    services.close()
    proc = _run_gui(home, "--probe-search", "red")
    assert proc.returncode == 0, proc.stderr
    shown, ready, results = proc.stdout.splitlines()
    assert (shown, ready) == (MARK_SHOWN, MARK_READY)
    count, top = results.removeprefix(f"{MARK_RESULTS} ").split(" top ")
    assert 1 <= int(count) <= 6  # the relevance cut-off may leave out the blue photos
    assert Path(top).name.startswith("red-")
