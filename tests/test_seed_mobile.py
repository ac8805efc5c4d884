"""The seed's own format: mobile-optimized TorchScript (XNNPACK prepacked ops) converted at import (issue 9).

The fixtures were made by torch 2.1 with ``optimize_for_mobile`` (tests/data/seed-mobile/README.md).
Every mobile file is converted (prepacked ops have no ONNX form), on any torch build, then to ONNX towers.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import pytest
import torch
from helpers.seed_mobile import (
    PALETTE,
    colour_photos,
    edit_code,
    fixture,
    motis,
    motis_json,
    replace_member,
    system_pickle,
    truncated_copy,
    zip_bomb,
)

from motis_desktop.core.errors import ModelError
from motis_desktop.core.models.encoders.archive import check_model_file
from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript, needs_conversion


def _cosines(a: torch.Tensor, b: torch.Tensor) -> list[float]:
    return torch.nn.functional.cosine_similarity(a.double(), b.double(), dim=1).tolist()


# -- every rewrite, against torch 2.1's own outputs ---------------------------------------------------


@pytest.fixture(scope="module")
def ops_model(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("ops") / "ops.pt"
    report = convert_mobile_torchscript(fixture("ops_encoder.pt"), out)
    return report, torch.jit.load(str(out)), out


def test_fixtures_use_xnnpack_prepacked_ops() -> None:
    names = ["colour_image_encoder", "colour_text_encoder", "tiny_image_encoder", "tiny_text_encoder", "ops_encoder"]
    assert all(needs_conversion(fixture(f"{n}.pt")) for n in names)


def test_converted_file_is_plain_torchscript(ops_model) -> None:
    assert not needs_conversion(ops_model[2])


def test_every_rewritten_op_matches_torch_21(ops_model) -> None:
    ref = torch.load(fixture("ops_reference.pt"))
    with torch.no_grad():
        out = ops_model[1](ref["input"])
    assert (out - ref["output"]).abs().max().item() < 1e-5


def test_report_counts_each_prepacked_op(ops_model) -> None:
    assert dict(ops_model[0].ops) == {
        "prepacked::conv2d_clamp_run": 2,
        "prepacked::conv2d_transpose_clamp_run": 1,
        "prepacked::linear_clamp_run": 2,
        "prepacked::linear_clamp_prepack": 1,
    }


def test_fused_relu_and_hardtanh_stay_as_clamps(ops_model) -> None:
    # conv+ReLU (0, None), conv+Hardtanh (-0.5, 0.5), and the in-code prepack's ReLU (0.)
    assert ops_model[1].code.count("torch.clamp(") == 3


@pytest.mark.parametrize(("bounds", "clamps"), [('0., float("inf")', 3), ('float("-inf"), float("inf")', 2)])
def test_infinite_bounds_in_the_code_are_no_bounds(tmp_path: Path, bounds: str, clamps: int) -> None:
    # TorchScript prints an infinite constant as float("inf"): a prepack written so has no bound there (a guard)
    edited = edit_code(fixture("ops_encoder.pt"), tmp_path / "ops.pt", "CONSTANTS.c5, 0.)", f"CONSTANTS.c5, {bounds})")
    convert_mobile_torchscript(edited, tmp_path / "plain.pt")
    assert torch.jit.load(str(tmp_path / "plain.pt")).code.count("torch.clamp(") == clamps


# -- the colour pair: import with the real command line, index, search --------------------------------


@pytest.fixture(scope="module")
def colour_home(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("colour-home")
    photos = colour_photos(tmp_path_factory.mktemp("photos"), per_colour=2)
    result = motis(
        "models",
        "import",
        "--image",
        str(fixture("colour_image_encoder.pt")),
        "--text",
        str(fixture("colour_text_encoder.pt")),
        "--name",
        "colour",
        home=home,
    )
    summary = motis_json("index", str(Path(next(iter(photos))).parent), home=home)
    return home, photos, result, summary


def test_colour_pair_import_says_it_converted_both_towers(colour_home) -> None:
    code, out, _ = colour_home[2]
    assert code == 0
    assert "converted image tower" in out
    assert "converted text tower" in out
    assert "ONNX towers" in out


def test_colour_pair_indexes_every_photo(colour_home) -> None:
    assert colour_home[3]["encoded"] == len(colour_home[1]) == 16


@pytest.mark.parametrize("word", list(PALETTE))
def test_each_colour_word_ranks_its_own_photos_first(colour_home, word: str) -> None:
    home, photos = colour_home[0], colour_home[1]
    hits = motis_json("search", word, "-k", "16", home=home)
    assert [photos[h["path"]] for h in hits[:2]] == [word, word]


# -- the tiny CLIP pair: reference numbers, export, re-import ----------------------------------------


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("tiny-home")
    image, text = fixture("tiny_image_encoder.pt"), fixture("tiny_text_encoder.pt")
    code, _, err = motis("models", "import", "--image", str(image), "--text", str(text), "--name", "tiny", home=home)
    assert code == 0, err
    export = tmp_path_factory.mktemp("export")
    code, _, err = motis("models", "export", "tiny", "--out", str(export), home=home)
    assert code == 0, err
    args = ["--image", str(export / "image_encoder.pt"), "--text", str(export / "text_encoder.pt")]
    code, _, err = motis("models", "import", *args, "--name", "again", home=home)
    assert code == 0, err
    return home, export


def test_import_shows_the_user_only_its_own_lines(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """The tiny pair's scripted text tower makes the exporter give up once (it prints the whole graph from C++) and
    refuses ids cut after end-of-text (onnxruntime logs that error): neither may reach the terminal."""
    from motis_desktop.cli.main import main

    image, text = fixture("tiny_image_encoder.pt"), fixture("tiny_text_encoder.pt")
    code = main(
        ["models", "import", "--image", str(image), "--text", str(text), "--name", "t", "--home", str(tmp_path)]
    )
    out, err = capfd.readouterr()
    assert code == 0, err
    assert "installed model 't'" in out
    assert "graph" not in out + err
    assert "onnxruntime" not in err
    assert len(out.splitlines()) <= 6, out  # what the import says: conversions, the install, the trust note


@pytest.fixture(scope="module")
def reference() -> dict[str, torch.Tensor]:
    return torch.load(fixture("tiny_reference.pt"))


def _tower(home: Path, model: str, role: str) -> torch.jit.ScriptModule:
    return torch.jit.load(str(home / "models" / model / f"{role}_encoder.pt"))  # plain torch.jit.load


@pytest.mark.parametrize("role", ["image", "text"])
def test_installed_tiny_tower_matches_torch_21(tiny_home, reference, role: str) -> None:
    with torch.no_grad():
        out = _tower(tiny_home[0], "tiny", role)(reference[f"{role}_in"])
    assert min(_cosines(out, reference[f"{role}_out"])) >= 0.9999


@pytest.mark.parametrize("role", ["image", "text"])
def test_exported_tower_is_plain_torchscript(tiny_home, role: str) -> None:
    assert not needs_conversion(tiny_home[1] / f"{role}_encoder.pt")


@pytest.mark.parametrize("role", ["image", "text"])
def test_export_then_reimport_keeps_the_numbers(tiny_home, reference, role: str) -> None:
    with torch.no_grad():
        first = _tower(tiny_home[0], "tiny", role)(reference[f"{role}_in"])
        again = _tower(tiny_home[0], "again", role)(reference[f"{role}_in"])
    assert torch.equal(first, again)


def test_installed_tiny_encoder_gives_reference_directions(tiny_home, reference) -> None:
    from motis_desktop.core.models.installed import ModelStore

    encoder = ModelStore(tiny_home[0] / "models").load_encoder("tiny")  # ONNX fp32
    vectors = encoder.encode_images(reference["image_in"].numpy())
    assert min(_cosines(torch.from_numpy(vectors), reference["image_out"])) >= 0.9999
    texts = encoder.encode_texts(reference["text_in"].numpy())
    assert min(_cosines(torch.from_numpy(texts), reference["text_out"])) >= 0.9999


# -- hostile archives: a clear one-line error, nothing run, nothing installed ------------------------


def _import_fails(home: Path, image: Path, text: Path) -> str:
    code, _, err = motis("models", "import", "--image", str(image), "--text", str(text), "--name", "bad", home=home)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("motis: error:")]
    assert len(lines) == 1, err
    return lines[0]


def test_system_call_payload_is_live(tmp_path: Path) -> None:
    control = tmp_path / "control"
    pickle.loads(system_pickle(f"touch {control}"))  # what an unrestricted unpickler would do
    assert control.exists()


def test_constants_pickle_calling_os_system_is_refused_unrun(tmp_path: Path, home: Path) -> None:
    sentinel = tmp_path / "pwned"
    hostile = replace_member(
        fixture("colour_text_encoder.pt"), tmp_path / "text.pt", "constants.pkl", system_pickle(f"touch {sentinel}")
    )
    error = _import_fails(home, fixture("colour_image_encoder.pt"), hostile)
    assert "system" in error
    assert not sentinel.exists()


def test_refused_import_installs_nothing(tmp_path: Path, home: Path) -> None:
    hostile = replace_member(
        fixture("colour_text_encoder.pt"), tmp_path / "text.pt", "constants.pkl", system_pickle("true")
    )
    _import_fails(home, fixture("colour_image_encoder.pt"), hostile)
    assert motis_json("models", "list", home=home) == []


def test_unknown_prepacked_op_is_named(tmp_path: Path, home: Path) -> None:
    hostile = edit_code(fixture("colour_text_encoder.pt"), tmp_path / "t.pt", "linear_clamp_run", "linear_clamp_warp")
    error = _import_fails(home, fixture("colour_image_encoder.pt"), hostile)
    assert "prepacked::linear_clamp_warp" in error


def test_unknown_torch_class_is_named(tmp_path: Path) -> None:
    src = fixture("colour_text_encoder.pt")
    with zipfile.ZipFile(src) as zf:
        constants = zf.read("colour_text_encoder/constants.pkl")
    constants = constants.replace(b"xnnpack\nLinearOpContext", b"quantized\nLinearPackedParamsBase")
    hostile = replace_member(src, tmp_path / "t.pt", "constants.pkl", constants)
    with pytest.raises(ModelError, match=r"class __torch__\.torch\.classes\.quantized\.LinearPackedParamsBase"):
        convert_mobile_torchscript(hostile, tmp_path / "out.pt")


def test_truncated_archive_is_refused(tmp_path: Path, home: Path) -> None:
    broken = truncated_copy(fixture("colour_image_encoder.pt"), tmp_path / "image.pt")
    error = _import_fails(home, broken, fixture("colour_text_encoder.pt"))
    assert "damaged zip archive" in error


def test_zip_bomb_pair_is_refused_before_loading(tmp_path: Path, home: Path) -> None:
    bomb = zip_bomb(tmp_path / "image.pt")
    error = _import_fails(home, bomb, fixture("colour_text_encoder.pt"))
    assert "zip bomb" in error


def test_zip_bomb_checkpoint_is_refused_before_loading(tmp_path: Path, home: Path) -> None:
    bomb = zip_bomb(tmp_path / "model.pt")
    code, _, err = motis("models", "import", "--checkpoint", str(bomb), "--name", "bad", home=home)
    assert code == 1
    assert "zip bomb" in err


def test_archive_listing_too_many_files_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from motis_desktop.core.models.encoders import archive

    monkeypatch.setattr(archive, "MAX_MEMBERS", 5)
    with pytest.raises(ModelError, match="lists 12 files"):
        check_model_file(fixture("colour_text_encoder.pt"))
