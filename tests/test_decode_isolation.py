"""Decoders in worker processes: a crash costs one file, the run goes on, and no run re-crashes on it."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers.cli import import_colour_model
from helpers.fuzz import write_mutant_folder
from helpers.models import install_colour
from helpers.photos import COLOURS, colour_image, write_image

from motis_desktop.core.library import thread_plan
from motis_desktop.core.library.decode_pool import (
    BYTES_PER_PIXEL,
    CRASH_HOOK_ENV,
    CRASHED,
    ISOLATION_ENV,
    MemoryBudget,
    decode_cost,
)
from motis_desktop.core.library.indexer import Indexer, Progress, plan_threads
from motis_desktop.core.library.journal import DecodeJournal
from motis_desktop.core.library.store import LibraryStore, NewFile
from motis_desktop.core.paths import AppPaths
from motis_desktop.core.services import Services


@pytest.fixture
def services(home: Path, colour_pair) -> Services:
    svc = Services.open(home)
    install_colour(svc, colour_pair)
    yield svc
    svc.close()


def _store(services: Services) -> LibraryStore:
    """A second connection to the home's library, for testing the indexer below the door."""
    return LibraryStore(AppPaths(services.home).library_db)


def _photos(root: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` green PNGs; another ``seed`` gives other bytes (the same bytes would be copies, not encoded)."""
    return [
        write_image(root / f"photo_{i:02d}.png", colour_image(COLOURS["green"], 64, 48, seed + i)) for i in range(n)
    ]


def test_worker_crash_skips_the_file_and_is_not_retried(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _photos(tmp_path, 6)
    bomb = write_image(tmp_path / "photo_03_crash.png", colour_image(COLOURS["red"], 64, 48, 99))
    monkeypatch.setenv(CRASH_HOOK_ENV, "_crash")  # the worker that decodes this file calls os.abort()
    services.add_folders([str(tmp_path)])
    first = services.index(batch_size=2)
    assert first.encoded == 6  # the files after the crash were decoded by a fresh worker
    assert [(s.path, s.reason) for s in first.skipped] == [(str(bomb), CRASHED)]
    seen: list[Progress] = []
    second = services.index(progress=seen.append)
    assert [p for p in seen if p.phase == "encode"] == []  # nothing decoded again
    assert [(s.path, s.reason) for s in second.skipped] == [(str(bomb), CRASHED)]


def test_changed_file_that_crashed_is_tried_again(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = write_image(tmp_path / "x_crash.png", colour_image(COLOURS["red"], 64, 48, 1))
    services.add_folders([str(tmp_path)])
    monkeypatch.setenv(CRASH_HOOK_ENV, "_crash")
    assert services.index().skipped[0].reason == CRASHED
    monkeypatch.delenv(CRASH_HOOK_ENV)
    write_image(bomb, colour_image(COLOURS["red"], 80, 60, 2))  # the user replaced it
    again = services.index()
    assert again.encoded == 1
    assert again.skipped == []


def _cli_index(home: Path, folder: Path | None, **env: str) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "motis_desktop.cli.main", "index", "--json"] + ([str(folder)] if folder else [])
    return subprocess.run(
        args, capture_output=True, text=True, timeout=600, env={**os.environ, "MOTIS_HOME": str(home), **env}
    )


def test_main_process_crash_is_not_repeated(home: Path, tmp_path: Path, colour_pair) -> None:
    """Decoding in-process (isolation off), a decoder crash kills `motis index`; the journal names the culprit,
    and the next run, still with the crashing decoder, skips it and finishes."""
    photos = tmp_path / "photos"
    _photos(photos, 12)
    bomb = write_image(photos / "photo_05_crash.png", colour_image(COLOURS["red"], 64, 48, 99))
    import_colour_model(colour_pair, home)
    hooks = {ISOLATION_ENV: "0", CRASH_HOOK_ENV: "_crash"}
    crashed = _cli_index(home, photos, **hooks)
    assert crashed.returncode != 0, crashed.stdout  # the whole process died (SIGABRT)
    assert (home / "decoding.journal").exists()
    second = _cli_index(home, None, **hooks)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["skipped"] == [{"path": str(bomb), "reason": CRASHED}]
    assert summary["encoded"] + summary["unchanged"] == 12
    assert not (home / "decoding.journal").exists()


def test_journal_after_kill_blames_nobody(tmp_path: Path) -> None:
    """Files in flight when the process was killed (no fatal signal recorded) are innocent."""
    journal = DecodeJournal(tmp_path / "decoding.journal")
    journal.open()
    journal.begin(1, 111)
    journal.begin(2, 222)
    journal.end(1)
    journal._fh.close()  # the process vanished here: nothing else is written
    journal._crash_fh.close()
    recovery = DecodeJournal(tmp_path / "decoding.journal").recover()
    assert (recovery.culprits, recovery.suspects) == ([], [])


def test_journal_without_a_crashing_thread_retries_suspects_alone(tmp_path: Path) -> None:
    path = tmp_path / "decoding.journal"
    path.write_text("+1 111\n+2 222\n+3 333\n-2\n")
    path.with_name(path.name + ".crash").write_text(
        "Fatal Python error: Aborted\n\nCurrent thread 0x99 (most recent call first):\n"
    )
    recovery = DecodeJournal(path).recover()
    assert (recovery.culprits, recovery.suspects) == ([], [1, 3])


def test_journal_names_the_crashing_thread(tmp_path: Path) -> None:
    path = tmp_path / "decoding.journal"
    path.write_text("+1 111\n+2 222\n+3 333\n-2\n!7\n")
    path.with_name(path.name + ".crash").write_text(
        "Fatal Python error: Aborted\n\nCurrent thread 0x14d (most recent call first):\n"
    )
    recovery = DecodeJournal(path).recover()
    assert sorted(recovery.culprits) == [3, 7]  # 0x14d == 333; 7 crashed a worker process


def test_suspects_are_decoded_one_at_a_time_first(services: Services, tmp_path: Path) -> None:
    photos = _photos(tmp_path, 5)
    services.add_folders([str(tmp_path)])
    store = _store(services)  # scanned but not yet decoded: what a crash leaves behind
    folder_id = store.folders()[0].id
    store.apply_scan([NewFile(folder_id, str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in photos], [], [], [])
    store.close()
    ids = {r.path: r.id for r in services.files()}
    journal = services.home / "decoding.journal"
    suspects = [ids[str(photos[3])], ids[str(photos[1])]]
    journal.write_text("".join(f"+{fid} {n}\n" for n, fid in enumerate(suspects, 1)))
    journal.with_name(journal.name + ".crash").write_text("Fatal Python error: Segmentation fault\n")
    order: list[str] = []

    def record(p: Progress) -> None:
        if p.phase == "encode" and p.done:
            order.append(p.current)

    summary = services.index(progress=record, batch_size=1)
    assert summary.encoded == 5
    assert summary.skipped == []  # suspects proved innocent: encoded
    assert order[:2] == [str(photos[1]), str(photos[3])]


def test_fuzzed_images_never_stop_the_indexer(services: Services, tmp_path: Path) -> None:
    """Bounded decoder fuzz: 2-bit-flip mutants of small JPEG, PNG, APNG, GIF, WebP, TIFF and BMP seeds.
    The run finishes, and every mutant is either encoded or recorded as failed with a reason."""
    written = write_mutant_folder(tmp_path / "fuzz", per_format=60, seed=11)
    services.add_folders([str(tmp_path / "fuzz")])
    summary = services.index(batch_size=32)
    records = {r.path: r for r in services.files()}
    embedded = set(services.embeddings()[0].tolist())
    failed = {p for p, r in records.items() if r.error}
    encoded = {p for p, r in records.items() if r.id in embedded}
    assert set(records) == set(written)
    assert encoded | failed == set(written)
    assert not encoded & failed
    assert summary.encoded == len(encoded)
    assert all(records[p].error for p in failed)


def test_memory_budget_holds_a_decode_until_others_release() -> None:
    budget = MemoryBudget(limit=100)
    release_a, a_holds, b_entered = threading.Event(), threading.Event(), threading.Event()

    def a() -> None:
        with budget(80):
            a_holds.set()
            release_a.wait()

    def b() -> None:
        with budget(50):
            b_entered.set()

    ta = threading.Thread(target=a)
    ta.start()
    a_holds.wait()
    tb = threading.Thread(target=b)
    tb.start()
    assert budget.wait_for_waiting(1, timeout_s=60)  # B is held by the budget
    assert not b_entered.is_set()
    release_a.set()
    tb.join()
    ta.join()
    assert b_entered.is_set()


def test_memory_budget_lets_one_oversized_decode_run_alone() -> None:
    budget = MemoryBudget(limit=100)
    with budget(10_000):
        assert budget.used == 10_000


def test_decode_cost_from_the_header() -> None:
    big_png = cv2.imencode(".png", np.zeros((3000, 4000, 3), np.uint8))[1].tobytes()
    assert decode_cost(big_png, 224) == 4000 * 3000 * BYTES_PER_PIXEL
    big_jpeg = cv2.imencode(".jpg", np.zeros((3000, 4000, 3), np.uint8))[1].tobytes()
    assert decode_cost(big_jpeg, 224) == 4000 * 3000 * BYTES_PER_PIXEL // 16  # decoded at 1/4 scale


def _corrupt_png(path: Path) -> Path:
    """A PNG whose compressed data is damaged but whose chunk CRCs are right: libpng complains on stderr."""
    from helpers.fuzz import fix_png_crcs

    data = bytearray(write_image(path, colour_image(COLOURS["blue"], 64, 48, 5)).read_bytes())
    idat = data.find(b"IDAT")
    data[idat + 20 : idat + 40] = bytes(20)
    path.write_bytes(fix_png_crcs(bytes(data)))
    return path


def test_decoder_warnings_go_to_the_log(services: Services, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    bad = _corrupt_png(tmp_path / "damaged.png")
    services.add_folders([str(tmp_path)])
    with caplog.at_level(logging.INFO, logger="motis_desktop"):
        summary = services.index()
    assert summary.skipped[0].path == str(bad)
    messages = [r.getMessage() for r in caplog.records if str(bad) in r.getMessage()]
    assert any("libpng error" in m for m in messages), messages


def test_decoder_warnings_stay_off_the_terminal(home: Path, tmp_path: Path, colour_pair) -> None:
    photos = tmp_path / "photos"
    _photos(photos, 2)
    _corrupt_png(photos / "damaged.png")
    import_colour_model(colour_pair, home)
    proc = _cli_index(home, photos)
    assert proc.returncode == 0, proc.stderr
    assert "libpng" not in proc.stderr + proc.stdout


def test_a_cancelled_run_leaves_idle_workers_and_none_outlives_close(services: Services, tmp_path: Path) -> None:
    _photos(tmp_path, 12)
    services.add_folders([str(tmp_path)])
    cancel = threading.Event()

    def cancel_after_first_batch(p: Progress) -> None:
        if p.phase == "encode" and p.done:
            cancel.set()

    before = set(multiprocessing.active_children())  # other tests' children closing on their own are not ours
    summary = services.index(progress=cancel_after_first_batch, cancel=cancel, batch_size=4)
    assert summary.cancelled
    assert summary.encoded == 4
    workers = _decoders(before)
    assert workers, "the cancelled run left no idle decoder workers"
    rest = services.index()  # the cancelled run's files still in the workers do not leak into this one
    assert (rest.cancelled, rest.encoded, rest.skipped) == (False, 8, [])
    workers |= _decoders(before)
    services.close()  # returns once it has joined (or killed) every worker: no waiting on a clock here
    assert [p.name for p in workers if p.is_alive()] == []


def _decoders(before: set[multiprocessing.process.BaseProcess]) -> set[multiprocessing.process.BaseProcess]:
    """The decoder worker processes started since ``before`` was taken and still running."""
    return {p for p in multiprocessing.active_children() if p not in before and p.name.startswith("motis-decode")}


def test_falls_back_to_threads_when_processes_cannot_start(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from motis_desktop.core.library import decode_pool

    def refuse(self: decode_pool.ProcessDecodePool) -> None:
        raise OSError("processes are not allowed here")

    monkeypatch.setattr(decode_pool.ProcessDecodePool, "start", refuse)
    _photos(tmp_path, 3)
    services.add_folders([str(tmp_path)])
    with caplog.at_level(logging.WARNING, logger="motis_desktop"):
        assert services.index().encoded == 3
    assert any("decoding in this process" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("cores", [1, 2, 3, 4, 8, 16, 64])
def test_plan_gives_the_engine_every_core_only_where_no_split_works(
    cores: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOTIS_ENGINE_THREADS", raising=False)
    monkeypatch.delenv("MOTIS_DECODE_WORKERS", raising=False)
    monkeypatch.setattr(thread_plan, "has_vnni", lambda: False)
    plan = plan_threads(cores)
    assert plan.decode_workers >= 1 and plan.engine_threads >= 1
    if cores <= 2:  # one low-priority decoder beside an engine with every core
        assert (plan.engine_threads, plan.decode_workers) == (cores, 1)
    else:
        assert plan.engine_threads + plan.decode_workers == cores


@pytest.mark.parametrize("cores", [1, 2, 4])
def test_two_cores_with_vnni_get_a_second_decoder(cores: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A VNNI CPU's int8 engine is twice as fast: on 2 cores one decoder bounded the run (6.9-7.5 s for 200 camera
    JPEGs against 6.35-6.6 s with two, docs/benchmarks.md); elsewhere the plan is as without VNNI."""
    monkeypatch.delenv("MOTIS_ENGINE_THREADS", raising=False)
    monkeypatch.delenv("MOTIS_DECODE_WORKERS", raising=False)
    monkeypatch.setattr(thread_plan, "has_vnni", lambda: False)
    without = plan_threads(cores)
    monkeypatch.setattr(thread_plan, "has_vnni", lambda: True)
    plan = plan_threads(cores)
    expected = 2 if cores == 2 else without.decode_workers
    assert (plan.engine_threads, plan.decode_workers) == (without.engine_threads, expected)


@pytest.mark.parametrize(
    ("cores", "engine", "lanes", "session"),
    [(2, 2, 2, 1), (4, 3, 2, 2), (16, 11, 2, 10)],  # 2 cores: a thread per lane, no pool (as measured)
)
def test_lanes_and_the_session_pool_add_up_to_the_engine_threads(
    cores: int, engine: int, lanes: int, session: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lanes call one session: its pool (session threads - 1 workers) + the lanes' calling threads."""
    for name in ("MOTIS_ENGINE_THREADS", "MOTIS_DECODE_WORKERS", "MOTIS_ENGINE_LANES"):
        monkeypatch.delenv(name, raising=False)
    plan = plan_threads(cores)
    assert (plan.engine_threads, plan.engine_lanes, plan.session_threads) == (engine, lanes, session)
    assert (plan.session_threads - 1) + plan.engine_lanes == plan.engine_threads


def test_plan_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTIS_ENGINE_THREADS", "3")
    monkeypatch.setenv("MOTIS_DECODE_WORKERS", "2")
    assert (plan_threads(8).engine_threads, plan_threads(8).decode_workers) == (3, 2)


def test_decoders_keep_running_while_the_engine_runs(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No pause: files are handed to decoders while a batch is being encoded."""
    _photos(tmp_path, 12)
    services.add_folders([str(tmp_path)])
    encoder = services.encoder()
    events: list[str] = []
    engine_running = threading.Event()
    started_while_running = threading.Event()
    real_encode = encoder.encode_images

    def encode(batch: np.ndarray) -> np.ndarray:
        engine_running.set()
        # the engine stays busy until a decoder has been handed a new file (or every file is out)
        started_while_running.wait(timeout=30)
        out = real_encode(batch)
        engine_running.clear()
        events.append("batch")
        return out

    monkeypatch.setattr(encoder, "encode_images", encode)
    indexer = Indexer(_store(services), encoder, batch_size=3, workers=1, engine_threads=1, prefetch_batches=1)
    real_begin = indexer.journal.begin

    def begin(fid: int, thread: int = 0) -> None:
        if engine_running.is_set():
            events.append("start during engine")
            started_while_running.set()
        real_begin(fid, thread)

    monkeypatch.setattr(indexer.journal, "begin", begin)
    assert indexer.run().encoded == 12
    assert events.count("start during engine") >= 1
    assert events.count("batch") == 4


def test_decode_workers_are_reused_across_runs(services: Services, tmp_path: Path) -> None:
    """Services keeps its decoder processes between indexing runs and stops them when it closes."""
    # processes an earlier test in this worker left (e.g. the display decoders, kept until exit) are not ours
    before = {p.pid for p in multiprocessing.active_children()}

    def ours() -> list[int]:
        return sorted(p.pid for p in multiprocessing.active_children() if p.pid not in before)

    _photos(tmp_path, 3)
    services.add_folders([str(tmp_path)])
    assert services.index().encoded == 3
    first = ours()
    assert first
    _photos(tmp_path / "more", 3, seed=100)
    services.add_folders([str(tmp_path / "more")])
    assert services.index().encoded == 3
    assert ours() == first
    services.close()
    assert ours() == []


def test_indexing_turns_off_the_engine_threads_spinning(services: Services, tmp_path: Path) -> None:
    """While indexing, the image tower's idle intra-op threads sleep instead of spinning (their cores go to
    the decoders)."""
    _photos(tmp_path, 3)
    services.add_folders([str(tmp_path)])
    encoder = services.encoder()
    assert encoder.spinning is not False
    assert services.index().encoded == 3
    assert services.encoder().spinning is False


def test_a_library_already_up_to_date_never_loads_the_image_tower(
    services: Services, home: Path, tmp_path: Path
) -> None:
    """The app's start-up pass over a library with nothing new must not pay the image tower's memory."""
    _photos(tmp_path, 3)
    services.add_folders([str(tmp_path)])
    assert services.index().encoded == 3
    assert "image" in services.encoder().loaded
    services.close()
    again = Services.open(home)  # the next start of the app
    try:
        summary = again.index()
        assert (summary.encoded, summary.unchanged) == (0, 3)
        assert "image" not in again.encoder().loaded
    finally:
        again.close()


def test_a_run_with_nothing_to_encode_starts_no_decoder_process(
    services: Services, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`motis index` on an unchanged library (and the app's pass at launch) paid the decoder workers' start (~0.6 s
    on 2 cores) and waited for it at close; only a run that has photos to decode starts them."""
    from motis_desktop.core.library import process_pool

    launched: list[int] = []
    real_launch = process_pool.ProcessDecodePool._launch

    def launch(self: process_pool.ProcessDecodePool, slot: int) -> object:
        launched.append(slot)
        return real_launch(self, slot)

    monkeypatch.setattr(process_pool.ProcessDecodePool, "_launch", launch)
    _photos(tmp_path, 3)
    services.add_folders([str(tmp_path)])
    assert services.index().encoded == 3
    assert launched, "the first run, which had photos to decode, started no worker"
    services.close()
    launched.clear()
    again = Services.open(home)  # the next `motis index`: nothing new
    try:
        summary = again.index()
        assert (summary.encoded, summary.unchanged) == (0, 3)
        assert launched == []
        _photos(tmp_path / "new", 1, seed=50)  # one new photo: the workers start for it
        assert again.index().encoded == 1
        assert launched
    finally:
        again.close()


# A `motis` process killed (kill -9, the OOM killer) while its decoder pool is made: the kill lands as Python's
# resource tracker, the process that unlinks what a killed process leaves, is being started; the script prints
# the name of each named semaphore the pool made before that.
_KILLED_AS_THE_TRACKER_STARTS = """
import os, signal
from multiprocessing import synchronize, util
make_name = synchronize.SemLock._make_name
def named():
    name = make_name()
    print(name, flush=True)
    return name
synchronize.SemLock._make_name = staticmethod(named)
util.spawnv_passfds = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # how the tracker is started
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.library.decode_pool import ProcessDecodePool
ProcessDecodePool(PreprocessConfig())
"""


def test_a_kill_while_the_decoders_are_made_leaves_no_semaphore_behind() -> None:
    """The pool's memory budget is a cross-process condition: four named semaphores. The first was made before
    the resource tracker ran, so a kill while the tracker started (milliseconds; one of the six kills of
    test_sigkill_at_random_moments_then_resume landed there in a full run) left it in /dev/shm until a reboot:
    the tracker now runs first."""
    import _multiprocessing

    proc = subprocess.run([sys.executable, "-c", _KILLED_AS_THE_TRACKER_STARTS], capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr  # killed as the tracker started
    left = []
    for name in proc.stdout.split():
        try:
            _multiprocessing.sem_unlink(name)  # the test's own cleanup: it was still there
            left.append(name)
        except FileNotFoundError:
            pass
    assert left == []
