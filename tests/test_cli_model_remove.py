"""`motis models remove` of the model the library searches with (QA walk 5: removed unasked while a window used it)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from helpers.cli import run_cli


class _Terminal(io.StringIO):
    """A terminal's stdin that answers ``answer``."""

    def isatty(self) -> bool:
        return True


def _models(home: Path) -> list[str]:
    return [m["name"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)]


def test_removing_the_active_model_without_a_terminal_needs_yes(colour_home: Path) -> None:
    proc = run_cli("models", "remove", "colour", home=colour_home, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "motis: error: 'colour' is the active model: add --yes to remove it anyway"
    assert _models(colour_home) == ["colour"]
    assert run_cli("models", "remove", "colour", "--yes", home=colour_home).returncode == 0
    assert _models(colour_home) == []


@pytest.mark.parametrize(("answer", "removed"), [("n\n", False), ("\n", False), ("y\n", True)])
def test_removing_the_active_model_on_a_terminal_asks_and_says_what_happens(
    colour_home: Path, monkeypatch: pytest.MonkeyPatch, answer: str, removed: bool
) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    proc = run_cli("models", "remove", "colour", home=colour_home, check=False)
    assert "'colour' is the model your library searches with: search needs a model until you install or choose " in (
        proc.stderr
    )
    assert "the photos' vectors of 'colour' are kept and come back if you import the same model again" in proc.stderr
    assert (proc.returncode == 0, _models(colour_home) == []) == (removed, removed)


def test_the_vectors_of_a_removed_model_come_back_with_the_same_model(
    colour_library: tuple[object, Path], colour_home: Path, colour_pair: tuple[Path, Path]
) -> None:
    """The help said "its photos' vectors go with it"; they stay in the library (as the QA saw) and the help says so."""
    assert "the library keeps its photos' vectors" in " ".join(
        run_cli("models", "remove", "--help", home=colour_home).stdout.split()
    )
    run_cli("models", "remove", "colour", "--yes", home=colour_home)
    image, text = (str(p) for p in colour_pair)
    run_cli("models", "import", "--image", image, "--text", text, "--name", "colour", home=colour_home)
    status = json.loads(run_cli("status", "--json", home=colour_home).stdout)
    assert status["active_model"] == "colour"
    assert status["indexed"] == 12, status
