"""The gallery read in chunks (``Services.gallery_photos``, ``library/gallery.py``) is one snapshot of the library:
another process indexing meanwhile changes none of the photos it gives, so the window never lists half of the
library as it was and half as it became (a photo twice, or one missing, across a chunk's edge)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.cli import run_cli

from motis_desktop.core.library import gallery
from motis_desktop.core.services import Services


def test_a_gallery_read_while_another_process_indexes_gives_the_library_as_it_was(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guard (a read that asked SQLite again for each chunk would fail it; the one list before never could)."""
    services, photos = colour_library
    monkeypatch.setattr(gallery, "CHUNK", 2)  # 12 photos: 6 chunks
    before = services.gallery()
    missing: list[tuple[str, int]] = []
    chunks = services.gallery_photos(missing)
    read = next(chunks)
    (photos / "sub").rename(tmp_path / "away")  # 6 photos leave, and another process takes note
    assert json.loads(run_cli("index", "--json", home=colour_home).stdout)["removed"] == 6
    read += [photo for chunk in chunks for photo in chunk]
    assert [p[:5] for p in read] == [f[:5] for f in before]  # all 12, by path, as when the read began
    assert sorted(missing) == sorted((f[1], f[5]) for f in before)  # no size read yet: every photo's is missing
    assert len(services.gallery()) == 6  # the next read: the library as it is now


LAYOUTS = {  # the size cache's file, by the gallery's places (-1: a photo no longer in the library)
    "as the gallery": list(range(12)),
    "reversed": list(range(11, -1, -1)),
    "a photo more at the end": [*range(12), -1],
    "a photo more in the middle": [*range(5), -1, *range(5, 12)],
    "one changed, then out of order": [*range(6), *range(11, 5, -1)],
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_shapes_read_in_chunks_are_those_read_at_once(
    colour_library: tuple[Services, Path], monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    """Guard: whatever the size cache's file holds, the gallery read in chunks gives every photo the shape the cache
    gives it when asked for the whole gallery at once, the same photos still to read, and the file is written again
    the same way (as the gallery, when the cache knows every photo) for the next start."""
    from motis_desktop.core.images.sizes_file import read_sizes, write_sizes

    services, _photos = colour_library
    monkeypatch.setattr(gallery, "CHUNK", 2)
    files = [(f[1], f[5]) for f in services.gallery()]
    sizes = services.photo_sizes(files, read=len(files)).sizes
    cache = services.cache_dir("sizes.bin")  # the header-size cache's file
    entries = {
        **({"/elsewhere/gone.jpg": (1, 30, 20)} if -1 in LAYOUTS[layout] else {}),
        **{files[i][0]: (files[i][1] + (i == 0 and "changed" in layout), *sizes[files[i][0]]) for i in range(12)},
    }
    ordered = {
        path: entries[path] for path in ([files[i][0] if i >= 0 else "/elsewhere/gone.jpg" for i in LAYOUTS[layout]])
    }
    answers = []
    for how in ("at once", "in chunks"):
        write_sizes(cache, ordered)
        reader = Services.open(services.home)
        try:
            if how == "at once":
                answers.append(reader.photo_aspects(files))
            else:
                missing: list[tuple[str, int]] = []
                shapes = [photo[5] for chunk in reader.gallery_photos(missing) for photo in chunk]
                answers.append((shapes, missing))
        finally:
            reader.close()
        answers.append(read_sizes(cache).paths)
    assert answers[0] == answers[2] and answers[1] == answers[3], layout
    changed = "changed" in layout
    shapes = [w / h for w, h in (sizes[p] for p, _ in files)]
    assert answers[0] == ([None, *shapes[1:]], [files[0]]) if changed else (shapes, [])
    assert answers[1] == (list(ordered) if changed else [p for p, _ in files])  # laid out as the gallery
