"""Rough edges of the command line a new user met after the first walkthrough: a search with nothing to search
(exit status 1, one line saying what to do), Ctrl-C in the first second of ``motis index``, ``motis models use``
of the active model."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import pytest
from helpers.cli import SettingsPipe, ctrl_c_armed, motis_process, run_cli
from helpers.models import install_colour
from helpers.photos import make_colour_folder
from helpers.serving import serving

from motis_desktop.cli import server
from motis_desktop.core.services import Services


def _one_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err and "internal error" not in err, err
    assert lines[0].startswith("motis: error: "), err
    return lines[0].removeprefix("motis: error: ")


# 1. A search with nothing to search -------------------------------------------------------------------------


def test_search_without_a_model_is_exit_1(home: Path) -> None:
    proc = run_cli("search", "red", home=home, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr).startswith("no model installed: download one with 'motis models download NAME'")


@pytest.mark.parametrize("json", [[], ["--json"]])
def test_search_of_a_library_without_folders_is_exit_1_and_says_add_one(colour_home: Path, json: list[str]) -> None:
    proc = run_cli("search", "red", *json, home=colour_home, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr) == (
        "no photos to search: the library has no folders yet: add one with 'motis index FOLDER'"
    )


def test_search_of_folders_not_indexed_yet_says_run_index(colour_home: Path, tmp_path: Path) -> None:
    make_colour_folder(tmp_path / "photos", per_colour=1)
    services = Services.open(colour_home)
    services.add_folders([str(tmp_path / "photos")])  # as the window's Add folder, before indexing has run
    services.close()
    proc = run_cli("search", "red", home=colour_home, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr) == "no photos to search: none found in the library's folders yet: run 'motis index'"


def test_search_with_a_model_that_indexed_nothing_says_run_index_with_it(
    home: Path, indexed_libraries, colour_pair
) -> None:
    indexed_libraries.copy_into(home, "cli-leftovers", lambda folder: make_colour_folder(folder, per_colour=2))
    services = Services.open(home)
    install_colour(services, colour_pair, name="other")  # installed, not active: it has indexed nothing
    services.close()
    assert run_cli("search", "red", "-k", "1", home=home).returncode == 0  # the active model's photos
    proc = run_cli("search", "sky", "--model", "other", home=home, check=False)  # in no file name
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr) == (
        "no photos to search: none of the library's 12 photos is indexed yet for model 'other': "
        "run 'motis index --model other'"
    )


def test_terms_that_cancel_out_are_exit_1_like_an_empty_query(colour_home: Path) -> None:
    proc = run_cli("search", "red - red", home=colour_home, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert _one_error(proc.stderr) == "the query's terms cancel out: nothing to search for (remove a '-' term)"


def test_the_query_service_answers_nothing_to_search_alike(colour_home: Path) -> None:
    services = Services.open(colour_home)
    try:
        with serving(services):
            reply = server.forward_search(services.home, ["red"])
    finally:
        services.close()
    assert reply is not None
    assert (reply[0], reply[1]) == (1, "")
    assert _one_error(reply[2]).startswith("no photos to search: the library has no folders yet")


def test_search_help_says_the_exit_status(colour_home: Path) -> None:
    said = " ".join(run_cli("search", "--help", home=colour_home).stdout.split())
    assert "exit status: 0 the search ran" in said
    assert "1 nothing to search (no model installed, no photo indexed yet" in said


# 2. Ctrl-C before the indexer starts ------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["importing", "reading the settings"])
def test_ctrl_c_before_the_indexer_starts_says_nothing_was_indexed_yet(
    colour_home: Path, tmp_path: Path, when: str
) -> None:
    """Ctrl-C while Python imports the program (signalled when numpy's import ends, ``-X importtime``), or while
    the command reads the settings: held then by a named pipe in place of ``config.json``, which this test feeds
    only after the signal, so the command cannot have reached its indexer when the signal came."""
    make_colour_folder(tmp_path / "photos", per_colour=2)
    pipe = SettingsPipe(colour_home, tmp_path)
    armed, python = ctrl_c_armed(), ("-X", "importtime")
    with motis_process("index", str(tmp_path / "photos"), home=colour_home, armed=armed, python=python) as proc:
        numpy_imported, ended = threading.Event(), threading.Event()
        said: list[str] = []

        def read_stderr() -> None:  # all of it, as it comes: a full pipe would block the command
            for line in proc.stderr:
                if line.startswith("import time:"):
                    if line.split("|")[-1].strip() == "numpy":
                        numpy_imported.set()
                else:
                    said.append(line)
            ended.set()  # the command ended: the waits below end, the asserts say why
            numpy_imported.set()
            pipe.release_writer()  # if it never opened config.json

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        if when == "importing":
            assert numpy_imported.wait(timeout=120)
            assert proc.poll() is None, "".join(said)
            proc.send_signal(signal.SIGINT)
        pipe.writer.start()
        pipe.writer.join(timeout=120)  # the command opened config.json: it is reading the settings
        assert pipe.opened and not ended.is_set(), "motis index ended before it read its settings:\n" + "".join(said)
        if when == "reading the settings":
            proc.send_signal(signal.SIGINT)
        pipe.feed()
        out = proc.stdout.read()
        code = proc.wait(timeout=120)
        reader.join(timeout=30)
    assert (code, out) == (130, ""), "".join(said)
    assert said == ["motis: interrupted: nothing was indexed yet; run 'motis index' again to continue\n"]
    assert run_cli("status", "--json", home=colour_home).stdout.count('"indexed": 0') == 1
    assert '"encoded": 12' in run_cli("index", "--no-text", "--json", home=colour_home).stdout


# 3. Choosing the model that is already active ---------------------------------------------------------------


def test_use_of_the_active_model_says_so_in_one_line(colour_home: Path) -> None:
    settings = colour_home / "config.json"
    before = settings.read_bytes(), settings.stat().st_mtime_ns
    proc = run_cli("models", "use", "colour", home=colour_home)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "colour is already the active model\n")
    assert (settings.read_bytes(), settings.stat().st_mtime_ns) == before
