"""Indexer behaviour in-process: scanning rules, races, cancellation, batching."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest
from helpers.models import install_colour
from helpers.photos import COLOURS, colour_image, write_image

from motis_desktop.core.library.batching import batches
from motis_desktop.core.library.indexer import Progress
from motis_desktop.core.library.scanner import scan_folder
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.services import Services


@pytest.fixture
def services(home: Path, colour_pair) -> Services:
    svc = Services.open(home)
    install_colour(svc, colour_pair)
    yield svc
    svc.close()


def _photos(root: Path, n: int, colour: str = "red") -> list[Path]:
    return [write_image(root / f"{colour}_{i:03d}.png", colour_image(COLOURS[colour], 80, 60, i)) for i in range(n)]


def test_scanner_rules(tmp_path: Path) -> None:
    _photos(tmp_path, 2)
    write_image(tmp_path / ".hidden.png", colour_image(COLOURS["red"], 20, 20, 0))
    write_image(tmp_path / ".cache" / "x.png", colour_image(COLOURS["red"], 20, 20, 0))
    # Images without an image extension are recognised by content.
    write_image(tmp_path / "a.png", colour_image(COLOURS["red"], 20, 20, 0)).rename(tmp_path / "IMG_0001")
    write_image(tmp_path / "b.jpg", colour_image(COLOURS["red"], 20, 20, 1)).rename(tmp_path / "IMG_0002.dat")
    (tmp_path / "readme.txt").write_text("not a photo")
    (tmp_path / "loop").symlink_to(tmp_path)  # a symlink loop
    (tmp_path / "dangling.jpg").symlink_to(tmp_path / "missing.jpg")
    os.mkfifo(tmp_path / "pipe.jpg")
    result = scan_folder(str(tmp_path))
    names = sorted(Path(e.path).name for e in result.entries)
    assert names == ["IMG_0001", "IMG_0002.dat", "red_000.png", "red_001.png"]
    rejected = {Path(p).name: r for p, r in result.rejected}
    assert rejected == {
        "dangling.jpg": "broken symbolic link",
        "pipe.jpg": "not a regular file",
        "loop": f"link to {tmp_path}, the library folder: not followed (it would index the library twice)",
    }


def test_vanished_between_scan_and_decode(services: Services, tmp_path: Path) -> None:
    photos = _photos(tmp_path, 6)
    services.add_folders([str(tmp_path)])

    def delete_after_scan(p: Progress) -> None:
        if p.phase == "scan" and photos[2].exists():
            photos[2].unlink()  # the scan saw it; the decoder will not find it

    summary = services.index(progress=delete_after_scan)
    assert summary.encoded == 5
    # a photo deleted meanwhile is removed from the library, not a file that could not be read (QA walk 4)
    assert (summary.skipped, summary.removed, summary.went_away) == ([], 1, {})
    assert services.counts(services.active_model().model_id)["files"] == 5


def test_cancel_keeps_committed_batches_and_resumes(services: Services, tmp_path: Path) -> None:
    _photos(tmp_path, 40)
    services.add_folders([str(tmp_path)])
    cancel = threading.Event()
    seen: list[Progress] = []

    def cancel_after_first_batch(p: Progress) -> None:
        seen.append(p)
        if p.phase == "encode" and p.done > 0:
            cancel.set()

    first = services.index(progress=cancel_after_first_batch, cancel=cancel, batch_size=8)
    assert first.cancelled
    assert first.encoded == 8
    encode = [p for p in seen if p.phase == "encode"][-1]
    assert encode.total == 40
    assert encode.done == 8
    assert encode.rate > 0
    assert encode.eta_s is not None
    second = services.index(batch_size=8)
    assert second.encoded == 32
    assert second.unchanged == 8
    assert not second.cancelled
    ids, vectors = services.embeddings()
    assert len(ids) == len(set(ids.tolist())) == 40
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_run_of_fewer_photos_than_a_batch_runs_on_both_lanes_at_once(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A few new photos (a watched folder's, a small import): they went in one batch on one lane while the other
    lane's core idled; they are split between the lanes, which run side by side, and every photo is indexed."""
    monkeypatch.setenv("MOTIS_ENGINE_THREADS", "2")
    monkeypatch.setenv("MOTIS_ENGINE_LANES", "2")
    _photos(tmp_path, 6)
    services.add_folders([str(tmp_path)])
    encoder = services.encoder()
    sizes: list[int] = []
    lock, side_by_side = threading.Lock(), threading.Event()
    real_encode = encoder.encode_images

    def encode(batch: np.ndarray) -> np.ndarray:
        with lock:
            sizes.append(len(batch))
            if len(sizes) == 2:
                side_by_side.set()
        side_by_side.wait(timeout=30)  # the first batch stays in the engine until a second one is beside it
        return real_encode(batch)

    monkeypatch.setattr(encoder, "encode_images", encode)
    summary = services.index(batch_size=16)
    assert (summary.encoded, summary.skipped) == (6, [])
    assert sizes == [3, 3]
    assert side_by_side.is_set()


@pytest.mark.parametrize(
    ("total", "lanes", "sizes"),
    [
        (6, 2, [3, 3]),  # fewer than a batch: both lanes at once
        (20, 2, [10, 10]),
        (1, 2, [1]),
        (64, 2, [16, 16, 16, 8, 4, 2, 1, 1]),  # the end shrinks, so the lanes finish together
        (6, 1, [6]),
        (100, 1, [16] * 6 + [4]),
    ],
)
def test_batches_split_a_small_run_between_the_lanes_and_shrink_at_the_end(
    total: int, lanes: int, sizes: list[int]
) -> None:
    got = list(batches(iter(range(total)), total, 16, lanes))
    assert [len(b) for b in got] == sizes
    assert [i for b in got for i in b] == list(range(total))  # each photo once, in the order decoded


def test_file_growing_after_scan_is_stored_as_read(services: Services, tmp_path: Path) -> None:
    """A file written to between scan and decode: the stored size/mtime are those of the bytes encoded,
    so the next run neither re-encodes it needlessly nor misses a later change."""
    path = _photos(tmp_path, 1)[0]
    original = path.read_bytes()
    services.add_folders([str(tmp_path)])

    def grow(p: Progress) -> None:
        if p.phase == "scan":
            with open(path, "ab") as fh:
                fh.write(b"\0" * 10)

    assert services.index(progress=grow).encoded == 1
    stored = services.files()[0]
    assert stored.size == len(original) + 10 == path.stat().st_size
    assert services.index().encoded == 0
    path.write_bytes(original)
    os.utime(path, ns=(stored.mtime_ns + 10**9, stored.mtime_ns + 10**9))
    again = services.index()
    assert again.encoded == 1
    assert again.skipped == []


def test_nested_folders_merge(home: Path, tmp_path: Path) -> None:
    store = LibraryStore(home / "lib.sqlite3")
    inner = store.add_folder(tmp_path / "a" / "b")
    outer = store.add_folder(tmp_path / "a")
    assert [f.path for f in store.folders()] == [str(tmp_path / "a")]
    assert store.add_folder(tmp_path / "a" / "c").id == outer.id != inner.id
    assert store.integrity_check() == "ok"


def test_unavailable_folder_keeps_its_photos(services: Services, tmp_path: Path) -> None:
    drive = tmp_path / "external"
    _photos(drive, 3)
    services.add_folders([str(drive)])
    assert services.index().encoded == 3
    drive.rename(tmp_path / "unplugged")  # the drive is gone for now
    summary = services.index()
    assert summary.removed == 0
    assert summary.offline == [str(drive)] and summary.skipped == []  # said offline, not a file unread
    (tmp_path / "unplugged").rename(drive)
    back = services.index()
    assert back.encoded == 0
    assert back.unchanged == 3


def test_a_vector_that_is_not_finite_is_never_stored(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tower that overflows on one photo (NaN) must not put that vector in the library, where it would
    poison every search: the photo is reported skipped, the rest are stored, and the next run tries it again."""
    _photos(tmp_path, 5)
    blue = _photos(tmp_path, 1, "blue")[0]
    services.add_folders([str(tmp_path)])
    encoder = services.encoder()
    real_encode = encoder.encode_images

    def overflow_on_blue(batch: np.ndarray) -> np.ndarray:
        vectors = real_encode(batch).copy()
        vectors[batch[:, 2].mean(axis=(1, 2)) > batch[:, 0].mean(axis=(1, 2))] = np.nan
        return vectors

    monkeypatch.setattr(encoder, "encode_images", overflow_on_blue)
    summary = services.index(batch_size=4)
    assert summary.encoded == 5
    assert [(Path(s.path).name, s.message) for s in summary.skipped] == [
        (blue.name, "the model gave a vector that is not finite (NaN or infinity): not stored, tried again next run")
    ]
    ids, vectors = services.embeddings()
    assert len(ids) == 5 and np.isfinite(vectors).all()
    meaning = {"limit": 6, "cutoff": False, "signals": ("meaning",)}
    assert blue.name not in [Path(h.path).name for h in services.query("blue", **meaning).hits]
    monkeypatch.setattr(encoder, "encode_images", real_encode)
    again = services.index()
    assert (again.encoded, again.skipped) == (1, [])
    assert Path(services.query("blue", **meaning).hits[0].path).name == blue.name


def test_a_scan_without_a_model_lists_the_photos_that_indexing_encodes_later(
    home: Path, colour_pair, tmp_path: Path
) -> None:
    """Folders added before a model is ready: their photos are listed at once (the gallery shows them)."""
    for n in range(3):
        write_image(tmp_path / "photos" / f"p{n}.jpg", colour_image(COLOURS["red"], 80, 60, n))
    services = Services.open(home)
    try:
        services.add_folders([str(tmp_path / "photos")])
        scanned = services.scan()
        assert len(services.gallery()) == 3 and services.counts(None)["files"] == 3
        assert (scanned.encoded, scanned.cancelled) == (0, False)
        install_colour(services, colour_pair)
        summary = services.index()
        assert summary.encoded == 3
        assert [round(h.score, 3) for h in services.query("red", limit=5, cutoff=False).hits] == [1.0] * 3
    finally:
        services.close()
