"""The ``motis`` command line's acceptance scenarios (in-process; ``test_the_installed_command_runs`` and the
subprocess tests elsewhere prove the real command)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from helpers.cli import cli_json, import_colour_model, run_cli, run_cli_process
from helpers.photos import COLOURS, colour_image, make_broken_files, make_colour_folder, write_image


def _tree_fingerprint(root: Path) -> dict[str, tuple[str, int, int]]:
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            st = p.stat()
            out[str(p)] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, colour_pair: tuple[Path, Path]):
    """A home with the colour model and an indexed folder of 60 colour images plus broken files."""
    home = tmp_path_factory.mktemp("cli-home")
    photos = tmp_path_factory.mktemp("photos")
    colours = make_colour_folder(photos, per_colour=10, big_every=20)
    broken = make_broken_files(photos / "broken")
    before = _tree_fingerprint(photos)
    run_cli(
        "models", "import", "--image", str(colour_pair[0]), "--text", str(colour_pair[1]), "--name", "colour", home=home
    )
    summary = cli_json("index", str(photos), home=home)
    return {"home": home, "photos": photos, "colours": colours, "broken": broken, "before": before, "summary": summary}


def test_index_reports_every_broken_file_and_indexes_the_rest(library) -> None:
    summary = library["summary"]
    assert summary["encoded"] == len(library["colours"]) == 60
    skipped = {s["path"]: s["reason"] for s in summary["skipped"]}
    assert set(skipped) == set(library["broken"])
    for path, word in library["broken"].items():
        assert word.lower() in skipped[path].lower(), (path, skipped[path])
    assert {"encoded", "unchanged", "renamed", "removed", "skipped"} <= set(summary)


def test_red_ranks_every_red_image_first(library) -> None:
    hits = cli_json("search", "red", "-k", "100", home=library["home"])
    assert len(hits) == 60
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    labels = [library["colours"][h["path"]] for h in hits]
    assert labels[:10] == ["red"] * 10
    assert "red" not in labels[10:]


def test_status_and_models_list(library) -> None:
    status = cli_json("status", home=library["home"])
    assert status["active_model"] == "colour"
    assert status["indexed"] == 60
    assert status["folders"] == [{"path": str(library["photos"]), "files": 64, "online": True, "cannot_open": []}]
    models = cli_json("models", "list", home=library["home"])
    assert [m["name"] for m in models] == ["colour"]
    assert models[0]["active"]
    assert models[0]["embed_dim"] == 512


def test_incremental_reindex_rewrite_rename_delete(library, tmp_path: Path, colour_pair) -> None:
    """Its own copy of the library (it changes photos), so no other test sees what it does."""
    home, photos = tmp_path / "home", tmp_path / "photos"
    shutil.copytree(library["photos"], photos)
    import_colour_model(colour_pair, home, "colour")
    colours = {str(photos / Path(p).relative_to(library["photos"])): c for p, c in library["colours"].items()}
    first = cli_json("index", str(photos), home=home)
    assert first["encoded"] == 60
    again = cli_json("index", home=home)
    assert again["encoded"] == 0
    assert again["unchanged"] == 60
    assert again["renamed"] == again["removed"] == 0
    assert len(again["skipped"]) == len(library["broken"])  # remembered, not retried

    # Rewrite three red images as blue ones: exactly those three are encoded again.
    rewritten = sorted(p for p, c in colours.items() if c == "red")[:3]
    for i, path in enumerate(rewritten):
        write_image(Path(path), colour_image(COLOURS["blue"], 120, 90, seed=500 + i))
        os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 10**9))
        colours[path] = "blue"
    step = cli_json("index", home=home)
    assert step["encoded"] == 3
    assert step["unchanged"] == 57
    blue_hits = cli_json("search", "blue", "-k", "13", home=home)
    assert set(rewritten) <= {h["path"] for h in blue_hits}
    red_hits = cli_json("search", "red", "-k", "7", home=home)
    assert all(colours[h["path"]] == "red" for h in red_hits)

    # Rename (move to another sub-folder): no encoding, search returns the new path.
    old = sorted(p for p, c in colours.items() if c == "green")[0]
    new = str(photos / "moved" / "renamed_green.png")
    Path(new).parent.mkdir(exist_ok=True)
    os.rename(old, new)
    colours[new] = colours.pop(old)
    step = cli_json("index", home=home)
    assert step["encoded"] == 0
    assert step["renamed"] == 1
    assert step["removed"] == 0
    paths = [h["path"] for h in cli_json("search", "green", "-k", "10", home=home)]
    assert new in paths
    assert old not in paths

    # Delete: gone from results at once (even before re-indexing) and from the library after.
    gone = sorted(p for p, c in colours.items() if c == "yellow")[0]
    os.unlink(gone)
    colours.pop(gone)
    assert gone not in [h["path"] for h in cli_json("search", "yellow", "-k", "60", home=home)]
    step = cli_json("index", home=home)
    assert step["removed"] == 1
    assert step["encoded"] == 0
    hits = cli_json("search", "yellow", "-k", "100", home=home)
    assert gone not in [h["path"] for h in hits]
    assert len(hits) == 59


def test_photo_folders_are_never_touched(library) -> None:
    """Indexing (at the fixture and again) and searching leave every photo and folder as it was."""
    cli_json("index", home=library["home"])
    cli_json("search", "red", home=library["home"])
    assert _tree_fingerprint(library["photos"]) == library["before"]


def test_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = run_cli("index", str(tmp_path), home=home, check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("motis: error: no model installed")
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    proc = run_cli("models", "use", "nope", home=home, check=False)
    assert proc.returncode == 1
    assert "no model named 'nope'" in proc.stderr
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    proc = run_cli("models", "import", "--image", str(bad), "--text", str(bad), "--name", "x", home=home, check=False)
    assert proc.returncode == 1
    assert str(bad) in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (home / "models" / "x").exists()
    proc = run_cli("search", home=home, check=False)
    assert proc.returncode == 2
    assert "usage:" in proc.stderr
    proc = run_cli("frobnicate", home=home, check=False)
    assert proc.returncode == 2


def test_home_flag_overrides_env(tmp_path: Path, colour_pair) -> None:
    flag_home = tmp_path / "flag-home"
    run_cli(
        "--home",
        str(flag_home),
        "models",
        "import",
        "--image",
        str(colour_pair[0]),
        "--text",
        str(colour_pair[1]),
        "--name",
        "c1",
        home=tmp_path / "env-home",
    )
    assert (flag_home / "models" / "c1" / "model.json").is_file()
    assert not (tmp_path / "env-home" / "models" / "c1").exists()
    status = cli_json("status", "--home", str(flag_home), home=tmp_path / "env-home")
    assert status["active_model"] == "c1"
    assert status["home"] == str(flag_home.resolve())


def test_the_installed_command_runs(library, tmp_path: Path) -> None:
    """The real entry point in a subprocess: JSON on stdout, exit codes, one-line errors."""
    status = json.loads(run_cli_process("status", "--json", home=library["home"]).stdout)
    assert (status["active_model"], status["indexed"]) == ("colour", 60)
    hits = json.loads(run_cli_process("search", "red", "-k", "3", "--json", home=library["home"]).stdout)
    assert [library["colours"][h["path"]] for h in hits] == ["red"] * 3
    proc = run_cli_process("index", str(tmp_path), home=tmp_path / "home", check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("motis: error: no model installed")
    assert proc.stderr.count("\n") == 1
    assert run_cli_process("frobnicate", home=tmp_path / "home", check=False).returncode == 2


def test_the_engine_writes_nothing_outside_the_library(library, tmp_path: Path) -> None:
    """onnxruntime's own telemetry (a device id and an event queue for Microsoft's collector in
    ~/.cache/Microsoft, QA walk 7 #1) stays off whatever the environment says: a search with a new query, which
    runs the text tower, leaves the user's home folder as it was."""
    user = tmp_path / "user"
    user.mkdir()
    env = {"HOME": str(user), "XDG_CACHE_HOME": str(user / ".cache"), "ORT_DISABLE_TELEMETRY": "0"}
    run_cli_process("search", "a probe for the engine's telemetry", "-k", "1", home=library["home"], env=env)
    assert list(user.iterdir()) == []
