"""The fourth QA walk of the command line: a mistyped home, and rough edges of the output and exit codes."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from helpers.cli import SettingsPipe, ctrl_c_armed, import_colour_model, motis_process, run_cli
from helpers.photos import make_broken_files
from helpers.watching import write_photos
from test_models_rough_edges import read_only  # noqa: F401  (the fixture)

# 1. A mistyped --home or MOTIS_HOME -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["status"], ["search", "red"], ["folders"], ["folders", "list"], ["models"], ["config"], ["serve"]],
)
def test_a_command_that_only_reads_names_a_missing_home_and_makes_nothing(tmp_path: Path, command: list[str]) -> None:
    """QA: ``motis --home /nonexistent/deep/dir status`` said "photos: 0 files" and made a library there."""
    typo = tmp_path / "nonexistent" / "deep" / "dir"
    proc = run_cli("--home", str(typo), *command, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"motis: error: no library at {typo} (check --home or MOTIS_HOME)\n"
    assert not (tmp_path / "nonexistent").exists()


def test_a_missing_motis_home_is_named_too(tmp_path: Path) -> None:
    proc = run_cli("search", "red", home=tmp_path / "typo", check=False)
    assert (proc.returncode, proc.stderr) == (
        1,
        f"motis: error: no library at {tmp_path / 'typo'} (check --home or MOTIS_HOME)\n",
    )
    assert not (tmp_path / "typo").exists()


def test_commands_that_add_to_a_library_start_one_in_a_new_home(tmp_path: Path, colour_pair) -> None:
    home = tmp_path / "new" / "home"
    import_colour_model(colour_pair, home, "colour")  # 'models import' starts the home
    write_photos(tmp_path / "photos", "red", 2)
    assert "encoded 2" in run_cli("index", "--no-text", str(tmp_path / "photos"), home=home).stdout
    other = tmp_path / "other"
    run_cli("--home", str(other), "config", "text", "off")  # changing a setting keeps it there
    assert "read text in photos: off" in run_cli("--home", str(other), "config").stdout


def test_the_default_home_of_a_first_start_is_friendly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No --home, no MOTIS_HOME: the platform's data folder cannot be mistyped; a first ``motis status`` says what
    to do first (rc 0), as the window's first start does."""
    monkeypatch.delenv("MOTIS_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    proc = run_cli("status")
    assert "folders: none yet (motis index FOLDER)" in proc.stdout
    assert "model:   none installed (motis models download NAME" in proc.stdout


# 2. A folder that goes away while it is indexed --------------------------------------------------------------------


def _moved_away_at_first_read(monkeypatch: pytest.MonkeyPatch, folder: Path, away: Path) -> None:
    """The folder is moved away as the first photo is read (decoding in this process: ``MOTIS_DECODE_ISOLATION=0``),
    as the QA engineer's ``mv`` 4 s into the run."""
    from motis_desktop.core.library import file_decoder

    real = file_decoder.read_image_bytes

    def read(path: str) -> bytes:
        if folder.exists():
            folder.rename(away)
        return real(path)

    monkeypatch.setenv("MOTIS_DECODE_ISOLATION", "0")
    monkeypatch.setattr(file_decoder, "read_image_bytes", read)


def test_a_folder_moved_away_during_index_is_one_line_and_indexed_when_back(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: ``motis index --no-text FOLDER`` with the folder moved away mid-run printed 1,500 lines "skipped …: gone
    before it could be read: file vanished before it could be read"."""
    folder, away = tmp_path / "vanish", tmp_path / "moved"
    write_photos(folder / "sub", "red", 5)
    write_photos(folder, "blue", 2)
    with monkeypatch.context() as patched:
        _moved_away_at_first_read(patched, folder, away)
        out = run_cli("index", "--no-text", str(folder)).stdout
    assert f"  {folder} went away during indexing: 7 photos not read yet; they are read when it is back\n" in out
    assert "could not be read" not in out and "  skipped " not in out and "vanished" not in out, out
    away.rename(folder)
    again = json.loads(run_cli("index", "--no-text", "--json", str(folder)).stdout)
    assert (again["encoded"], again["skipped"], again["went_away"]) == (7, [], [])
    assert run_cli("status", "--json").stdout.count('"indexed": 7') == 1


# 3a. A file name with a newline --------------------------------------------------------------------------------------


def test_a_path_with_control_characters_is_one_escaped_line(colour_home: Path, tmp_path: Path) -> None:
    """QA: ``motis search name:newline --all`` printed a name holding a newline as is: two lines for one photo."""
    photos = tmp_path / "photos"
    (red,) = write_photos(photos, "red", 1)
    odd = red.rename(photos / "new\nline\x1b[31m.jpg")
    run_cli("index", "--no-text", str(photos))
    lines = run_cli("search", "red", "--all").stdout.splitlines()
    assert len(lines) == 1 and lines[0].endswith(f"{photos}/new\\nline\\x1b[31m.jpg"), lines
    assert run_cli("folders").stdout.count("\n") == 1
    assert [h["path"] for h in json.loads(run_cli("search", "red", "--all", "--json").stdout)] == [str(odd)]


# 3b, 3c. Interrupted: 130, and --json still says what was done ----------------------------------------------------


def test_ctrl_c_during_index_json_prints_the_summary_with_cancelled_true(colour_home: Path, tmp_path: Path) -> None:
    """QA: Ctrl+C during ``motis index --json`` printed nothing on stdout. The signal comes while the command reads
    its settings (a named pipe in place of ``config.json``, fed after the signal), so it cannot have indexed yet."""
    write_photos(tmp_path / "photos", "red", 2)
    pipe = SettingsPipe(colour_home, tmp_path)
    indexing = motis_process("index", "--json", str(tmp_path / "photos"), home=colour_home, armed=ctrl_c_armed())
    with indexing as proc:
        pipe.writer.start()
        pipe.writer.join(timeout=120)  # the command opened config.json: it is reading the settings
        assert pipe.opened, "motis index never read its settings"
        proc.send_signal(signal.SIGINT)
        pipe.feed()
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    summary = json.loads(out)
    assert (summary["cancelled"], summary["encoded"]) == (True, 0)
    assert "nothing was indexed yet" in err


def test_watch_stopped_by_ctrl_c_exits_130_as_the_readme_says(colour_home: Path, tmp_path: Path) -> None:
    """QA: ``motis watch`` exited 0 on Ctrl+C or SIGTERM while ``serve`` and ``index`` exit 130 (README: 130
    interrupted). SIGTERM: stopped as Ctrl+C (``stop_on_terminate``)."""
    write_photos(tmp_path / "photos", "red", 1)
    run_cli("index", "--no-text", str(tmp_path / "photos"))
    with motis_process("watch", "--json", home=colour_home) as proc:  # its first pass, quiet in plain words
        line = proc.stdout.readline()
        while line and '"type": "run"' not in line:
            line = proc.stdout.readline()
        assert '"encoded": 0,' in line, line
        proc.terminate()
        _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "stopped watching; what was indexed so far is kept" in err


# 3d. Links not followed are no files --------------------------------------------------------------------------------


def test_files_elsewhere_that_earlier_runs_could_not_read_are_counted_apart_from_links(
    colour_home: Path, tmp_path: Path
) -> None:
    """QA: "5 more files … could not be read by earlier runs" counted 2 links that were only not followed."""
    broken = tmp_path / "broken"
    make_broken_files(broken)  # 4 files that cannot be read
    (broken / "dangling.jpg").symlink_to(tmp_path / "nowhere.jpg")
    (broken / "loop.jpg").symlink_to(broken / "loop.jpg")
    write_photos(tmp_path / "good", "blue", 1)
    run_cli("index", "--no-text", str(broken), str(tmp_path / "good"))
    out = run_cli("index", "--no-text", str(tmp_path / "good")).stdout
    assert "  4 more files elsewhere in the library could not be read by earlier runs\n" in out
    assert "  2 more items elsewhere were left out by the scan (broken links, link loops)" in out


# 3e. The read-only library, its path said once --------------------------------------------------------------------


def test_the_read_only_library_is_named_once(colour_home: Path, tmp_path: Path, read_only) -> None:  # noqa: F811
    """QA: "/x/library.sqlite3: the library is read-only here (/x/library.sqlite3 is not writable by this user
    (read-only file system))"."""
    write_photos(tmp_path / "photos", "red", 1)
    run_cli("index", "--no-text", str(tmp_path / "photos"))
    view = read_only(colour_home)
    proc = run_cli("folders", "remove", str(tmp_path / "photos"), home=view, check=False)
    assert proc.returncode == 1
    db = view / "library.sqlite3"
    assert proc.stderr.startswith(f"motis: error: {db}: the library is read-only here"), proc.stderr
    assert proc.stderr.count(str(db)) == 1, proc.stderr
