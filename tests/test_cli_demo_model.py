"""The demo model (QA 5, 7): a new user without internet tries the app with ``motis models demo``, a tiny model
built here that finds photos by their main colour; a real model installed later takes over from it."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.cli import cli_json, run_cli
from helpers.photos import make_colour_folder


def test_models_demo_installs_a_model_that_finds_red_photos(home: Path, tmp_path: Path) -> None:
    said = run_cli("models", "demo", home=home)
    assert "installed the demo model 'colour-demo'" in said.stdout
    assert "colour words only" in said.stdout  # plain about what it cannot do
    from motis_desktop.core.models.architectures.colour import PALETTE

    assert all(word in said.stdout for word in PALETTE)  # the words it names are the words it knows
    colours = make_colour_folder(tmp_path / "photos", per_colour=3)
    cli_json("index", str(tmp_path / "photos"), home=home)
    hits = cli_json("search", "red", home=home)
    assert [colours[h["path"]] for h in hits] == ["red"] * 3
    assert not any(Path(home, "cache").glob("demo-model-*"))  # the build folder went with the install


def test_a_second_models_demo_says_it_is_already_installed(home: Path) -> None:
    run_cli("models", "demo", home=home)
    again = run_cli("models", "demo", home=home)
    assert "the demo model 'colour-demo' is already installed" in again.stdout
    assert [m["name"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)] == ["colour-demo"]


def test_without_a_model_the_error_names_the_demo(home: Path) -> None:
    failed = run_cli("search", "red", home=home, check=False)
    assert failed.returncode != 0
    assert "'motis models demo'" in failed.stderr


def test_a_real_model_installed_after_the_demo_becomes_active(home: Path, registry) -> None:
    """The demo is for trying the app: the first real model replaces it as the active one (other installs leave
    the active model alone: switching means encoding the library again)."""
    run_cli("models", "demo", home=home)
    run_cli("models", "download", "tiny-clip", home=home)
    listed = {m["name"]: m["active"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)}
    assert listed == {"colour-demo": False, "tiny-clip": True}


def test_the_demo_installed_beside_a_real_model_leaves_it_active(home: Path, registry) -> None:
    """Guard: the ordinary activation rule holds for the demo itself."""
    run_cli("models", "download", "tiny-clip", home=home)
    said = run_cli("models", "demo", home=home)
    assert "the active model stays 'tiny-clip'" in said.stdout
    listed = {m["name"]: m["active"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)}
    assert listed == {"colour-demo": False, "tiny-clip": True}


def test_models_help_offers_the_demo_plainly() -> None:
    """Guard: ``motis models --help`` says what the demo is for and what it cannot do."""
    out = " ".join(run_cli("models", "--help").stdout.split())
    assert "demo install a tiny demo model that finds photos by their main colour (red, blue, …)" in out
    assert "not for real searches" in out


def test_a_real_model_installed_over_an_indexed_demo_takes_over_once_the_library_is_indexed(
    home: Path, tmp_path: Path, registry
) -> None:
    """QA walk 6 #4: the import made the real model active with nothing indexed, and `motis search` failed ("none
    of the library's photos is indexed yet") until `motis index`. The demo answers until the new model covers the
    library, and the import says what comes next."""
    run_cli("models", "demo", home=home)
    photos = len(make_colour_folder(tmp_path / "photos", per_colour=2))
    cli_json("index", str(tmp_path / "photos"), home=home)
    said = run_cli("models", "download", "tiny-clip", home=home)
    assert (
        "tiny-clip will take over from the demo model once the library is indexed with it: "
        f"run 'motis index' ({photos} photos)" in said.stdout
    )
    listed = {m["name"]: m["active"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)}
    assert listed == {"colour-demo": True, "tiny-clip": False}
    assert cli_json("search", "red", home=home)  # the demo still answers (exit 0, results)
    indexed = run_cli("index", home=home)
    assert "active model: tiny-clip (it took over from the demo model)" in indexed.stdout
    listed = {m["name"]: m["active"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)}
    assert listed == {"colour-demo": False, "tiny-clip": True}
    assert run_cli("search", "red", home=home).returncode == 0


def test_a_real_model_takes_over_from_the_demo_while_a_folder_is_offline(home: Path, tmp_path: Path, registry) -> None:
    """The take-over from the demo waits for the photos within reach only, as a switch does: a folder on an
    unplugged drive must not keep the demo answering for ever (its photos are encoded when it is back)."""
    run_cli("models", "demo", home=home)
    drive, local = tmp_path / "drive", tmp_path / "local"
    make_colour_folder(drive, per_colour=1)
    make_colour_folder(local, per_colour=1, seed=100)
    cli_json("index", str(drive), str(local), home=home)
    drive.rename(tmp_path / "drive-away")
    run_cli("models", "download", "tiny-clip", home=home)
    indexed = run_cli("index", home=home)
    assert "active model: tiny-clip (it took over from the demo model)" in indexed.stdout
    listed = {m["name"]: m["active"] for m in json.loads(run_cli("models", "list", "--json", home=home).stdout)}
    assert listed == {"colour-demo": False, "tiny-clip": True}
