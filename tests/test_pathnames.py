"""Stored paths (the OS's bytes) decode by one rule, one at a time or many at once (the gallery's read)."""

from __future__ import annotations

from motis_desktop.core.pathnames import decode_path, decode_paths, encode_path


def test_many_paths_decode_as_each_one_does() -> None:
    raws = [encode_path("/photos/été/a.jpg"), b"/photos/\xff\xfe-not-utf8.jpg", b""]
    assert decode_paths(raws) == [decode_path(r) for r in raws]
    assert [encode_path(p) for p in decode_paths(raws)] == raws  # names that are not valid UTF-8 survive
