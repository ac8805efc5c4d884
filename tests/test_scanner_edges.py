"""What the scanner follows and reports: links that lead back above the library, paths longer than the OS
allows, and BigTIFF files."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from helpers.models import install_colour
from helpers.photos import COLOURS, colour_image, write_image

from motis_desktop.core.errors import ImageError
from motis_desktop.core.images.decode import load_image
from motis_desktop.core.images.header import image_size, sniff_format
from motis_desktop.core.library.scanner import scan_folder
from motis_desktop.core.services import Services


def test_links_to_the_library_or_above_it_are_not_followed(home: Path, tmp_path: Path, colour_pair) -> None:
    own, friend = tmp_path / "own", tmp_path / "friend"
    for i in range(3):  # the parent's own photos must never be pulled in through a link
        write_image(tmp_path / f"parent_{i}.jpg", colour_image(COLOURS["green"], 40, 30, i))
    write_image(own / "a.jpg", colour_image(COLOURS["red"], 40, 30, 10))
    write_image(own / "b.jpg", colour_image(COLOURS["blue"], 40, 30, 11))
    write_image(friend / "c.jpg", colour_image(COLOURS["yellow"], 40, 30, 12))
    (own / "up").symlink_to("..")
    (own / "root").symlink_to("/")
    (own / "me").symlink_to(".")
    (own / "friend").symlink_to("../friend")  # a folder beside the library: followed
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(own)])
    summary = services.index()
    indexed = sorted(r.path for r in services.files())
    assert indexed == [str(own / "a.jpg"), str(own / "b.jpg"), str(own / "friend" / "c.jpg")]
    skipped = {s.path: s.reason for s in summary.skipped}
    assert skipped[str(own / "up")] == f"link to {tmp_path}, a folder that contains {own}: not followed " + (
        "(it would index the library twice)"
    )
    assert skipped[str(own / "root")].startswith(f"link to /, a folder that contains {own}: not followed")
    assert skipped[str(own / "me")].startswith(f"link to {own}, the library folder: not followed")
    assert len(skipped) == 3
    services.close()


def test_the_whole_disk_is_not_taken_as_a_library_folder(tmp_path: Path, capsys, colour_pair) -> None:
    """``motis index /`` walked 120k files of the system (``/proc``, other users' folders) and took the library's own
    folders into it: the root is refused, in one line, and the library keeps its folders."""
    from motis_desktop.cli.main import main

    photos = tmp_path / "photos"
    write_image(photos / "a.jpg", colour_image(COLOURS["red"], 40, 30, 1))
    home = str(tmp_path / "home")
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(photos)])
    services.close()
    assert main(["index", "/", "--home", home]) == 1
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [err] and "/ is the whole disk" in err and "Traceback" not in err
    services = Services.open(home)
    try:
        assert [f.path for f in services.folders()] == [str(photos)]
    finally:
        services.close()


def test_link_to_another_library_root_is_not_followed(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    write_image(one / "a.jpg", colour_image(COLOURS["red"], 40, 30, 1))
    write_image(two / "b.jpg", colour_image(COLOURS["red"], 40, 30, 2))
    (one / "other").symlink_to(two)
    result = scan_folder(str(one), library_roots=[str(one), str(two)])
    assert [e.path for e in result.entries] == [str(one / "a.jpg")]
    assert result.rejected == [
        (str(one / "other"), f"link to {two}, the library folder: not followed (it would index the library twice)")
    ]


def _deep_tree(root: Path, levels: int) -> list[str]:
    """Nested 250-byte folder names, a photo in each; built with dir fds since the full paths get too long."""
    name = "d" * 250
    photo = write_image(root / "seed.jpg", colour_image(COLOURS["red"], 32, 32, 1)).read_bytes()
    (root / "seed.jpg").unlink()
    paths = []
    fd = os.open(root, os.O_RDONLY)
    current = str(root)
    try:
        for _ in range(levels):
            os.mkdir(name, dir_fd=fd)
            child = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
            current = os.path.join(current, name)
            out = os.open("p.jpg", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
            os.write(out, photo)
            os.close(out)
            paths.append(os.path.join(current, "p.jpg"))
    finally:
        os.close(fd)
    return paths


def test_paths_longer_than_the_os_limit_are_reported(tmp_path: Path) -> None:
    limit = os.pathconf("/", "PC_PATH_MAX")
    photos = _deep_tree(tmp_path, limit // 251 + 2)
    fits = [p for p in photos if len(os.fsencode(p)) < limit]
    assert len(fits) < len(photos)  # the tree does reach past the limit
    result = scan_folder(str(tmp_path))
    assert sorted(e.path for e in result.entries) == sorted(fits)
    assert len(result.rejected) == 1  # the first folder too long to stat: everything below it is behind it
    path, reason = result.rejected[0]
    assert reason.startswith(f"path too long for this system ({len(os.fsencode(path))} bytes, limit {limit})")
    assert result.unlisted == [path]  # what the library knew below it is kept, not treated as deleted


@pytest.mark.parametrize("byteorder", ["<", ">"])
def test_bigtiff_is_recognised_and_decoded(tmp_path: Path, byteorder: str) -> None:
    tifffile = pytest.importorskip("tifffile")
    rgb = colour_image(COLOURS["blue"], 60, 40, 3)
    path = tmp_path / "big.tif"
    tifffile.imwrite(path, rgb, bigtiff=True, byteorder=byteorder, compression="zlib")
    data = path.read_bytes()
    assert data[2:4] in (b"+\x00", b"\x00+")  # really a BigTIFF header
    assert sniff_format(data[:32]) == "tiff"
    assert image_size(data, "tiff") == (60, 40)
    assert np.array_equal(load_image(path), rgb)


def test_bigtiff_declaring_a_huge_size_is_refused_before_decoding(tmp_path: Path) -> None:
    tifffile = pytest.importorskip("tifffile")
    path = tmp_path / "bomb.tif"
    tifffile.imwrite(path, np.zeros((8, 8), np.uint8), bigtiff=True)
    data = bytearray(path.read_bytes())
    ifd = int.from_bytes(data[8:16], "little")
    for i in range(int.from_bytes(data[ifd : ifd + 8], "little")):
        entry = ifd + 8 + 20 * i
        if int.from_bytes(data[entry : entry + 2], "little") in (256, 257):
            data[entry + 12 : entry + 20] = (100_000).to_bytes(8, "little")
    path.write_bytes(bytes(data))
    with pytest.raises(ImageError, match="image too large: 100000x100000"):
        load_image(path)
