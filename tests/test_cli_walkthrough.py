"""What a new user met on a fresh clone: dash words in queries, Ctrl-C while indexing, ``| head``, bare
``folders``/``config``/``models``, usage errors of ``models import``, file names that are not UTF-8."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.photos import COLOURS, make_colour_folder, write_colour_photo

from motis_desktop.cli.main import main
from motis_desktop.cli.streams import HELPER_PIPE
from motis_desktop.core.services import ProgressPhase, Services

NOT_UTF8 = b"caf\xe9-red.png"


def _motis(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors and --help
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def colours(home: Path, indexed_libraries) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """This test's home: the colour model and an indexed folder of 5 photos of each colour."""
    return indexed_libraries.copy_into(home, "walkthrough", lambda folder: make_colour_folder(folder, per_colour=5))


# 1. Query words that start with '-' -------------------------------------------------------------


def test_dash_words_after_search_are_query_words(capsys, colours: dict[str, str]) -> None:
    code, quoted, err = _motis(capsys, "search", "red -blue", "-k", "4", "--json")
    assert code == 0, err
    for argv in (["search", "red", "-blue", "-k", "4", "--json"], ["search", "-k", "4", "red", "-blue", "--json"]):
        code, out, err = _motis(capsys, *argv)
        assert code == 0, err
        assert json.loads(out) == json.loads(quoted)
    hits = json.loads(quoted)
    assert len(hits) == 4 and all(colours[h["path"]] == "red" for h in hits)  # -k still works


@pytest.mark.parametrize("argv", [["-red"], ["-hat"], ["-kids"], ["--", "-red"], ["red", "--", "-blue"]])
def test_query_of_dash_words_is_not_a_usage_error(capsys, colours: dict[str, str], argv: list[str]) -> None:
    code, _, err = _motis(capsys, "search", "--all", *argv)
    assert code == 0, err
    assert "unrecognized" not in err and "usage" not in err


def test_unknown_long_option_of_search_is_still_refused(capsys) -> None:
    code, _, err = _motis(capsys, "search", "red", "--bogus")
    assert code == 2
    assert "unrecognized arguments: --bogus" in err


# 2. Ctrl-C while indexing -----------------------------------------------------------------------


@pytest.mark.parametrize("phase", [ProgressPhase.ENCODE, ProgressPhase.SCAN])
def test_ctrl_c_while_indexing_says_what_is_kept(
    capsys, monkeypatch: pytest.MonkeyPatch, home: Path, colour_pair, tmp_path: Path, phase: ProgressPhase
) -> None:
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.close()
    make_colour_folder(tmp_path / "photos", per_colour=5)  # 30 photos
    real_index = Services.index

    def index_until_ctrl_c(self, model=None, progress=None, **options):  # type: ignore[no-untyped-def]
        def ctrl_c(p):  # type: ignore[no-untyped-def]
            progress(p)
            if p.phase is phase and (phase is ProgressPhase.SCAN or p.done >= 8):
                raise KeyboardInterrupt  # what Ctrl-C raises in the main thread, here after a committed batch

        return real_index(self, model, ctrl_c, **options)

    monkeypatch.setattr(Services, "index", index_until_ctrl_c)
    code, _, err = _motis(capsys, "index", str(tmp_path / "photos"), "--batch-size", "4")
    monkeypatch.setattr(Services, "index", real_index)
    assert code == 130
    line = _one_line(err)
    indexed = json.loads(_motis(capsys, "status", "--json")[1])["indexed"]
    if phase is ProgressPhase.ENCODE:
        assert line == (
            f"motis: interrupted: {indexed} of 30 photos indexed so far are kept; run 'motis index' again to continue"
        )
        assert 8 <= indexed < 30
    else:
        assert line == "motis: interrupted: nothing was indexed yet; run 'motis index' again to continue"
    code, out, err = _motis(capsys, "index", "--json")
    assert code == 0, err
    assert json.loads(out)["encoded"] == 30 - indexed


# 3. A reader that goes away (| head) ------------------------------------------------------------


class _ClosedPipe(io.TextIOBase):
    """A stdout whose reader has gone: every write fails as a closed pipe's does."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize("argv", [["status"], ["models", "list"], ["--help"]])
def test_closed_stdout_ends_quietly(capsys, monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    code, _, err = _motis(capsys, *argv)
    assert code == 141
    assert err == ""


def test_a_broken_pipe_of_our_own_is_said_not_hidden_as_a_closed_stdout(colour_home: Path) -> None:
    """A decoder process that died broke a pipe of ours (``motis index`` as another user, 1 run in 10 under load):
    the command ended at once with 141 and said nothing, as if ``| head`` had gone. Only a stdout whose reader is
    gone is quiet; here stdout is read to its end."""
    program = (
        "import sys; from motis_desktop.cli import main as m; real = m.handlers\n"
        "def broken(*_a): raise BrokenPipeError(32, 'Broken pipe')\n"
        "m.handlers = lambda: {**real(), 'status': broken}\n"
        "sys.exit(m.main(['status']))"
    )
    env = dict(os.environ, MOTIS_HOME=str(colour_home), MOTIS_NO_SERVICE="1")
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc
    assert proc.stderr.strip().splitlines()[-1] == HELPER_PIPE, proc.stderr


def _odd_photos(folder: Path) -> bytes:
    """Red photos, one named with a byte that is not UTF-8; returns that one's path."""
    for i in range(12):
        write_colour_photo(folder / f"red_{i:02d}.png", COLOURS["red"], 64, 64, seed=i)
    odd = os.fsencode(folder) + b"/" + NOT_UTF8
    write_colour_photo(Path(os.fsdecode(odd)), COLOURS["red"], 64, 64, seed=99)
    return odd


@pytest.fixture
def odd_names(home: Path, indexed_libraries) -> tuple[Path, bytes]:  # type: ignore[no-untyped-def]
    """This test's home, indexed over :func:`_odd_photos`; (home, the odd photo's path)."""
    return home, indexed_libraries.copy_into(home, "odd-names", _odd_photos)


def _motis_process(home: Path, *args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, MOTIS_HOME=str(home), MOTIS_NO_SERVICE="1")
    return subprocess.run(
        [sys.executable, "-m", "motis_desktop.cli.entry", *args], stdout=stdout, stderr=subprocess.PIPE, env=env
    )


def test_search_into_a_closed_pipe_ends_quietly(odd_names: tuple[Path, bytes]) -> None:
    """``motis search red --all | head -1``: the reader is gone before the first line is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = _motis_process(odd_names[0], "search", "red", "--all", stdout=write_end)
    finally:
        os.close(write_end)
    assert proc.stderr == b""
    assert proc.returncode == 141


# 4. Bare folders, config, models ----------------------------------------------------------------


@pytest.mark.parametrize(("bare", "full"), [("folders", "list"), ("models", "list")])
def test_bare_list_commands_list(capsys, colours: dict[str, str], bare: str, full: str) -> None:
    code, out, err = _motis(capsys, bare)
    assert code == 0, err
    assert out.strip()
    assert (code, out, err) == _motis(capsys, bare, full)


def test_bare_config_shows_the_settings(capsys) -> None:
    code, out, err = _motis(capsys, "config")
    assert code == 0, err
    assert out.splitlines() == ["index strategy: auto", "read text in photos: off"]  # MOTIS_READ_TEXT=0 in tests


def test_help_says_what_the_bare_commands_do(capsys) -> None:
    _, out, _ = _motis(capsys, "--help")
    said = " ".join(out.split())
    assert "models list (the default), install and choose models" in said
    assert "config show the settings (the default) or change one" in said
    assert "folders list (the default), move or remove library folders" in said


# 5. Usage errors of models import ---------------------------------------------------------------


@pytest.mark.parametrize("given", [[], ["--image", "a.pt"], ["--text", "b.pt"]])
def test_models_import_without_files_is_a_usage_error(capsys, given: list[str]) -> None:
    code, _, err = _motis(capsys, "models", "import", "--name", "x", *given)
    assert code == 2
    assert "usage: motis models import" in err
    assert "give --image and --text" in err and "--checkpoint" in err


def test_models_import_of_a_folder_without_a_checkpoint(capsys, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")
    code, _, err = _motis(capsys, "models", "import", "--checkpoint", str(tmp_path), "--name", "x")
    assert code == 1
    line = _one_line(err)
    assert f"{tmp_path}: this folder holds no checkpoint" in line, line
    assert "open_clip_config.json" in line and "open_clip_model.safetensors" in line


# 6. File names that are not UTF-8 ---------------------------------------------------------------


def test_names_that_are_not_utf8_print_as_their_bytes(odd_names: tuple[Path, bytes]) -> None:
    home, odd = odd_names
    proc = _motis_process(home, "search", "red", "--all")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.endswith(b"  " + odd) for line in lines), proc.stdout  # pasteable into a shell, as ls prints it
    assert b"\\udc" not in proc.stdout


def test_a_batch_size_too_large_to_hold_is_a_usage_error(capsys, tmp_path: Path) -> None:
    """``--batch-size 100000`` was taken as given: a batch waits whole in memory (60 GB at 224 px)."""
    code, _, err = _motis(capsys, "index", str(tmp_path), "--batch-size", "100000", "--home", str(tmp_path / "h"))
    assert code == 2
    assert "--batch-size: must be at most 128, not 100000" in err
    code, out, _ = _motis(capsys, "index", "--help")
    assert code == 0 and "at most 128" in " ".join(out.split())


def test_one_photo_that_stands_out_is_said_in_the_singular(capsys, home: Path, colour_pair, tmp_path: Path) -> None:
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.close()
    for i, colour in enumerate(["red", "blue", "blue", "green", "green", "yellow", "yellow", "white"]):
        write_colour_photo(tmp_path / "p" / f"{i}_{colour}.jpg", COLOURS[colour], 64, 48, seed=i)
    assert _motis(capsys, "index", str(tmp_path / "p"), "--home", str(home))[0] == 0
    code, out, err = _motis(capsys, "search", "red", "--home", str(home))
    assert code == 0 and len(out.splitlines()) == 1, out
    assert "(1 stands out; 7 more below the cut-off" in err
