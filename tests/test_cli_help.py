"""What ``motis ... --help`` says, checked against what the commands do: the search syntax's examples typed as
printed in a shell, help text on every command and option, sizes in ``models available``."""

from __future__ import annotations

import argparse
import json
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.photos import make_colour_folder

from motis_desktop.core.services import SYNTAX_HELP

# The first column of the syntax help: the examples ("  beach - people        '+ text' adds ...").
EXAMPLES = [m.group(1) for line in SYNTAX_HELP.splitlines() if (m := re.match(r"^  (\S.*?)\s{2,}\S", line))]


@pytest.fixture
def colours(home: Path, indexed_libraries) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """This test's home: the colour model and an indexed folder of 2 photos of each colour."""
    return indexed_libraries.copy_into(home, "cli-help", lambda folder: make_colour_folder(folder, per_colour=2))


# 1. The query's words as they come --------------------------------------------------------------------------


def test_a_lone_dash_between_words_subtracts_as_in_the_help(colours: dict[str, str]) -> None:
    assert "beach - people" in EXAMPLES
    typed = run_cli("search", "red", "-", "blue", "-k", "2", "--json", check=False)  # motis search red - blue -k 2
    assert typed.returncode == 0, typed.stderr
    assert typed.stdout == run_cli("search", "red - blue", "-k", "2", "--json").stdout
    assert [colours[h["path"]] for h in json.loads(typed.stdout)] == ["red", "red"]
    for argv in (["-", "red"], ["red", "+", "-", "blue"], ["red", "-"]):
        proc = run_cli("search", *argv, "-k", "2", check=False)
        assert proc.returncode == 0 and "usage" not in proc.stderr, (argv, proc.stderr)


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_syntax_example_typed_in_a_shell_reads_as_the_quoted_query(colours, example: str) -> None:
    """``motis search EXAMPLE -k 2`` typed as printed (the shell splits it and removes its quotes) answers as
    ``motis search 'EXAMPLE' -k 2``: photos, or the same one line saying why not; never a usage error."""
    typed_words = shlex.split(example)
    if len(typed_words) == 1 and " " in typed_words[0]:  # one argument is the whole query, read as typed
        example, typed_words = f"{example} red", [*typed_words, "red"]  # so: among other words
    quoted = run_cli("search", example, "-k", "2", check=False)
    typed = run_cli("search", *typed_words, "-k", "2", check=False)
    assert typed.returncode != 2 and "usage:" not in typed.stderr, typed.stderr
    assert (typed.returncode, typed.stdout, typed.stderr) == (quoted.returncode, quoted.stdout, quoted.stderr)


def test_a_query_in_one_argument_is_read_as_typed(colours: dict[str, str]) -> None:
    """'folder:sub red' quoted whole is the folder sub and the word red (as the app's search box reads it), not
    the folder "sub red"."""
    whole = run_cli("search", "folder:sub red", "-k", "2", "--json", check=False)
    assert whole.returncode == 0, whole.stderr
    hits = json.loads(whole.stdout)
    assert colours[hits[0]["path"]] == "red" and all("/sub/" in h["path"] for h in hits)


def test_a_shell_quoted_path_with_spaces_stays_one_term(colours: dict[str, str], tmp_path: Path) -> None:
    red = next(path for path, colour in colours.items() if colour == "red")
    photo = tmp_path / "My Trips" / "red cat.png"
    photo.parent.mkdir()
    photo.write_bytes(Path(red).read_bytes())
    for argv in ([str(photo)], [str(photo), "+", "red"], [f"folder:{photo.parent}", "red"]):
        proc = run_cli("search", *argv, "-k", "2", "--json", check=False)
        assert proc.returncode == 0, (argv, proc.stderr)


# 2. Help on every command and option ------------------------------------------------------------------------


def _commands(parser: argparse.ArgumentParser, name: str = "motis") -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """``motis`` and each of its commands and their actions, with the words that run it."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, sub in action.choices.items():
                yield from _commands(sub, f"{name} {command}")


def test_every_command_and_option_says_what_it_does() -> None:
    """``motis X --help`` of every command describes it, and names no argument without saying what it is."""
    from motis_desktop.cli.parser import build_parser

    missing = []
    for name, parser in _commands(build_parser()):
        if not (parser.description or "").strip():
            missing.append(f"{name}: no description")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [f"{name} {c.dest}: no help" for c in action._choices_actions if not (c.help or "").strip()]
            elif not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}: no help")
    assert missing == []


def test_models_use_help_says_what_a_switch_does(home: Path) -> None:
    said = " ".join(run_cli("models", "use", "--help", home=home).stdout.split())
    for words in ("searches keep using the current model until NAME covers every photo", "Ctrl+C", "kept"):
        assert words in said
    said = " ".join(run_cli("text", "--help", home=home).stdout.split())
    assert "A photo whose text was not read yet" in said and "is read now" in said


# 3. Sizes as a file manager shows them ----------------------------------------------------------------------


def test_models_available_shows_small_files_in_kb(home: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A seed pair of 0.3 + 0.4 MB used to read "0 MB" per file and "1 MB" in all."""
    files = [
        {"role": role, "url": f"https://drive.google.com/uc?export=download&id={role}", "size": size}
        for role, size in (("image", 300_000), ("text", 400_000))
    ]
    entry = {"name": "tiny-pair", "display_name": "Tiny pair", "format": "torchscript-pair", "embed_dim": 512}
    resources = tmp_path / "resources"
    resources.mkdir()
    (resources / "models.json").write_text(json.dumps({"format_version": 1, "models": [{**entry, "files": files}]}))
    monkeypatch.setenv("MOTIS_RESOURCES", str(resources))
    out = run_cli("models", "available", home=home).stdout
    assert out.splitlines()[1].split()[:3] == ["700", "kB", "download."], out  # the model's sentence
    out = run_cli("models", "available", "--verbose", home=home).stdout  # each file: on request
    assert "(300 kB" in out and "(400 kB" in out and " 0 MB" not in out and " 1 MB" not in out


@pytest.mark.parametrize(
    "size, shown",
    [(512, "512 B"), (1_000, "1.0 kB"), (46_000, "46 kB"), (999_999, "1.0 MB"), (2_540_000, "2.5 MB"),
     (170_400_000, "170 MB"), (1_534_000_000, "1.5 GB")],
)  # fmt: skip
def test_sizes_read_as_in_a_file_manager(size: int, shown: str) -> None:
    from motis_desktop.core.formatting import format_size

    assert format_size(size) == shown
