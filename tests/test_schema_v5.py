"""Schema v5: a file's problem is stored as a kind (``files.problem``) beside its words, and a v4 library made
by the real indexer migrates to it, whole or not at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.photos import make_broken_files, make_colour_folder

from motis_desktop.core.errors import LibraryError
from motis_desktop.core.kinds import ImageProblem
from motis_desktop.core.library import schema
from motis_desktop.core.library.decode_pool import CRASHED as POOL_CRASHED
from motis_desktop.core.library.problems import CRASHED_WORDS, problem_from_words
from motis_desktop.core.services import Services

OLD_WORDS = "a reason in words from an older version"


def _indexed(home: Path, photos: Path, colour_pair) -> dict[str, str]:
    """A library indexed by the real code path: colour photos, broken files, and a decoder crash."""
    make_colour_folder(photos, per_colour=1)
    broken = make_broken_files(photos / "broken")
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    services.index()
    services.close()
    return broken


def _rows(db: Path) -> dict[str, tuple[str | None, int, str | None]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT path, error, error_transient, problem FROM files WHERE error IS NOT NULL")
        return {Path(p.decode()).name: (e, t, k) for p, e, t, k in rows}
    finally:
        conn.close()


def _as_v4(db: Path) -> None:
    """The database as schema v4 wrote it (v5 only added ``files.problem``, v6 the ``gone`` tables, v7
    ``scan_skips``, v8 the change logs), plus rows only words describe."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER embeddings_removed")
        conn.execute("DROP TABLE vectors_removed")
        conn.execute("DROP TRIGGER files_changed")
        conn.execute("DROP INDEX files_seq")
        conn.execute("ALTER TABLE files DROP COLUMN seq")
        conn.execute("DROP TABLE scan_skips")
        conn.execute("DROP TABLE gone_embeddings")
        conn.execute("DROP TABLE gone")
        conn.execute("ALTER TABLE files DROP COLUMN problem")
        conn.execute("PRAGMA user_version = 4")
        ids = [r[0] for r in conn.execute("SELECT id FROM files WHERE error IS NULL ORDER BY path LIMIT 3")]
        conn.execute("UPDATE files SET error = ?, error_transient = 0 WHERE id = ?", (CRASHED_WORDS, ids[0]))
        conn.execute("UPDATE files SET error = ?, error_transient = 0 WHERE id = ?", (OLD_WORDS, ids[1]))
        conn.execute("UPDATE files SET error = 'permission denied', error_transient = 1 WHERE id = ?", (ids[2],))
    finally:
        conn.close()


def test_the_indexer_stores_the_kind_beside_the_words(home: Path, tmp_path: Path, colour_pair) -> None:
    broken = _indexed(home, tmp_path / "photos", colour_pair)
    rows = _rows(home / "library.sqlite3")
    assert {name: kind for name, (_, _, kind) in rows.items()} == {Path(p).name: "invalid" for p in broken}
    services = Services.open(home)
    files = {Path(r.path).name: r for r in services.files()}
    services.close()
    assert files["notes.jpg"].problem is ImageProblem.INVALID and "not an image" in (files["notes.jpg"].error or "")


def test_a_v4_library_migrates_its_words_to_kinds_and_keeps_them(home: Path, tmp_path: Path, colour_pair) -> None:
    _indexed(home, tmp_path / "photos", colour_pair)
    db = home / "library.sqlite3"
    before = _rows(db)
    _as_v4(db)
    services = Services.open(home)
    services.open_library()  # migrates
    services.close()
    after = _rows(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION == 8
    conn.close()
    kinds = {name: kind for name, (_, _, kind) in after.items()}
    assert {kinds[name] for name in before} == {"invalid"}  # what the indexer wrote comes back the same
    assert {k for name, k in kinds.items() if name not in before} == {"crashed", "unknown", "unreadable"}
    assert OLD_WORDS in {words for words, _, kind in after.values() if kind == "unknown"}  # the words stay
    assert all(after[name][:2] == before[name][:2] for name in before)  # words and retry flag untouched


def test_an_interrupted_migration_leaves_v4_and_the_next_open_finishes_it(
    home: Path, tmp_path: Path, colour_pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    _indexed(home, tmp_path / "photos", colour_pair)
    db = home / "library.sqlite3"
    _as_v4(db)
    broken_step = (*schema.MIGRATIONS[5], "UPDATE no_such_table SET x = 1")  # fails after the real steps
    monkeypatch.setitem(schema.MIGRATIONS, 5, broken_step)
    services = Services.open(home)
    with pytest.raises(LibraryError):
        services.open_library()
    services.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 4
    assert "problem" not in {r[1] for r in conn.execute("PRAGMA table_info(files)")}  # rolled back whole
    conn.close()
    monkeypatch.undo()
    services = Services.open(home)
    services.open_library()
    services.close()
    assert {kind for _, _, kind in _rows(db).values()} == {"invalid", "crashed", "unknown", "unreadable"}


def test_the_words_rule_knows_the_decoders_words() -> None:
    assert CRASHED_WORDS == POOL_CRASHED
    assert problem_from_words("cannot decode PNG (corrupt or truncated)", False) is ImageProblem.INVALID
    assert problem_from_words("file changed while being read (still being written?)", True) is ImageProblem.UNREADABLE
    assert problem_from_words(OLD_WORDS, False) is ImageProblem.UNKNOWN


def test_the_decoder_hands_its_kind_to_the_store_instead_of_words(tmp_path: Path) -> None:
    """The kind travels with the outcome (``Decoded.problem``), so the store need not guess it from words."""
    from motis_desktop.core.images.preprocess import PreprocessConfig
    from motis_desktop.core.library.decode_pool import DecodeJob, decode_file

    broken = make_broken_files(tmp_path / "broken")
    outcomes = [decode_file(DecodeJob(i, p), PreprocessConfig()) for i, p in enumerate(sorted(broken))]
    assert outcomes and all(o.error and o.problem is ImageProblem.INVALID for o in outcomes)
    gone = decode_file(DecodeJob(99, str(tmp_path / "gone.jpg")), PreprocessConfig())
    assert gone.vanished and gone.problem is ImageProblem.VANISHED


def test_the_command_line_names_the_kind_of_each_skipped_file(home: Path, tmp_path: Path, colour_pair) -> None:
    """Messages are made from the stored kind at the edge: the user reads what kind of trouble, then the detail."""
    from helpers.cli import run_cli

    _indexed(home, tmp_path / "photos", colour_pair)  # the first run stores the kinds
    out = run_cli("index", str(tmp_path / "photos"), home=home).stdout  # the next one reads them back
    # files the first run could not read: listed apart as "still skipped" (not counted as this run's)
    lines = [line for line in out.splitlines() if line.strip().startswith("still skipped ")]
    assert len(lines) == 4, out
    assert all(": not a photo this app can read: " in line for line in lines), lines
    assert any("notes.jpg" in line and "not an image" in line for line in lines), lines
