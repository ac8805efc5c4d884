"""``kill`` (SIGTERM) of the app, or Ctrl+C (SIGINT) in the terminal that started it, while it indexes: it closes as
File ▸ Quit does, its decoders and library closed, and says nothing on the way out (SIGTERM ended it on the spot:
Python's "leaked semaphore objects" warning; Ctrl+C printed a KeyboardInterrupt traceback and the window kept
running: QA walks). Ctrl+C exits 130, as ``motis`` does when interrupted."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.core.services import Services
from motis_desktop.gui.startup_probe import MARK_INDEXING


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 0), (signal.SIGINT, 130)], ids=["kill", "ctrl-c"])
def test_a_signal_closes_the_app_while_it_indexes(
    home: Path, colour_pair, tmp_path: Path, signum: int, status: int
) -> None:
    make_colour_folder(tmp_path / "photos", per_colour=30, big_every=3)  # a run that lasts a while
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(tmp_path / "photos")])
    services.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOTIS_HOME": str(home)}
    app = subprocess.Popen(
        [sys.executable, "-m", "motis_desktop", "--probe-indexing"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in app.stdout or ():
            lines.put(line)
        lines.put("")  # the app's output ended: stop waiting

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while (line := lines.get(timeout=240)) and not line.startswith(MARK_INDEXING):  # the decoders are up
            pass
        app.send_signal(signum)
        app.wait(timeout=120)
    finally:
        if app.poll() is None:  # it kept running: the test fails, the app does not outlive it
            app.kill()
            app.wait()
    reader.join(timeout=10)
    err = app.stderr.read() if app.stderr else ""
    assert app.returncode == status, err
    assert "leaked" not in err and "Traceback" not in err, err
