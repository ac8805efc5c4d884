"""The R@K harness: hand-computed recalls on a tiny set, both caption file formats, via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from helpers.cli import cli_json, import_colour_model, run_cli
from helpers.photos import colour_image, write_image

from motis_desktop.core.errors import MotisError
from motis_desktop.core.evaluation import load_captions, recall_at_k


def test_recall_at_k_on_a_hand_made_matrix() -> None:
    # 3 images; captions 0,1 -> image 0, caption 2 -> image 1, caption 3 -> image 2.
    sim = np.array(
        [
            [0.9, 0.1, 0.2],  # cap 0: image 0 first
            [0.3, 0.8, 0.1],  # cap 1: image 0 second
            [0.1, 0.2, 0.7],  # cap 2: image 1 second (image 2 beats it)
            [0.5, 0.4, 0.3],  # cap 3: image 2 third
        ]
    )
    owner = np.array([0, 0, 1, 2])
    r = recall_at_k(sim, owner, ks=(1, 2, 3))
    assert r["t2i_r1"] == pytest.approx(25.0)
    assert r["t2i_r2"] == pytest.approx(75.0)
    assert r["t2i_r3"] == 100.0
    # Image 0: captions by score 0.9(c0),0.5,0.3,0.1 -> c0 first. Image 1: 0.8,0.4,0.2(c2),0.1 -> 3rd.
    # Image 2: 0.7,0.3(c3),0.2,0.1 -> 2nd.
    assert r["i2t_r1"] == pytest.approx(100 / 3)
    assert r["i2t_r2"] == pytest.approx(200 / 3)
    assert r["i2t_r3"] == pytest.approx(100.0)


@pytest.fixture
def captioned(tmp_path: Path) -> tuple[Path, dict]:
    """4 images, 5 captions; with the colour model: "red thing" ranks its orange-red image second."""
    images = {
        "red_0.jpg": (220, 30, 30),
        "red_1.jpg": (255, 80, 30),
        "green_0.jpg": (30, 180, 40),
        "blue_0.jpg": (30, 40, 220),
    }
    for name, rgb in images.items():
        write_image(tmp_path / "imgs" / name, colour_image(rgb, 96, 64, 1))
    captions = {
        "red_0.jpg": ["red"],
        "red_1.jpg": ["red thing"],
        "green_0.jpg": ["green", "a green field"],
        "blue_0.jpg": ["blue"],
    }
    return tmp_path, captions


def _karpathy(path: Path, captions: dict) -> Path:
    data = {
        "images": [
            {"filename": f, "split": "test", "sentences": [{"raw": c} for c in caps]} for f, caps in captions.items()
        ]
        + [{"filename": "red_0.jpg", "split": "train", "sentences": [{"raw": "ignored"}]}]
    }
    path.write_text(json.dumps(data))
    return path


def _coco(path: Path, captions: dict) -> Path:
    images = [{"id": i, "file_name": f} for i, f in enumerate(captions)]
    anns = [{"image_id": i, "caption": c} for i, f in enumerate(captions) for c in captions[f]]
    path.write_text(json.dumps({"images": images, "annotations": anns}))
    return path


@pytest.mark.parametrize("fmt", ["karpathy", "coco"])
def test_eval_cli_gives_the_hand_computed_recalls(captioned, colour_pair, home: Path, fmt: str) -> None:
    root, captions = captioned
    caption_file = (_karpathy if fmt == "karpathy" else _coco)(root / f"{fmt}.json", captions)
    import_colour_model(colour_pair, home)
    result = cli_json("eval", "--captions", str(caption_file), "--images", str(root / "imgs"), home=home)
    # Text→image: 4 of 5 captions find their image first; "red thing" finds red_1 second (red_0 is redder).
    # Image→text: every image has one of its captions first ("red" and "red thing" embed identically).
    assert result == {
        "t2i_r1": 80.0,
        "t2i_r5": 100.0,
        "t2i_r10": 100.0,
        "i2t_r1": 100.0,
        "i2t_r5": 100.0,
        "i2t_r10": 100.0,
        "n_images": 4,
        "n_captions": 5,
        "skipped": [],
    }


def test_eval_reports_missing_images(captioned, colour_pair, home: Path) -> None:
    root, captions = captioned
    caption_file = _karpathy(root / "k.json", {**captions, "nope.jpg": ["nothing"]})
    import_colour_model(colour_pair, home)
    proc = run_cli("eval", "--captions", str(caption_file), "--images", str(root / "imgs"), home=home, check=False)
    assert proc.returncode == 1
    assert "missing" in proc.stderr
    assert "nope.jpg" in proc.stderr


MALFORMED = [
    b"",
    b"not json",
    b"[]",
    b"null",
    b"42",
    b'"images"',
    b"{}",
    b'{"images": null}',
    b'{"images": {}}',
    b'{"images": [1, 2]}',
    b'{"images": [{"split": "test"}]}',
    b'{"images": [{"filename": 7, "split": "test"}]}',
    b'{"images": [{"filename": "", "split": "test"}]}',
    b'{"images": [{"filename": "a\\u0000b.jpg", "split": "test"}]}',
    b'{"images": [{"filename": "red_0.jpg", "filepath": 3, "split": "test"}]}',
    b'{"images": [{"filename": "red_0.jpg", "split": "test", "sentences": "red"}]}',
    b'{"images": [{"filename": "red_0.jpg", "split": "test", "sentences": ["red"]}]}',
    b'{"images": [{"filename": "red_0.jpg", "split": "test", "sentences": [{"tokens": ["red"]}]}]}',
    b'{"images": [{"filename": "red_0.jpg", "split": "test", "sentences": [{"raw": null}]}]}',
    b'{"images": [{"filename": "red_0.jpg", "split": "train", "sentences": [{"raw": "red"}]}]}',
    b'{"annotations": null}',
    b'{"annotations": [{"image_id": 0, "caption": "red"}]}',
    b'{"images": [{"id": 0}], "annotations": []}',
    b'{"images": [{"id": [0], "file_name": "red_0.jpg"}], "annotations": []}',
    b'{"images": [{"id": 0, "file_name": "red_0.jpg"}], "annotations": [{"image_id": 0, "caption": 5}]}',
    b'{"images": [{"id": 0, "file_name": "red_0.jpg"}], "annotations": ["red"]}',
    b'{"images": [{"id": 0, "file_name": "nope.jpg"}], "annotations": [{"image_id": 0, "caption": "red"}]}',
    b"\xff\xfe\x00garbage",
]


@pytest.mark.parametrize("content", MALFORMED, ids=range(len(MALFORMED)))
def test_malformed_caption_files_give_one_clear_error(captioned, content: bytes) -> None:
    root, _ = captioned
    path = root / "bad.json"
    path.write_bytes(content)
    with pytest.raises(MotisError) as info:
        load_captions(path, root / "imgs")
    message = str(info.value)
    assert str(path) in message and "\n" not in message, message


def test_malformed_caption_file_via_cli_is_one_line(captioned, colour_pair, home: Path) -> None:
    root, _ = captioned
    path = root / "bad.json"
    path.write_bytes(MALFORMED[17])
    import_colour_model(colour_pair, home)
    proc = run_cli("eval", "--captions", str(path), "--images", str(root / "imgs"), home=home, check=False)
    assert proc.returncode == 1
    assert proc.stderr == f"motis: error: {path}: images[0].sentences[0]: 'raw' must be a non-empty string, not None\n"


def test_eval_skips_an_unreadable_image_and_counts_it(captioned, colour_pair, home: Path) -> None:
    root, captions = captioned
    (root / "imgs" / "green_0.jpg").write_bytes(b"this is not a photo")
    caption_file = _karpathy(root / "k.json", captions)
    import_colour_model(colour_pair, home)
    result = cli_json("eval", "--captions", str(caption_file), "--images", str(root / "imgs"), home=home)
    assert result["skipped"] == [
        {"path": str(root / "imgs" / "green_0.jpg"), "reason": "not an image (content is text)"}
    ]
    assert (result["n_images"], result["n_captions"]) == (3, 3)
    assert result["t2i_r1"] == pytest.approx(200 / 3)  # "red thing" still ranks red_1 second
    proc = run_cli("eval", "--captions", str(caption_file), "--images", str(root / "imgs"), home=home)
    assert "3 images, 3 captions, 1 images skipped" in proc.stdout
    assert f"skipped {root / 'imgs' / 'green_0.jpg'}: not an image" in proc.stderr
