"""Rough edges a new user hits: odd homes and settings, usage errors, long queries, missing models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.cli.main import main


def _motis(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "internal error" not in err, err
    return lines[0]


@pytest.mark.parametrize("kind", ["file", "devnull"])
def test_home_that_is_not_a_folder(capsys, tmp_path: Path, kind: str) -> None:
    home = tmp_path / "home.txt"
    home.write_text("not a folder")
    target = "/dev/null" if kind == "devnull" else str(home)
    code, _, err = _motis(capsys, "--home", target, "status")
    assert code == 1
    line = _one_line_error(err)
    assert f"{target}: the app's home" in line
    assert "must be a folder" in line


def test_models_path_that_is_a_file(capsys, tmp_path: Path) -> None:
    (tmp_path / "models").write_text("oops")
    code, _, err = _motis(capsys, "--home", str(tmp_path), "status")
    assert code == 1
    assert f"{tmp_path / 'models'}: expected a folder" in _one_line_error(err)


def test_settings_file_that_is_a_folder(capsys, tmp_path: Path) -> None:
    (tmp_path / "config.json").mkdir()
    code, _, err = _motis(capsys, "--home", str(tmp_path), "status")
    assert code == 1
    assert f"{tmp_path / 'config.json'}: the settings file is a folder" in _one_line_error(err)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("image_size", 0, "image_size must be a positive whole number, not 0"),
        ("image_size", -3, "image_size must be a positive whole number, not -3"),
        ("image_size", "224", "image_size must be a positive whole number, not '224'"),
        ("embed_dim", 0, "embed_dim must be a positive whole number"),
        ("std", [0.2, 0.0, 0.2], "std values must be positive"),
        ("mean", [0.5, 0.5], "mean must be 3 numbers"),
    ],
)
def test_invalid_model_manifest_is_named(capsys, home: Path, colour_pair, field: str, value, words: str) -> None:
    from motis_desktop.core.services import Services

    services = Services.open(home)
    install_colour(services, colour_pair)
    services.use_model("colour")
    services.close()
    manifest = home / "models" / "colour" / "model.json"
    data = json.loads(manifest.read_text())
    data[field] = value
    manifest.write_text(json.dumps(data))
    code, _, err = _motis(capsys, "search", "red")
    assert code == 1
    line = _one_line_error(err)
    assert f"{manifest}: invalid model manifest" in line and words in line, line


def test_import_with_image_size_zero_is_refused(capsys, home: Path, colour_pair) -> None:
    code, _, err = _motis(
        capsys, "models", "import", "--image", str(colour_pair[0]), "--text", str(colour_pair[1]), "--name", "z",
        "--image-size", "0",
    )  # fmt: skip
    assert code == 1
    assert err.strip().splitlines()[-1] == "motis: error: image size must be between 1 and 4096 pixels, not 0"
    assert not (home / "models" / "z").exists()


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_search_is_a_usage_error(capsys, text: str) -> None:
    code, _, err = _motis(capsys, "search", text)
    assert code == 2
    assert "usage:" in err
    assert "search needs a query" in err


@pytest.mark.parametrize("k", ["0", "-1", "x"])
def test_bad_k_is_a_usage_error(capsys, k: str) -> None:
    code, _, err = _motis(capsys, "search", "red", "-k", k)
    assert code == 2
    assert "usage:" in err
    assert "argument -k" in err


def test_no_model_message_mentions_download(capsys) -> None:
    code, _, err = _motis(capsys, "search", "red")
    assert code == 1
    assert "motis models download" in _one_line_error(err)


def test_query_longer_than_the_context_warns(capsys, home: Path, indexed_libraries) -> None:
    indexed_libraries.copy_into(home, "cli-edges-one-of-each", lambda folder: make_colour_folder(folder, per_colour=1))
    code, _, err = _motis(capsys, "search", " ".join(["red"] * 80), "--json")
    assert code == 0, err
    assert err.startswith("motis: warning: the query takes 82 tokens but the model reads only 77")
    code, _, err = _motis(capsys, "search", " ".join(["red"] * 75), "--json")
    assert code == 0
    assert err == ""
