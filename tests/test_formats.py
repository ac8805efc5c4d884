"""HEIC, AVIF and camera RAW (embedded preview): upright, guarded, clear reasons; scanner and indexer see them."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from helpers.formats import arrow, jpeg_bytes, make_avif, make_dng, make_heic, stored
from helpers.models import install_colour

from motis_desktop.core.errors import ImageError
from motis_desktop.core.images.decode import load_image
from motis_desktop.core.images.header import is_raw_tiff, raw_preview, sniff_format
from motis_desktop.core.library.scanner import scan_folder

MAKERS = {"heic": make_heic, "avif": make_avif, "dng": make_dng}


def _close(out: np.ndarray, upright: np.ndarray) -> float:
    return float(np.abs(out.astype(int) - upright).mean())


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_decodes_upright(tmp_path: Path, kind: str, orientation: int) -> None:
    upright = arrow()
    path = MAKERS[kind](tmp_path / f"photo.{kind}", upright, orientation)
    out = load_image(path)
    assert out.shape == upright.shape
    assert _close(out, upright) < 12


@pytest.mark.parametrize("kind, fmt", [("heic", "heic"), ("avif", "avif"), ("dng", "tiff")])
def test_sniffed_by_content(tmp_path: Path, kind: str, fmt: str) -> None:
    path = MAKERS[kind](tmp_path / f"photo.{kind}", arrow())
    assert sniff_format(path.read_bytes()[:32]) == fmt


def test_dng_is_raw_and_its_preview_is_the_jpeg(tmp_path: Path) -> None:
    data = make_dng(tmp_path / "p.dng", arrow(), orientation=6).read_bytes()
    assert is_raw_tiff(data)
    preview = raw_preview(data)
    assert preview is not None
    assert preview[1] == 6
    assert preview[0].startswith(b"\xff\xd8\xff")


def test_plain_tiff_is_not_raw(tmp_path: Path) -> None:
    from PIL import Image

    Image.fromarray(arrow()).save(tmp_path / "p.tif")
    assert not is_raw_tiff((tmp_path / "p.tif").read_bytes())


def test_raw_reduced_decode_for_indexing(tmp_path: Path) -> None:
    big = np.kron(arrow(40, 30), np.ones((100, 100, 1), np.uint8))  # 4000x3000 preview
    path = make_dng(tmp_path / "big.dng", big, orientation=8)
    small = load_image(path, min_side=224)
    assert small.shape[:2] == (750, 1000)  # 1/4 scale, upright


def test_scanner_finds_them_by_content_without_extension(tmp_path: Path) -> None:
    for kind, maker in MAKERS.items():
        maker(tmp_path / f"{kind}.bin", arrow())
    found = sorted(Path(e.path).name for e in scan_folder(str(tmp_path)).entries)
    assert found == ["avif.bin", "dng.bin", "heic.bin"]


def _corrupt(kind: str, tmp_path: Path) -> Path:
    upright = arrow(400, 300)
    if kind == "dng":  # the embedded preview is cut short
        return make_dng(tmp_path / "bad.dng", upright, preview=jpeg_bytes(upright)[:300])
    good = MAKERS[kind](tmp_path / f"good.{kind}", upright).read_bytes()
    path = tmp_path / f"bad.{kind}"
    path.write_bytes(good[: len(good) // 2])
    return path


@pytest.mark.parametrize(
    "kind, reason",
    [("heic", "^damaged or incomplete HEIC file$"), ("avif", "^damaged or incomplete AVIF file$"), ("dng", "RAW")],
)
def test_corrupt_file_gives_a_reason(tmp_path: Path, kind: str, reason: str) -> None:
    with pytest.raises(ImageError, match=reason):
        load_image(_corrupt(kind, tmp_path))


def test_dng_without_any_preview_says_so(tmp_path: Path) -> None:
    data = bytearray(make_dng(tmp_path / "p.dng", arrow()).read_bytes())
    start = data.index(b"\xff\xd8\xff")
    data[start : start + 3] = b"\x00\x00\x00"  # no JPEG where the preview should be
    (tmp_path / "p.dng").write_bytes(bytes(data))
    with pytest.raises(ImageError, match="RAW file has no readable embedded preview"):
        load_image(tmp_path / "p.dng")


def test_missing_heic_decoder_is_a_clear_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_heic(tmp_path / "p.heic", arrow())
    monkeypatch.setitem(sys.modules, "pillow_heif", None)  # import fails as if not installed
    with pytest.raises(ImageError, match="HEIC support not installed") as caught:
        load_image(path)
    assert caught.value.transient  # tried again on later runs: installing the decoder is enough


def test_missing_raw_decoder_is_a_clear_reason_for_cr3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.cr3"
    path.write_bytes(b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom" + b"\x00" * 64)
    monkeypatch.setitem(sys.modules, "rawpy", None)
    with pytest.raises(ImageError, match="RAW support not installed"):
        load_image(path)


def test_heic_bomb_refused_before_decoding(tmp_path: Path) -> None:
    path = make_heic(tmp_path / "p.heic", arrow(256, 128))
    with pytest.raises(ImageError, match="too large"):
        load_image(path, max_pixels=1000)


def test_stored_helper_really_turns_the_pixels() -> None:
    # The fixtures above would prove nothing if the stored pixels were already upright.
    assert stored(arrow(), 6).size == (48, 64)


def test_indexed_and_found_like_any_jpeg(tmp_path: Path, home: Path, colour_pair) -> None:
    from helpers.watching import write_photos

    from motis_desktop.core.services import Services

    red = np.zeros((48, 64, 3), np.uint8)
    red[...] = (220, 30, 30)
    (tmp_path / "lib").mkdir()
    made = [maker(tmp_path / "lib" / f"red.{kind}", red, 6) for kind, maker in MAKERS.items()]
    write_photos(tmp_path / "lib", "blue", 5)
    services = Services.open(home)
    try:
        install_colour(services, colour_pair)
        services.add_folders([str(tmp_path / "lib")])
        summary = services.index()
        assert (summary.encoded, summary.skipped) == (8, [])
        top = {h.path for h in services.query("red", 3, cutoff=False).hits}
        assert top == {str(p) for p in made}
    finally:
        services.close()


@pytest.mark.parametrize("kind", ["heic", "avif"])
def test_header_gives_the_size_without_decoding(tmp_path: Path, kind: str) -> None:
    from motis_desktop.core.images.header import image_size

    data = MAKERS[kind](tmp_path / f"p.{kind}", arrow(128, 64)).read_bytes()
    assert image_size(data, kind) == (128, 64)
