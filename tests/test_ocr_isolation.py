"""A photo that breaks the text stage (crash, hang, decompression bomb) is reported and skipped; the stage goes
on with a fresh reader and the photo is not tried again until it changes. Cancel and resume."""

from __future__ import annotations

import os
import struct
import threading
import zlib
from pathlib import Path

import pytest
from helpers.models import install_colour
from helpers.text_photos import plain_photo, save, text_photo

from motis_desktop.core.ocr.worker import CRASH_HOOK_ENV, CRASHED, HANG_HOOK_ENV, TIMED_OUT, TIMEOUT_ENV
from motis_desktop.core.services import Progress, Services


def _png_bomb(path: Path, side: int = 60_000) -> Path:
    """A valid PNG header claiming side×side pixels (3.6 GP) with a tiny compressed body."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


@pytest.fixture
def services(home: Path, colour_pair) -> Services:
    services = Services.open(home)
    install_colour(services, colour_pair)
    yield services
    services.close()


def test_crash_and_hang_are_isolated_reported_and_skipped(
    tmp_path: Path, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    photos = tmp_path / "photos"
    save(text_photo(["Ticket"]), photos / "a_ticket.png")
    save(text_photo(["Harbour"]), photos / "b_harbour.png")
    save(text_photo(["Danger"]), photos / "c_boom.png")
    save(text_photo(["Sleepy"]), photos / "d_hang.png")
    # The hooks fire where the decoder runs, which for the next photo is the worker's prefetch thread: while
    # b_harbour is read c_boom is decoded ahead and the worker dies; b_harbour is read again alone and kept,
    # c_boom crashes alone too. The hang is the last photo, read after that restart: nothing is decoded beside
    # it, so its timeout is waited out once (beside another photo's decode it would be retried alone).
    monkeypatch.setenv(CRASH_HOOK_ENV, "boom")
    monkeypatch.setenv(HANG_HOOK_ENV, "hang")
    monkeypatch.setenv(TIMEOUT_ENV, "10")  # the users' default is 120 s; a text photo takes well under 1 s
    services.add_folders([str(photos)])
    summary = services.index(read_text=True)
    assert summary.encoded == 4 and summary.skipped == []  # the embeddings were never at risk
    failed = {os.path.basename(s.path): s.reason for s in summary.text_failed}
    assert failed == {"c_boom.png": CRASHED, "d_hang.png": TIMED_OUT}
    assert summary.text_read == 2
    assert [os.path.basename(h.path) for h in services.query("harbour").hits][:1] == ["b_harbour.png"]
    assert [os.path.basename(h.path) for h in services.query("ticket").hits][:1] == ["a_ticket.png"]
    # remembered: not tried again until the file changes
    again = services.index(read_text=True)
    assert again.text_read == 0 and again.text_failed == []
    assert services.text_status()["failed"] == 2


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    from motis_desktop.core.ocr.worker import ProcessTextReader, ReadJob

    bomb = _png_bomb(tmp_path / "bomb.png")
    fine = save(text_photo(["Sunset Bar"]), tmp_path / "fine.png")
    reader = ProcessTextReader(threads=1, timeout_s=60).start()
    try:
        refused = reader.read(ReadJob(1, str(bomb)))
        read = reader.read(ReadJob(2, str(fine)))
    finally:
        reader.close()
    assert refused.error is not None and "too large" in refused.error and reader.crashes == 0
    assert {"sunset", "bar"} <= {w.lower() for line in read.lines for w in line.text.split()}


def _large_png(path: Path, width: int, height: int) -> Path:
    """A valid ``width``×``height`` grey PNG, written row by row (small on disk, large once decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(1)
    row = b"\x00" + b"\x80" * (width * 3)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b""))
    return path


def test_a_photo_that_needs_too_much_memory_is_reported_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from motis_desktop.core.ocr.worker import MEMORY_ENV, OUT_OF_MEMORY, ProcessTextReader, ReadJob

    monkeypatch.setenv(MEMORY_ENV, "160")  # the worker may take 160 MB more than its models need
    huge = _large_png(tmp_path / "panorama.png", 12_000, 9_000)  # 108 MP: 324 MB once decoded
    fine = save(text_photo(["Sunset Bar"]), tmp_path / "fine.png")
    reader = ProcessTextReader(threads=1, timeout_s=60).start()
    try:
        refused = reader.read(ReadJob(1, str(huge)))
        read = reader.read(ReadJob(2, str(fine)))
    finally:
        reader.close()
    assert refused.error == OUT_OF_MEMORY and refused.lines == ()
    assert {"sunset", "bar"} <= {w.lower() for line in read.lines for w in line.text.split()}


def test_two_photos_that_fit_alone_but_not_together_are_both_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker decodes the next photo while it reads this one, under one memory cap: whichever of the two
    runs out there is read again alone, not recorded (for good) as needing too much memory."""
    from motis_desktop.core.ocr.worker import MEMORY_ENV, ProcessTextReader, ReadJob

    monkeypatch.setenv(MEMORY_ENV, "220")  # one 27 MP photo fits (81 MB decoded, under 200 MB at its peak), two do not
    first = _large_png(tmp_path / "first.png", 6000, 4500)
    second = _large_png(tmp_path / "second.png", 6000, 4500)
    reader = ProcessTextReader(threads=1, timeout_s=60).start()
    try:
        outcomes = [reader.read(ReadJob(1, str(first), str(second))), reader.read(ReadJob(2, str(second)))]
    finally:
        reader.close()
    assert [o.error for o in outcomes] == [None, None]
    assert [(o.width, o.height) for o in outcomes] == [(6000, 4500)] * 2
    assert reader.retried_alone == 1


def test_cancel_keeps_what_was_read_and_the_next_run_resumes(tmp_path: Path, services: Services) -> None:
    photos = tmp_path / "photos"
    for i in range(12):
        save(plain_photo((40 + 15 * i, 90, 160), size=(160, 120), seed=i), photos / f"p{i:02d}.jpg")
    services.add_folders([str(photos)])
    cancel = threading.Event()

    def progress(p: Progress) -> None:
        if p.phase == "text" and p.done >= 1:
            cancel.set()

    first = services.index(read_text=True, progress=progress, cancel=cancel)
    assert first.cancelled and 1 <= first.text_read < 12
    second = services.index(read_text=True)
    assert not second.cancelled and first.text_read + second.text_read == 12
    assert services.text_status()["read"] == 12
