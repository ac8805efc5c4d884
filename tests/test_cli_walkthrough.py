"""What a new user met on a fresh clone: dash words in queries, Ctrl-C while indexing, bare
``folders``/``config``/``models``, usage errors of ``models import``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.cli.main import main
from motis_desktop.core.services import ProgressPhase, Services


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
        assert line == "motis: interrupted: the work done so far is kept; run 'motis index' again to continue"
    code, out, err = _motis(capsys, "index", "--json")
    assert code == 0, err
    assert json.loads(out)["encoded"] == 30 - indexed


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
    assert "folders list (the default) or remove library folders" in said


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
