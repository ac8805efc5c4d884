"""``kill`` (SIGTERM) of the app while it indexes: it closes as File ▸ Quit does, its decoders and library closed,
and says nothing on the way out (it ended on the spot: Python's "leaked semaphore objects" warning, QA walk)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.core.services import Services


def test_kill_closes_the_app_while_it_indexes(home: Path, colour_pair, tmp_path: Path) -> None:
    make_colour_folder(tmp_path / "photos", per_colour=30, big_every=3)  # a run that lasts a while
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(tmp_path / "photos")])
    services.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOTIS_HOME": str(home)}
    app = subprocess.Popen(
        [sys.executable, "-m", "motis_desktop"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    log = home / "motis-desktop.log"
    deadline = time.monotonic() + 240
    while not (log.is_file() and "indexing with" in log.read_text()):  # the decoder processes are up
        assert app.poll() is None and time.monotonic() < deadline, "the app ended or never began indexing"
        time.sleep(0.1)
    app.send_signal(signal.SIGTERM)
    out, err = app.communicate(timeout=120)
    assert app.returncode == 0, err
    assert "leaked" not in err and "Traceback" not in err, err
