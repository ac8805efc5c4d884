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
        # the first may still be opening or writing its part (its chunk is sent, not necessarily on disk): the
        # second must fetch nothing and leave the part as long as the first made it
        requests, kept = len(registry.behaviour.requests), (part.stat().st_size if part.exists() else 0)
        second = run_cli("models", "download", "tiny-clip", home=home, check=False)
        assert second.returncode == 1 and second.stderr.count("\n") == 1, second.stderr
        assert busy in second.stderr and "Traceback" not in second.stderr
        services = Services.open(home)  # the app's Download button
        try:
            with pytest.raises(MotisError, match=busy):
                services.download_model("tiny-clip")
        finally:
            services.close()
        assert len(registry.behaviour.requests) == requests  # fetched nothing
        assert (part.stat().st_size if part.exists() else 0) >= kept  # nor cut the first's part short
    finally:
        first.kill()
        first.wait()
    registry.behaviour.hold.discard(HF_PATH)
    registry.behaviour.release.set()
    assert "installed model 'tiny-clip'" in run_cli("models", "download", "tiny-clip", home=home).stdout


@pytest.fixture
def colours(home: Path, indexed_libraries) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """This test's home: the colour model and an indexed folder of 5 photos of each of 6 colours."""
    from helpers.photos import make_colour_folder

    return indexed_libraries.copy_into(home, "only-subtracts", lambda folder: make_colour_folder(folder, per_colour=5))


@pytest.mark.parametrize("query", [["--", "-red"], ["- red"]])
def test_a_query_that_only_subtracts_shows_every_photo_but_those(colours: dict[str, str], query: list[str]) -> None:
    """`motis search -- -red` (or "-red" in the app's box) on a library where most photos are not red showed
    nothing: the relevance cut-off looked for photos standing out above the rest. Now: the photos that are not red,
    least red first, and the red ones counted below the cut-off."""
    import json

    from helpers.cli import run_cli

    from motis_desktop.core.services import Services

    red = {p for p, c in colours.items() if c == "red"}
    proc = run_cli("search", "--json", *query)
    hits = json.loads(proc.stdout)
    assert {h["path"] for h in hits} == set(colours) - red
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True)  # least red first
    said = run_cli("search", *query).stderr
    assert "25 photos unlike what the query subtracts; 5 more like it below the cut-off" in said, said
    services = Services.open()  # the app's search box
    try:
        result = services.query("-red")
        assert {h.path for h in result.hits} == set(colours) - red and result.more == 5
        both = services.query("-red -blue")  # the photos that are neither
        assert {colours[h.path] for h in both.hits} == {"green", "yellow", "white", "black"} and len(both.hits) == 20
        assert [colours[h.path] for h in services.query("red").hits] == ["red"] * 5  # the opposite, unchanged
    finally:
        services.close()
