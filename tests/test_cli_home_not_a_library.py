"""A home (``--home``, ``MOTIS_HOME``) that is a folder of someone's files and no library (``--home ~``, Documents):
every command refuses it in one line and writes nothing into it (QA: the library's files spilled into it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import run_cli, run_cli_process

from motis_desktop.core.services import Services


def _documents(tmp_path: Path) -> tuple[Path, set[str]]:
    documents = tmp_path / "Documents"
    (documents / "taxes").mkdir(parents=True)
    (documents / "letter.txt").write_text("Dear …")
    return documents, {"taxes", "letter.txt"}


@pytest.mark.parametrize("command", [["status"], ["index", "--no-text"], ["config", "text", "off"], ["models"]])
def test_a_folder_of_other_files_is_refused_and_left_as_it_was(tmp_path: Path, command: list[str]) -> None:
    documents, before = _documents(tmp_path)
    proc = run_cli("--home", str(documents), *command, check=False)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == (
        f"motis: error: {documents} holds other files and no MoTIS library: "
        "choose an empty folder or an existing library\n"
    )
    assert {p.name for p in documents.iterdir()} == before


def test_motis_home_that_holds_other_files_is_refused_too(tmp_path: Path) -> None:
    documents, before = _documents(tmp_path)
    proc = run_cli("status", home=documents, check=False)
    assert proc.returncode == 1 and "holds other files and no MoTIS library" in proc.stderr
    assert {p.name for p in documents.iterdir()} == before


def test_an_empty_folder_and_an_existing_library_are_homes(tmp_path: Path) -> None:
    """A guard: an empty folder starts a library; a library's home, with the files the app and its front ends make
    there, opens; so does a home holding a library beside files of the user's."""
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("--home", str(empty), "config", "text", "off").returncode == 0
    services = Services.open(empty)
    services.open_library()
    services.close()
    for name in ("gui.ini", "motis-desktop.log", "index.lock"):
        (empty / name).write_text("")
    assert "read text in photos: off" in run_cli("--home", str(empty), "config").stdout
    drive = tmp_path / "drive"  # a freshly formatted external drive, opened once in a file manager
    (drive / "lost+found").mkdir(parents=True)
    (drive / ".Trash-1000").mkdir()
    (drive / ".DS_Store").write_text("")
    assert run_cli("--home", str(drive), "config", "text", "off").returncode == 0
    assert (drive / "config.json").exists()
    (empty / "notes.txt").write_text("the user's own")  # the library is there: still its home
    assert run_cli("--home", str(empty), "status").returncode == 0


def test_the_motis_command_refuses_it_before_looking_for_a_query_service(tmp_path: Path) -> None:
    """``motis search`` looks for a running query service of the home first (cli/entry.py): that look printed a
    traceback for a folder of other files."""
    documents, before = _documents(tmp_path)
    proc = run_cli_process("--home", str(documents), "search", "red", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.endswith(
        "holds other files and no MoTIS library: choose an empty folder or an existing library\n"
    )
    assert {p.name for p in documents.iterdir()} == before
