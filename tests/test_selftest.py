"""``motis --self-test``: passes on a working installation, and names what is broken otherwise."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from motis_desktop.cli.main import main
from motis_desktop.core import resources
from motis_desktop.core.selftest import run_self_test

CHECKS = [
    "bundled data",
    "native libraries",
    "colour model",
    "photo formats",
    "decoder worker processes",
    "indexing",
    "search",
    "reading text in photos",
    "watching folders",
    "seed-format mobile TorchScript",
    "checkpoint import and export",
]


def test_cli_self_test_passes_every_check_and_leaves_no_trace(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``motis --self-test`` (its parser, handler and exit code, in this process: the installed command is
    proved by test_cli.py::test_the_installed_command_runs, the bundle's by packaging/smoke.sh): every check
    passes, in order; its work folder (under the temporary folder) is removed; the user's home is untouched."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    code = main(["--self-test"])
    out = capsys.readouterr().out
    assert code == 0, out
    marks = [(line[2:6].strip(), line[7:37].strip()) for line in out.splitlines() if line.startswith("  ")]
    assert marks == [("ok", name) for name in CHECKS], out
    assert f"self-test passed: {len(CHECKS)} checks" in out
    assert list(temp.glob("motis-selftest-*")) == []
    assert list(home.iterdir()) == []


def test_a_missing_data_file_fails_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(resources, "resource_dirs", lambda: [tmp_path])  # as in a bundle built without resources/
    code = main(["--self-test"])
    err = capsys.readouterr().err
    assert code == 1
    assert "self-test failed: bundled data" in err
    assert "bpe_simple_vocab_16e6.txt.gz" in err


def test_a_failed_check_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "resource_dirs", lambda: [tmp_path])
    report = run_self_test(tmp_path)
    assert [(c.name, c.ok) for c in report.checks] == [("bundled data", False)]


def test_a_wrong_search_answer_fails_the_search_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from motis_desktop.core import selftest

    # Photos written in other colours than their names say: the search must notice.
    shifted = dict(
        zip(selftest.COLOURS, list(selftest.COLOURS.values())[1:] + list(selftest.COLOURS.values())[:1], strict=True)
    )
    real_photo = selftest._photo
    monkeypatch.setattr(selftest, "_photo", lambda rgb, *a, **k: real_photo(shifted[_name_of(rgb)], *a, **k))
    report = run_self_test(tmp_path)
    assert report.failure is not None
    assert report.failure.name == "search"


def _name_of(rgb: tuple[int, int, int]) -> str:
    from motis_desktop.core.selftest import COLOURS

    return next(name for name, value in COLOURS.items() if value == rgb)
