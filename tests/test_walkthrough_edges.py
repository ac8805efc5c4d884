"""Edges of the command line from the last walkthrough: Ctrl-C in the first milliseconds of ``motis``, two
downloads of one model at once, a query that only subtracts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# What pip writes as the `motis` command ([project.scripts]): run as a file named motis, as installed.
_CONSOLE_SCRIPT = """import sys
from motis_desktop.cli.entry import main
if __name__ == '__main__':
    sys.argv[0] = sys.argv[0].removesuffix('.exe')
    sys.exit(main())
"""


def _ctrl_c_as_soon_as_motis_code_runs(script: Path, home: Path) -> tuple[int, str]:
    """Start ``motis status``, Ctrl-C it the moment its own first module has been imported (``-X importtime``
    reports each import as it ends); return the exit status and what it printed on stderr (the import report
    left out)."""
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", str(script), "status"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "MOTIS_HOME": str(home), "PYTHONPATH": str(REPO), "MOTIS_NO_SERVICE": "1"},
        # Ctrl-C as in a terminal: a suite run in the background has SIGINT ignored, which the child inherits
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    said: list[str] = []

    def read_stderr() -> None:  # all of it, as it comes: a full pipe would block the command
        assert proc.stderr is not None
        signalled = False
        for line in proc.stderr:
            if not line.startswith("import time:"):
                said.append(line)
            elif not signalled and line.split("|")[-1].strip() == "motis_desktop.cli":
                proc.send_signal(signal.SIGINT)
                signalled = True

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=120)
        reader.join(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, "".join(said)


def test_ctrl_c_in_the_first_milliseconds_ends_quietly(home: Path, tmp_path: Path) -> None:
    """A Ctrl-C while Python was still importing `motis`'s first modules (before its entry point ran) printed a
    KeyboardInterrupt traceback from the middle of an import."""
    script = tmp_path / "bin" / "motis"
    script.parent.mkdir()
    script.write_text(_CONSOLE_SCRIPT)
    for _ in range(5):
        code, err = _ctrl_c_as_soon_as_motis_code_runs(script, home)
        assert "Traceback" not in err, err
        assert (code, err) == (130, "motis: interrupted\n")
