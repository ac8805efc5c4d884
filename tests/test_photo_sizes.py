"""Photos' upright pixel sizes for the timeline (Services.photo_sizes): header only, turned by the EXIF
orientation, cached by path and mtime."""

from __future__ import annotations

import os
from pathlib import Path

import pillow_heif
from helpers.models import index_with_colour
from PIL import Image

from motis_desktop.core.services import Services


def _photo(path: Path, size: tuple[int, int], orientation: int = 1) -> tuple[str, int]:
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    Image.new("RGB", size, (200, 80, 40)).save(path, exif=exif.tobytes())
    return str(path), os.stat(path).st_mtime_ns


def test_sizes_are_upright_cached_and_read_again_when_the_file_changes(home: Path, tmp_path: Path) -> None:
    wide = _photo(tmp_path / "wide.jpg", (300, 200))
    turned = _photo(tmp_path / "turned.jpg", (300, 200), orientation=6)  # a phone held upright
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo")
    files = [wide, turned, (str(broken), os.stat(broken).st_mtime_ns)]
    services = Services.open(home)
    try:
        first = services.photo_sizes(files)  # nothing read yet: all missing
        assert first.sizes == {} and len(first.missing) == 3
        read = services.photo_sizes(files, read=10)
        assert read.sizes == {wide[0]: (300, 200), turned[0]: (200, 300)} and read.missing == []
    finally:
        services.close()
    again = Services.open(home)  # another instance (another thread, a later start) finds them in the cache
    try:
        assert again.photo_sizes(files).sizes == read.sizes
        assert again.photo_sizes(files).missing == []  # the unreadable one is not read at every start
        changed = _photo(tmp_path / "wide.jpg", (100, 400))
        os.utime(changed[0], ns=(changed[1] + 10**9, changed[1] + 10**9))
        stale = again.photo_sizes([(changed[0], changed[1] + 10**9)])
        assert stale.missing == [(changed[0], changed[1] + 10**9)]
        assert again.photo_sizes(stale.missing, read=1).sizes == {changed[0]: (100, 400)}
    finally:
        again.close()


def test_a_portrait_heic_is_taller_than_wide(home: Path, tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # taken with the phone upright
    path = tmp_path / "phone.heic"
    pillow_heif.from_pillow(Image.new("RGB", (300, 200), (10, 120, 200))).save(path, format="HEIF", exif=exif.tobytes())
    services = Services.open(home)
    try:
        sizes = services.photo_sizes([(str(path), os.stat(path).st_mtime_ns)], read=1)
    finally:
        services.close()
    assert sizes.sizes == {str(path): (200, 300)}


def test_photos_gone_from_the_library_are_forgotten_when_sizes_are_saved(
    home: Path, colour_pair, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    kept = _photo(folder / "kept.jpg", (300, 200))
    gone = _photo(folder / "gone.jpg", (200, 300))
    index_with_colour(home, colour_pair, folder)
    services = Services.open(home)
    try:
        assert services.photo_sizes([kept, gone], read=2).missing == []
        os.remove(gone[0])
        services.index()  # the library forgets the deleted photo
        services.save_photo_sizes()
    finally:
        services.close()
    again = Services.open(home)
    try:
        sizes = again.photo_sizes([kept, gone])
        assert sizes.sizes == {kept[0]: (300, 200)} and sizes.missing == [gone]
    finally:
        again.close()


def test_sizes_cached_by_an_older_version_are_kept_and_written_in_the_new_layout(home: Path, tmp_path: Path) -> None:
    import json

    wide = _photo(tmp_path / "wide.jpg", (300, 200))
    odd = _photo(tmp_path / os.fsdecode(b"caf\xe9 \xff.jpg"), (200, 300))  # a name that is not UTF-8
    (home / "cache").mkdir(parents=True, exist_ok=True)
    (home / "cache" / "sizes.json").write_text(json.dumps({wide[0]: [wide[1], 300, 200], odd[0]: [odd[1], 200, 300]}))
    services = Services.open(home)
    try:
        known = services.photo_sizes([wide, odd])  # nothing read: the old file's sizes
        assert known.sizes == {wide[0]: (300, 200), odd[0]: (200, 300)} and known.missing == []
    finally:
        services.close()
    assert (home / "cache" / "sizes.bin").is_file() and not (home / "cache" / "sizes.json").exists()
    again = Services.open(home)
    try:
        assert again.photo_sizes([wide, odd]).sizes == known.sizes
    finally:
        again.close()


def test_a_damaged_size_cache_only_means_reading_the_sizes_again(home: Path, tmp_path: Path) -> None:
    files = [_photo(tmp_path / f"p{i}.jpg", (300 + i, 200)) for i in range(3)]
    services = Services.open(home)
    try:
        assert services.photo_sizes(files, read=3).missing == []
    finally:
        services.close()
    cache = home / "cache" / "sizes.bin"
    data = bytearray(cache.read_bytes())
    data[-5] ^= 0xFF  # one flipped bit of a path
    cache.write_bytes(bytes(data))
    again = Services.open(home)
    try:
        assert again.photo_sizes(files).missing == files
        assert again.photo_sizes(files, read=3).sizes == {p: (300 + i, 200) for i, (p, _) in enumerate(files)}
    finally:
        again.close()
    cache.write_bytes(b"MOTIS")  # cut short
    last = Services.open(home)
    try:
        assert last.photo_sizes(files).missing == files
    finally:
        last.close()


def test_the_gallerys_shapes_at_start_up_whatever_the_cache_files_layout(home: Path, tmp_path: Path) -> None:
    """``photo_aspects`` (the gallery at start-up) gives the same answers whether the cache file lines up with the
    gallery (one comparison of columns) or not (photos removed, another order: looked up one by one), and in the
    second case the file is written again as the gallery, for the next start."""
    from motis_desktop.core.images.sizes_file import read_sizes

    photos = [_photo(tmp_path / f"p{i}.jpg", (300, 200 + 100 * i)) for i in range(4)]
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a photo")
    photos.append((str(broken), os.stat(broken).st_mtime_ns))
    services = Services.open(home)
    try:
        assert services.photo_sizes(photos[::-1], read=10).missing == []  # read (and written) in reverse order
    finally:
        services.close()
    gallery = photos[1:]  # the first photo left the library
    changed = (gallery[0][0], gallery[0][1] + 10**9)  # and the second changed since its size was read
    expected = [None, 300 / 400, 300 / 500, None]  # unknown (changed), known, known, unreadable (known as such)
    for start in range(3):
        services = Services.open(home)
        try:
            aspects, missing = services.photo_aspects([changed, *gallery[1:]])
            assert aspects == expected and missing == [changed], start
        finally:
            services.close()
        assert read_sizes(home / "cache" / "sizes.bin").paths == [p for p, _ in photos[::-1]]  # only reads write
    services = Services.open(home)
    try:
        assert services.photo_sizes([changed], read=1).missing == []  # the changed photo is read again
    finally:
        services.close()
    gallery = [changed, *gallery[1:]]
    for start in range(2):
        services = Services.open(home)
        try:
            assert services.photo_aspects(gallery) == ([300 / 300, 300 / 400, 300 / 500, None], []), start
        finally:
            services.close()
        assert read_sizes(home / "cache" / "sizes.bin").paths == [p for p, _ in gallery]  # laid out as the gallery
    services = Services.open(home)  # a start with an empty gallery (a damaged library set aside) keeps the sizes
    try:
        assert services.photo_aspects([]) == ([], [])
    finally:
        services.close()
    again = Services.open(home)
    try:
        assert again.photo_sizes(gallery).missing == []
    finally:
        again.close()
