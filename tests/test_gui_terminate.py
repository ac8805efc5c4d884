"""``kill`` (SIGTERM) of the app while it indexes: it closes as File ▸ Quit does, its decoders and library closed,
and says nothing on the way out (it ended on the spot: Python's "leaked semaphore objects" warning, QA walk)."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.core.services import Services
from motis_desktop.gui.startup_probe import MARK_INDEXING


def test_kill_closes_the_app_while_it_indexes(home: Path, colour_pair, tmp_path: Path) -> None:
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
    while (line := lines.get(timeout=240)) and not line.startswith(MARK_INDEXING):  # the decoders are up
        pass
    app.send_signal(signal.SIGTERM)
    app.wait(timeout=120)
    reader.join(timeout=10)
    err = app.stderr.read() if app.stderr else ""
    assert app.returncode == 0, err
    assert "leaked" not in err and "Traceback" not in err, err
