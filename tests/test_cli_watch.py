"""`motis watch`: indexes at start, then each change as it happens, until Ctrl+C."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
from pathlib import Path

from helpers.cli import ctrl_c_armed, motis_process, run_cli
from helpers.models import install_colour
from helpers.photos import make_colour_folder
from helpers.watching import write_photos

from motis_desktop.core.services import Services

# `python -m motis_desktop.cli.main` (helpers.cli.ctrl_c_armed: a suite run in the background ignores SIGINT)
_CTRL_C_ARMED = ctrl_c_armed("motis_desktop.cli.main")


def _library_of_three(home: Path, colour_pair, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """The colour model installed in ``home`` and ``folder`` (3 blue photos) added to its library, not indexed."""
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(write_photos(folder, "blue", 3)[0].parent)])
    services.close()


def test_watch_indexes_changes_until_interrupted(home: Path, colour_pair, tmp_path: Path) -> None:
    _library_of_three(home, colour_pair, tmp_path / "lib")
    env = {"PYTHONFAULTHANDLER": "1"}
    with motis_process("watch", "--json", home=home, armed=_CTRL_C_ARMED, env=env) as proc:
        lines: queue.Queue[str] = queue.Queue()
        errors: list[str] = []  # read as it comes: a full stderr pipe would block the command
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
        reader = threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True)
        reader.start()
        events = [json.loads(lines.get(timeout=120))]
        while "encoded" not in events[-1]:  # folder status lines come first
            events.append(json.loads(lines.get(timeout=120)))
        # two shapes of line, each named by its "type" (QA: a reader had to guess from the keys)
        assert {"type": "folder_status", "folder": str(tmp_path / "lib"), "online": True} in events
        assert (events[-1]["type"], events[-1]["encoded"]) == ("run", 3)
        assert {event["type"] for event in events[:-1]} == {"folder_status"}
        # written beside the library and moved in at once: copied one by one, they were two runs ("encoded 1"
        # twice) whenever a loaded machine paused the copying for longer than the watcher's quiet second
        write_photos(tmp_path / "card", "red", 2)
        (tmp_path / "card").rename(tmp_path / "lib" / "card")
        second = json.loads(lines.get(timeout=120))
        assert (second["type"], second["encoded"], second["unchanged"]) == ("run", 2, 3)
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack: say where it hung
            proc.wait(timeout=30)
            reader.join(timeout=30)
            raise AssertionError("motis watch did not stop on Ctrl+C:\n" + "".join(errors)[-6000:]) from None
        assert code == 130, "".join(errors)  # interrupted (README)
        reader.join(timeout=30)
        assert "stopped watching; what was indexed so far is kept" in "".join(errors)  # it ended in silence


def test_watch_stopped_by_kill_closes_its_decoders_and_says_so(home: Path, colour_pair, tmp_path: Path) -> None:
    """``kill`` (SIGTERM: a service manager, ``timeout``, another terminal) ended ``motis watch`` on the spot: its
    decoder processes and library were never closed, and Python's resource tracker said "There appear to be 4
    leaked semaphore objects to clean up at shutdown". It now stops as on Ctrl+C, even in a background job
    (SIGINT ignored, as this suite's children inherit when the suite runs in the background)."""
    _library_of_three(home, colour_pair, tmp_path / "lib")
    with motis_process("watch", home=home) as proc:
        line = proc.stdout.readline()
        while line and not line[9:].startswith("encoded "):  # the first run's summary: its decoders are up
            line = proc.stdout.readline()
        assert line[9:].startswith("encoded 3,"), proc.stderr.read() if proc.poll() is not None else line
        proc.terminate()
        out, err = proc.communicate(timeout=120)  # to the end of stderr: the resource tracker writes after the exit
    assert proc.returncode == 130, err  # interrupted (README)
    assert "leaked" not in err
    assert err.endswith("motis: stopped watching; what was indexed so far is kept\n"), err


def test_watch_finishes_the_take_over_from_the_demo_and_says_it_once(home: Path, colour_pair, tmp_path: Path) -> None:
    """QA walk 6 (the lead's note): a model installed over the demo took over at the end of `motis index` and in the
    window, never in `motis watch`, whose runs encoded for the demo while the new model waited. Its first run now
    encodes for the new model, which takes over, said once (the next run says its photo only)."""
    photos = tmp_path / "photos"
    run_cli("models", "demo", home=home)
    colours = make_colour_folder(photos, per_colour=1)
    run_cli("index", "--no-text", str(photos), home=home)
    services = Services.open(home)
    install_colour(services, colour_pair, name="colour")  # as `motis models import … --name colour`
    assert services.takeover_model() == "colour"
    services.close()
    with motis_process("watch", home=home) as proc:
        lines: queue.Queue[str] = queue.Queue()  # each line without its time of day, folder status lines left out
        reader = threading.Thread(
            target=lambda: [lines.put(line[9:].rstrip("\n")) for line in proc.stdout if not line.endswith("online\n")]
        )
        reader.start()
        first = [lines.get(timeout=120), lines.get(timeout=120)]
        assert first[0].startswith(f"encoded {len(colours)}, unchanged 0 ("), first
        assert first[1] == "active model: colour (it took over from the demo model)"
        write_photos(photos, "red", 1)
        second = lines.get(timeout=120)
        assert second.startswith(f"encoded 1, unchanged {len(colours)} ("), second
        proc.terminate()
        assert proc.wait(timeout=120) == 130
        reader.join(timeout=30)
    assert lines.empty()  # nothing more: the take-over was said once
    listed = {m["name"]: m["active"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)}
    assert listed == {"colour-demo": False, "colour": True}


def _lines_of(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    """``proc``'s stdout, each line without its time of day, folder status lines left out, as they come."""
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line[9:].rstrip("\n")) for line in proc.stdout if not line.endswith("online\n")],
        daemon=True,
    ).start()
    return lines


def test_watch_says_once_that_it_waits_for_a_slow_copy(home: Path, colour_pair, tmp_path: Path) -> None:
    """It waited in silence for a photo being copied in: one line when the wait begins, nothing more while the copy
    goes on, then the run that indexes it."""
    _library_of_three(home, colour_pair, tmp_path / "lib")
    (staged,) = write_photos(tmp_path / "staged", "red", 1, size=(320, 240))
    data = staged.read_bytes()
    slow = tmp_path / "lib" / "IMG_1.jpg"
    with motis_process("watch", home=home) as proc:
        lines = _lines_of(proc)
        assert lines.get(timeout=120).startswith("encoded 3, unchanged 0 (")
        with slow.open("wb") as copying:
            copying.write(data[:100])
            copying.flush()
            assert lines.get(timeout=60) == f"waiting for {slow} to finish copying…"
            for start in range(100, len(data), 1000):  # the copy goes on
                copying.write(data[start : start + 1000])
                copying.flush()
        assert lines.get(timeout=60).startswith("encoded 1, unchanged 3 (")  # no line came between
        proc.terminate()
        assert proc.wait(timeout=120) == 130


def test_watch_indexes_with_a_model_made_active_meanwhile_and_says_so(home: Path, colour_pair, tmp_path: Path) -> None:
    """`motis models use other` from another terminal (or Settings in the window) while `motis watch` runs: its next
    run indexes with "other", says so once, and watching goes on."""
    _library_of_three(home, colour_pair, tmp_path / "lib")
    services = Services.open(home)
    install_colour(services, colour_pair, name="other")  # installed, not active
    services.close()
    with motis_process("watch", home=home) as proc:
        lines = _lines_of(proc)
        assert lines.get(timeout=120).startswith("encoded 3, unchanged 0 (")
        assert run_cli("models", "use", "other", home=home).stdout == "active model: other (encoded 3 photos)\n"
        write_photos(tmp_path / "lib", "red", 1)
        assert (
            lines.get(timeout=60)
            == "the active model is now other (it was colour); watching indexes with it from this run on"
        )
        assert lines.get(timeout=60).startswith("encoded 1, unchanged 3 (")
        write_photos(tmp_path / "lib", "green", 1)
        assert lines.get(timeout=60).startswith("encoded 1, unchanged 4 (")  # said once
        proc.terminate()
        assert proc.wait(timeout=120) == 130
    ids = {m["name"]: m["active"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)}
    assert ids == {"colour": False, "other": True}
