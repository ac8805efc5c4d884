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


# The app run as its own program (``main()`` with the process's arguments), with a Ctrl+C (SIGINT to itself, as the
# terminal sends it) at one moment: while Qt and the window's modules are imported, while the window is built, while
# the library closes after the event loop, or in Python's own exit.
_CTRL_C_AT = """
import atexit, os, signal, sys, threading
moment = sys.argv.pop(1)
fired = []


def ctrl_c():
    if not fired and threading.current_thread() is threading.main_thread():
        fired.append(moment)
        os.kill(os.getpid(), signal.SIGINT)


class CtrlCOnImport:  # in the middle of importing the window's module (Qt's and the window's imports: seconds)
    def find_spec(self, name, path=None, target=None):
        if name == "motis_desktop.gui.main_window":
            ctrl_c()
        return None


if moment == "import":
    sys.meta_path.insert(0, CtrlCOnImport())
elif moment == "start":
    from motis_desktop.gui import main_window

    build = main_window.MainWindow.__init__

    def init(self, services):
        ctrl_c()
        build(self, services)

    main_window.MainWindow.__init__ = init
elif moment == "shutdown":
    from motis_desktop.core.services import Services

    close = Services.close

    def closing(self):
        ctrl_c()
        close(self)

    Services.close = closing
else:
    atexit.register(ctrl_c)  # the first registered runs last: after every exit handler of the app's
from motis_desktop.gui.app import main

sys.exit(main())
"""


@pytest.mark.parametrize("moment", ["import", "start", "shutdown", "exit"])
def test_ctrl_c_while_the_app_starts_or_ends_is_quiet(home: Path, tmp_path: Path, moment: str) -> None:
    """QA: Ctrl+C in the terminal while the window started, or while it shut down, printed a KeyboardInterrupt
    traceback (Ctrl+C while it ran already closed it with status 130). No traceback at any moment; status 130."""
    script = tmp_path / "ctrl_c.py"
    script.write_text(_CTRL_C_AT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MOTIS_HOME": str(home)}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    proc = subprocess.run(
        [sys.executable, str(script), moment, "--quit-after-show"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert proc.returncode == 130, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "KeyboardInterrupt" not in proc.stderr, proc.stderr
