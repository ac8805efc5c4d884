"""``motis models use NEW`` as a new user met it: the plan's time came from a speed NEW never showed here (a
warm batch of the model alone, 209 photos/s where indexing with it ran 78/s), and Ctrl-C said only
"motis: interrupted" though the plan had promised that cancelling keeps what was done."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import threading
from pathlib import Path

import pytest
from helpers.cli import ctrl_c_armed, motis_process, run_cli
from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.core.models.switch import SPEED_MIN_PHOTOS
from motis_desktop.core.services import Services

PHOTOS = 240


@pytest.fixture
def two_models(home: Path, indexed_libraries, colour_pair) -> str:  # type: ignore[no-untyped-def]
    """An indexed library of PHOTOS photos (the colour model), and "other" installed, never run; its id."""
    indexed_libraries.copy_into(home, "switch", lambda folder: make_colour_folder(folder, per_colour=PHOTOS // 6))
    services = Services.open(home)
    try:
        return str(install_colour(services, colour_pair, name="other").model_id)
    finally:
        services.close()


def _speed(home: Path, model_id: str) -> float:
    return float(json.loads((home / "cache" / "speeds" / f"{model_id}.json").read_text())["photos_per_s"])


def test_the_plan_gives_no_time_for_a_model_that_never_ran_here(home: Path, two_models: str) -> None:
    proc = run_cli("models", "use", "other", home=home)
    assert proc.stderr.startswith(
        f"other covers 0 of {PHOTOS} photos: about {PHOTOS} photos to encode; the time shows once it starts"
    ), proc.stderr
    assert "photos/s" not in proc.stderr
    assert _speed(home, two_models) > 0  # its run was timed: the next plan has its own speed


def test_ctrl_c_during_a_switch_says_what_was_kept(home: Path, two_models: str) -> None:
    """A real SIGINT to a real ``motis models use other``, once its progress bar (stderr on a terminal) shows
    photos encoded; the line it ends with says how many the new model covers, and they are kept."""
    colour = Services.open(home)
    colour_id = colour.active_model().model_id
    colour.close()
    main, terminal = pty.openpty()
    switching = motis_process("models", "use", "other", home=home, armed=ctrl_c_armed(), stderr=terminal)
    with os.fdopen(main, "rb", 0), switching as proc:  # the terminal's end closed once the command is gone
        os.close(terminal)
        encoding, said = threading.Event(), []

        def read_terminal() -> None:  # all of it, as it comes: a full terminal buffer would block the command
            while True:
                try:
                    chunk = os.read(main, 4096).decode(errors="replace")
                except OSError:  # EIO: the command ended, its end of the terminal closed
                    break
                if not chunk:
                    break
                said.append(chunk)
                done = re.findall(rf"\] (\d+)/{PHOTOS} ", "".join(said))  # "[###....] 16/240 ..."
                if done and int(done[-1]) >= SPEED_MIN_PHOTOS:  # enough for the run's speed to be kept
                    encoding.set()
            encoding.set()

        reader = threading.Thread(target=read_terminal, daemon=True)
        reader.start()
        assert encoding.wait(timeout=300)
        assert proc.poll() is None, "".join(said)
        # Held still while the signal is sent, so it lands while photos remain to encode (a fast computer could
        # encode the rest between a plain SIGINT's send and its delivery); it is delivered on SIGCONT.
        os.kill(proc.pid, signal.SIGSTOP)
        proc.send_signal(signal.SIGINT)
        os.kill(proc.pid, signal.SIGCONT)
        out = proc.stdout.read()
        code = proc.wait(timeout=120)
        reader.join(timeout=30)
    lines = [line for line in re.split(r"[\r\n]+", "".join(said).replace("\x1b[K", "")) if line.strip()]
    assert (code, out) == (130, ""), "".join(said)
    m = re.fullmatch(
        rf"motis: interrupted: other covers (\d+) of {PHOTOS} photos so far \(kept\); "
        r"'motis models use other' continues; search still uses colour",
        lines[-1],
    )
    assert m, lines[-1]
    kept = int(m.group(1))
    assert 0 < kept < PHOTOS
    # kept indeed, and the next plan times the rest at the speed "other" showed here, not colour's
    own = _speed(home, two_models)
    assert own != _speed(home, colour_id)
    proc = run_cli("models", "use", "other", home=home)
    assert proc.stderr.startswith(
        f"other covers {kept} of {PHOTOS} photos: re-encoding {PHOTOS - kept} takes about "
    ), proc.stderr
    assert f"({own:.1f} photos/s, its speed when it last indexed here, × {PHOTOS - kept})" in proc.stderr
    assert proc.stdout == f"active model: other (encoded {PHOTOS - kept} photos)\n"
