"""The exact index's coarse int8 copy kept beside its file (core/search/indexes/coarse_file.py): the next load
uses it at once, with the float32 hits; a copy of other vectors or a damaged one is never used."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
from test_coarse_scan import N, assert_same_hits, clip_like, queries

from motis_desktop.core.search.indexes import ExactIndex
from motis_desktop.core.search.indexes.coarse_file import STALE_TMP_S, path_for

MODEL = "m"


def _saved_with_copy(tmp_path: Path, vectors: np.ndarray) -> tuple[Path, ExactIndex]:
    """An index file whose coarse copy was made after it was saved (as the app does once the index loaded)."""
    plain = ExactIndex()
    plain.build(np.arange(len(vectors), dtype=np.int64) * 7 + 3, vectors)
    path = tmp_path / "m.exact.idx"
    plain.save(path, MODEL)
    plain.prepare(wait=True)
    assert path_for(path).is_file()
    return path, plain


def _making_a_copy() -> bool:
    return any(t.name == "motis-coarse" and t.is_alive() for t in threading.enumerate())


def _first_query_is_coarse(path: Path, plain: ExactIndex, query: np.ndarray) -> bool:
    loaded = ExactIndex.load(path, MODEL)
    loaded.prepare()
    served_at_once = not _making_a_copy()
    assert_same_hits(plain, loaded, query, 20)
    loaded.prepare(wait=True)  # leave no thread behind
    return served_at_once and loaded.coarse_served == 1


def test_a_loaded_index_answers_its_first_query_with_the_kept_copy(tmp_path: Path) -> None:
    vectors = clip_like(N)
    path, plain = _saved_with_copy(tmp_path, vectors)
    assert _first_query_is_coarse(path, plain, queries(vectors, 1)[0])


def test_a_copy_of_other_vectors_is_not_used(tmp_path: Path) -> None:
    vectors = clip_like(N)
    path, plain = _saved_with_copy(tmp_path, vectors)
    kept = path_for(path).read_bytes()
    changed = ExactIndex.load(path, MODEL)
    changed.add(changed.ids()[:1].copy(), clip_like(1, seed=5))  # one photo's vector replaced: the same count
    assert len(changed) == len(vectors)
    changed.save(path, MODEL)
    path_for(path).write_bytes(kept)  # the copy of the vectors before the change
    reference = ExactIndex()
    reference.build(changed.ids(), changed.vectors())
    assert not _first_query_is_coarse(path, reference, queries(vectors, 1)[0])


def test_a_damaged_copy_is_not_used_and_is_made_again(tmp_path: Path) -> None:
    vectors = clip_like(N)
    path, plain = _saved_with_copy(tmp_path, vectors)
    data = bytearray(path_for(path).read_bytes())
    data[len(data) // 2] ^= 0x40  # one bit in the codes
    path_for(path).write_bytes(bytes(data))
    assert not _first_query_is_coarse(path, plain, queries(vectors, 1)[0])
    assert _first_query_is_coarse(path, plain, queries(vectors, 1, seed=3)[0])  # made again, kept again


def test_a_half_written_copy_left_by_an_old_process_is_removed(tmp_path: Path) -> None:
    vectors = clip_like(N)
    path = tmp_path / "m.exact.idx"
    left = tmp_path / f".{path_for(path).name}.k1ll3d.tmp"  # as write_atomic names its temporary file
    left.write_bytes(b"\0" * 4096)
    os.utime(left, (time.time() - STALE_TMP_S - 60,) * 2)
    fresh = tmp_path / f".{path_for(path).name}.wr1t1ng.tmp"  # another process writing its copy right now
    fresh.write_bytes(b"\0" * 4096)
    _saved_with_copy(tmp_path, vectors)
    assert not left.exists() and fresh.exists()


def test_a_copy_whose_array_types_were_altered_is_not_used(tmp_path: Path) -> None:
    """One bit in an array's header (``<i4`` read as ``>i4``) leaves its bytes, and a checksum of bytes alone, as
    they were: the copy must still not be used."""
    vectors = clip_like(N)
    path, plain = _saved_with_copy(tmp_path, vectors)
    data = path_for(path).read_bytes()
    at = data.index(b"'descr': '<i4'")
    path_for(path).write_bytes(data[:at] + b"'descr': '>i4'" + data[at + len(b"'descr': '<i4'") :])
    assert not _first_query_is_coarse(path, plain, queries(vectors, 1)[0])


def test_vectors_added_then_saved_keep_their_coarse_copy_beside_the_file(tmp_path: Path) -> None:
    # The app saves an index once its changes add up (and on close), usually after the copy of the changed
    # vectors was made: that save keeps it, so the next start does not make it again.
    vectors = clip_like(N + 40)
    path, _ = _saved_with_copy(tmp_path, vectors[:N])
    grown = ExactIndex.load(path, MODEL)
    for start in range(N, N + 40, 10):  # photos indexed in batches
        grown.add(np.arange(start, start + 10, dtype=np.int64) * 7 + 3, vectors[start : start + 10])
    grown.prepare(wait=True)
    grown.save(path, MODEL)
    reference = ExactIndex()
    reference.build(np.arange(N + 40, dtype=np.int64) * 7 + 3, vectors)
    assert _first_query_is_coarse(path, reference, queries(vectors, 1, seed=4)[0])


def test_appended_vectors_leave_a_copy_being_made_of_the_earlier_ones_intact(tmp_path: Path) -> None:
    vectors = clip_like(N + 20)
    index = ExactIndex()
    index.build(np.arange(N, dtype=np.int64), vectors[:N])
    index.add(np.arange(N, N + 10, dtype=np.int64), vectors[N : N + 10])
    before = index.vectors()
    held = before.copy()
    index.add(np.arange(N + 10, N + 20, dtype=np.int64), vectors[N + 10 :])  # into the rows after `before`
    np.testing.assert_array_equal(before, held)
    reference = ExactIndex()
    reference.build(np.arange(N + 20, dtype=np.int64), vectors)
    for query in queries(vectors, 3, seed=6):
        assert_same_hits(reference, index, query, 20)
