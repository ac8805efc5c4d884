"""The sixth QA walk: a folder removed while another process indexes it, ``motis index`` against a held index
lock, one plain layout for ``motis search``, smaller CLI roughnesses."""

from __future__ import annotations

import json
import os
import re
import signal
from pathlib import Path
from typing import Any

import pytest
from helpers.cli import motis_process, run_cli, run_cli_process
from helpers.watching import write_photos

from motis_desktop.core.library.locking import IndexLock
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.ocr.text_store import TextStore
from motis_desktop.core.services import Services

# 1. A folder removed while another process indexes it (finding 1) ------------------------------------------------


def _library_with(home: Path, photos: Path) -> None:
    services = Services.open(home)
    try:
        services.add_folders([str(photos)])
    finally:
        services.close()


def _remove_from_another_process(home: Path, photos: Path, when: list[str]) -> None:
    """Run ``motis folders remove PHOTOS`` in a subprocess now (``when`` records that it ran)."""
    proc = run_cli_process("folders", "remove", str(photos), home=home)
    when.append(proc.stdout)


def test_a_folder_removed_by_another_process_while_encoding_does_not_kill_the_run(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: "internal error: IntegrityError: FOREIGN KEY constraint failed" when ``motis folders remove`` ran in a
    terminal while ``motis index`` (or the window) encoded that folder: the batch in flight committed vectors for
    rows the other process had deleted. The removal wins and the run goes on."""
    photos = tmp_path / "Big"
    write_photos(photos, "red", 6)
    _library_with(colour_home, photos)
    removed: list[str] = []
    real_commit = LibraryStore.commit_batch

    def commit_after_a_removal(self: LibraryStore, *args: Any, **kwargs: Any) -> int:
        if not removed and args[1]:  # the first batch of vectors: the other process removes the folder first
            _remove_from_another_process(colour_home, photos, removed)
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(LibraryStore, "commit_batch", commit_after_a_removal)
    result = run_cli("index", "--no-text", home=colour_home, check=False)
    assert removed and "forgot" in removed[0]
    assert "internal error" not in result.stderr
    assert result.returncode == 0, result.stderr
    assert "encoded 0" in result.stdout  # the photos that left the library are not counted
    status = run_cli("status", "--json", home=colour_home).stdout
    assert '"files": 0' in status


def test_the_text_stage_stops_reading_photos_whose_folder_left_the_library(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: after Settings ▸ Remove from library during indexing the window went on "Reading text in photos" for the
    800 photos it had just forgotten. The stage drops them at its next batch."""
    photos = tmp_path / "Big"
    write_photos(photos, "blue", 20)
    _library_with(colour_home, photos)
    run_cli("index", "--no-text", home=colour_home)
    removed: list[str] = []
    real_save = TextStore.save

    def save_after_a_removal(self: TextStore, *args: Any, **kwargs: Any) -> int:
        if not removed:  # the first batch of 8 read: the other process removes the folder before it is saved
            _remove_from_another_process(colour_home, photos, removed)
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(TextStore, "save", save_after_a_removal)
    monkeypatch.setenv("MOTIS_READ_TEXT", "1")
    result = run_cli("index", home=colour_home, check=False)
    assert removed
    assert result.returncode == 0, result.stderr
    assert "internal error" not in result.stderr
    assert "read the text of 20 photos" not in result.stdout
    assert "read the text of 8 photos" in result.stdout  # the batch read before the removal; no more


# 2. motis index / watch against a held index lock, a mistyped folder (finding 6) ---------------------------------


def _folders(home: Path) -> list[str]:
    services = Services.open(home)
    try:
        return [f.path for f in services.folders()]
    finally:
        services.close()


def test_index_while_another_process_indexes_adds_nothing_and_says_so(colour_home: Path, tmp_path: Path) -> None:
    """QA: "another MoTIS process (pid N) is updating this library … try again", exit 1, yet the folder had been
    added (0 photos) and the other run did not index it."""
    photos = tmp_path / "Pictures"
    write_photos(photos, "red", 2)
    with IndexLock(colour_home / "index.lock"):  # what another process's run holds
        result = run_cli("index", str(photos), home=colour_home, check=False)
    assert result.returncode == 1
    assert "is updating this library; nothing was changed" in result.stderr
    assert "--wait" in result.stderr
    assert _folders(colour_home) == []


def test_a_mistyped_second_folder_adds_neither(colour_home: Path, tmp_path: Path) -> None:
    """QA: ``motis index good bad`` said "not a folder: bad", exit 1, yet had added the good one (not indexed)."""
    good = tmp_path / "roll1"
    write_photos(good, "red", 2)
    result = run_cli("index", str(good), str(tmp_path / "rol2"), home=colour_home, check=False)
    assert result.returncode == 1
    assert f"not a folder: {tmp_path / 'rol2'}" in result.stderr
    assert _folders(colour_home) == []


def _stderr_until(proc: Any, text: str) -> str:
    """Lines of ``proc``'s stderr up to the first holding ``text`` (the process's own words are the event)."""
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} never said; stderr: {''.join(seen)}")


def test_index_wait_waits_for_the_window_and_then_indexes(colour_home: Path, tmp_path: Path) -> None:
    """``motis index --wait FOLDER`` waits for the other run (saying once who holds the library: the window when it
    is) and then adds and indexes the folder."""
    photos = tmp_path / "Pictures"
    write_photos(photos, "red", 3)
    from motis_desktop.core.services import name_this_process

    name_this_process("the MoTIS window")  # this test process stands for the window that indexes
    try:
        lock = IndexLock(colour_home / "index.lock").__enter__()
    finally:
        name_this_process("")
    with motis_process("index", "--wait", "--no-text", str(photos), home=colour_home) as proc:
        try:
            said = _stderr_until(proc, "waiting for it to finish")
        finally:
            lock.__exit__(None, None, None)
        out, err = proc.communicate(timeout=300)
    assert f"the MoTIS window (pid {os.getpid()}) is updating this library; waiting" in said
    assert proc.returncode == 0, err
    assert "encoded 3" in out
    assert _folders(colour_home) == [str(photos)]


def test_watch_started_while_an_index_runs_waits_for_it(colour_home: Path, tmp_path: Path) -> None:
    """QA: ``motis watch`` started while ``motis index`` ran printed "watching …" and died "try again", exit 1."""
    photos = tmp_path / "Pictures"
    write_photos(photos, "red", 2)
    _library_with(colour_home, photos)
    lock = IndexLock(colour_home / "index.lock").__enter__()
    with motis_process("watch", "--json", home=colour_home) as proc:
        try:
            said = _stderr_until(proc, "watching starts when it has finished")
        finally:
            lock.__exit__(None, None, None)
        first = json.loads(proc.stdout.readline())
        while first["type"] != "run":  # folder status lines, then its first run, once the other process let go
            first = json.loads(proc.stdout.readline())
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    assert "is updating this library" in said
    assert first["type"] == "run" and first["encoded"] == 2
    assert proc.returncode == 130


# 3. One plain layout for motis search (finding 10) -----------------------------------------------------------------

_LINE = re.compile(r"^ *(\d\.\d{4}|-)  (\d{4}-\d{2}-\d{2}|-)  (/.+?)(  \[.+\])?$")


def test_search_prints_the_same_columns_for_every_kind_of_query(colour_home: Path, tmp_path: Path) -> None:
    """QA: "1.0000  DATE  PATH" for a look, "by text  DATE  PATH  [text: …]" for words, "DATE  PATH" for filters
    alone or a subtracted term: a script's third column was a date, a path or a word by the query's kind."""
    photos = tmp_path / "Pictures"
    write_photos(photos, "red", 2)
    write_photos(photos, "blue", 2)
    write_photos(photos, "green", 1)[0].rename(photos / "invoice_march.jpg")
    run_cli("index", "--no-text", str(photos), home=colour_home)
    kinds = {"look": ("red", "-k", "2"), "filters": ("folder:Pictures",), "subtracted": ("--all", "--", "-red")}
    kinds["name"] = ("invoice", "--all")
    for kind, query in kinds.items():
        lines = run_cli("search", *query, home=colour_home).stdout.splitlines()
        assert lines, kind
        for line in lines:
            match = _LINE.match(line)
            assert match, (kind, line)
            assert Path(match[3]).parent == photos, (kind, line)
    score = run_cli("search", "invoice", "--all", home=colour_home).stdout.splitlines()[0]
    assert score.startswith("      -  ") and score.endswith("  [name: invoice_march.jpg]")
    assert "SCORE  DATE  PATH  [EXTRAS]" in run_cli("search", "--help", home=colour_home).stdout


# 4. Smaller CLI roughnesses (finding 11) --------------------------------------------------------------------------


def test_an_unknown_option_of_search_shows_searchs_usage(colour_home: Path) -> None:
    """QA: ``motis search red --bogus`` printed ``usage: motis [-h] [--home HOME] …``, the top-level usage."""
    result = run_cli("search", "red", "--bogus", home=colour_home, check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: motis search ")
    assert "motis search: error: unrecognized arguments: --bogus" in result.stderr


@pytest.mark.parametrize(
    ("query", "said"),
    [("sort:size", "sort:size is not known"), ("after:2024 before:2023", "after: must be earlier than before:")],
)
def test_a_query_syntax_error_exits_2_as_usage(colour_home: Path, tmp_path: Path, query: str, said: str) -> None:
    """QA: query syntax errors exited 1, argparse's 2; README: "1 a problem you can fix, 2 usage"."""
    write_photos(tmp_path / "Pictures", "red", 1)
    run_cli("index", "--no-text", str(tmp_path / "Pictures"), home=colour_home)
    result = run_cli("search", query, home=colour_home, check=False)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"motis: error: {said}\n" or said in result.stderr


def test_the_privacy_warning_is_said_by_commands_that_write_not_by_every_search(
    colour_home: Path, tmp_path: Path
) -> None:
    """QA: a home made with mkdir (mode 0755) got "can be read by other users" on every command, 5 lines for 5
    searches. It is said where the library is written."""
    write_photos(tmp_path / "Pictures", "red", 1)
    colour_home.chmod(0o755)
    index = run_cli("index", "--no-text", str(tmp_path / "Pictures"), home=colour_home)
    assert "can be read by other users" in index.stderr
    for command in (("search", "red"), ("status",), ("folders",), ("models", "list")):
        assert "can be read by other users" not in run_cli(*command, home=colour_home).stderr, command


def test_index_with_nothing_to_do_prints_no_empty_line(colour_home: Path, tmp_path: Path, monkeypatch) -> None:
    """QA: ``motis index`` with nothing to do printed an empty line after "encoded 0, unchanged 1144 (0.3 s)"."""
    write_photos(tmp_path / "Pictures", "red", 2)
    monkeypatch.setenv("MOTIS_READ_TEXT", "1")  # the text stage runs (nothing to read): where the empty line came
    run_cli("index", str(tmp_path / "Pictures"), home=colour_home)
    out = run_cli("index", home=colour_home).stdout
    assert out.startswith("encoded 0, unchanged 2 (") and out.endswith(")\n") and "\n\n" not in out, repr(out)


def test_watch_says_nothing_for_a_first_pass_that_changed_nothing(
    colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA: ``motis watch``'s first pass printed "16:14:40 encoded 0, unchanged 344 (0.0 s)". Its first line now is
    the first change. The watch loop here delivers two real runs: the first pass over an indexed library, then the
    run after a photo was added (the order the real loop gives, without waiting for the watcher)."""
    photos = tmp_path / "Pictures"
    write_photos(photos, "red", 2)
    run_cli("index", "--no-text", str(photos), home=colour_home)

    def two_runs(self: Services, stop: Any, on_summary: Any, *args: Any, **options: Any) -> None:
        on_summary(self.index(read_text=False))  # the first pass: nothing changed
        write_photos(photos, "blue", 1)
        on_summary(self.index(read_text=False))

    monkeypatch.setattr(Services, "watch_and_index", two_runs)
    lines = run_cli("watch", home=colour_home).stdout.splitlines()
    assert len(lines) == 1 and "encoded 1, unchanged 2" in lines[0], lines
