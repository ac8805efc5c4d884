"""Edges of the command line from the last walkthrough: Ctrl-C in the first milliseconds of ``motis``, two
downloads of one model at once, a query that only subtracts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

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


def test_a_second_download_of_a_model_stops_while_the_first_runs(registry, home: Path, tiny_clip_bytes) -> None:
    """The app's Download button and `motis models download` (or two terminals) downloading one model at once wrote
    into the same .part file. The second now stops at once and says why; the first's part is left whole, and once
    the first is gone (killed here: the OS frees its lock), the next download goes ahead."""
    from helpers.cli import run_cli
    from helpers.models import HF_PATH

    from motis_desktop.core.errors import MotisError
    from motis_desktop.core.services import Services

    registry.behaviour.hold.add(HF_PATH)  # the first download stops after its first chunk, as on a slow line
    first = subprocess.Popen(
        [sys.executable, "-m", "motis_desktop.cli.entry", "models", "download", "tiny-clip"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "MOTIS_HOME": str(home)},
    )
    part = home / "cache" / "downloads" / "tiny-clip" / "checkpoint.bin.part"
    busy = "tiny-clip is already being downloaded by another MoTIS window or command"
    try:
        assert registry.behaviour.held.wait(timeout=120)  # under way: its first chunk sent
        requests, kept = len(registry.behaviour.requests), part.read_bytes()
        second = run_cli("models", "download", "tiny-clip", home=home, check=False)
        assert second.returncode == 1 and second.stderr.count("\n") == 1, second.stderr
        assert busy in second.stderr and "Traceback" not in second.stderr
        services = Services.open(home)  # the app's Download button
        try:
            with pytest.raises(MotisError, match=busy):
                services.download_model("tiny-clip")
        finally:
            services.close()
        assert len(registry.behaviour.requests) == requests and part.read_bytes() == kept  # fetched nothing
    finally:
        first.kill()
        first.wait()
    registry.behaviour.hold.discard(HF_PATH)
    registry.behaviour.release.set()
    assert "installed model 'tiny-clip'" in run_cli("models", "download", "tiny-clip", home=home).stdout
