"""``motis --self-test``: passes on a working installation, and names what is broken otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from motis_desktop.cli.main import main
from motis_desktop.core import resources
from motis_desktop.core.selftest import SelfTestReport, run_self_test

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


@pytest.fixture(scope="module")
def passed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SelfTestReport]:
    """One whole self-test in this process (seconds of real indexing and searching), shared by the checks on
    its report and on its work folder."""
    work = tmp_path_factory.mktemp("self-test-work")
    return work, run_self_test(work)


def test_every_check_passes_on_this_installation(passed_run: tuple[Path, SelfTestReport]) -> None:
    report = passed_run[1]
    assert [(c.name, c.ok, c.detail) for c in report.checks if not c.ok] == []
    assert [c.name for c in report.checks] == CHECKS
    assert report.ok


def test_the_work_folder_is_removed_afterwards(passed_run: tuple[Path, SelfTestReport]) -> None:
    assert list(passed_run[0].iterdir()) == []


def test_cli_self_test_exits_0_and_leaves_the_users_home_alone(home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "motis_desktop.cli.main", "--self-test"],
        capture_output=True,
        text=True,
        env={**os.environ, "MOTIS_HOME": str(home)},
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "self-test passed: 11 checks" in proc.stdout
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
