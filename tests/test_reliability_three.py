"""Issue 24, reliability round three: each hole a hostile run found, with the test that shows it closed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from helpers.damage import scramble_files_table
from helpers.models import install_colour
from helpers.photos import make_colour_folder
from helpers.serving import serving

from motis_desktop.cli import entry, server
from motis_desktop.core.services import Services


def _library(home: Path, photos: Path, colour_pair, per_colour: int) -> Services:
    svc = Services.open(home)
    install_colour(svc, colour_pair)
    make_colour_folder(photos, per_colour=per_colour)
    svc.add_folders([str(photos)])
    svc.index()
    return svc


# -- 1. the query service never answers for another library ---------------------------------------------


@pytest.fixture(scope="module")
def two_libraries(tmp_path_factory: pytest.TempPathFactory, colour_pair):
    """Library A (6 colours × 3 photos) and library B (6 × 1), both indexed."""
    tmp_path = tmp_path_factory.mktemp("two-libraries")
    a = _library(tmp_path / "home-a", tmp_path / "photos-a", colour_pair, per_colour=3)
    b = _library(tmp_path / "home-b", tmp_path / "photos-b", colour_pair, per_colour=1)
    yield a, b
    a.close()
    b.close()


def _entry_search(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "argv", ["motis", *argv])
    rc = entry.main()
    return rc, capsys.readouterr()


@pytest.mark.parametrize("where", ["after", "after=", "before"])
def test_home_given_anywhere_is_the_library_that_answers(
    two_libraries, where: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two_libraries
    monkeypatch.setenv("MOTIS_HOME", str(a.home))  # the default home is A, where the service runs
    query = ["red", "--all", "--json"]
    argv = {
        "after": ["search", "--home", str(b.home), *query],
        "after=": ["search", f"--home={b.home}", *query],
        "before": ["--home", str(b.home), "search", *query],
    }[where]
    with serving(a) as service:
        rc, out = _entry_search(argv, capsys, monkeypatch)
        assert service.served == 0  # A's service was not asked (or refused)
        rc_a, out_a = _entry_search(["search", *query], capsys, monkeypatch)
        assert service.served == 1
    assert rc == 0 and rc_a == 0, out.err + out_a.err
    assert len(json.loads(out.out)) == 6  # B's photos
    assert len(json.loads(out_a.out)) == 18  # A's photos
    assert all(str(b.home.parent / "photos-b") in hit["path"] for hit in json.loads(out.out))


def test_service_refuses_a_request_for_another_home(two_libraries) -> None:
    a, b = two_libraries
    with serving(a) as service:
        # A client that reaches A's socket but means B (or names B inside the arguments) gets no answer,
        # so it searches B in-process; it is never answered from A.
        assert server.forward_search(a.home, ["red", "--all"], home_claim=b.home) is None
        assert server.forward_search(a.home, ["--home", str(b.home), "red", "--all"]) is None
        assert server.forward_search(a.home, ["red", "--all"]) is not None
        assert service.served == 1


def _search_in_thread(home: Path, argv: list[str]) -> tuple[threading.Event, list]:
    done, box = threading.Event(), []

    def run() -> None:
        box.append(server.forward_search(home, argv))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done, box


# -- 6. slow or idle clients do not stall the query service --------------------------------------------------


def test_idle_connections_do_not_delay_a_search(two_libraries) -> None:
    import socket as socketlib

    a, _ = two_libraries
    with serving(a) as service, contextlib.ExitStack() as stack:
        for _ in range(8):  # connected, and never sending a byte
            idle = stack.enter_context(socketlib.socket(socketlib.AF_UNIX))
            idle.connect(str(service.path))
        dribbler = stack.enter_context(socketlib.socket(socketlib.AF_UNIX))
        dribbler.connect(str(service.path))
        dribbler.sendall(b'{"op": "search", "argv": ["re')  # half a request, the rest never comes
        done, box = _search_in_thread(a.home, ["red", "-k", "2"])
        # The old service read each connection for up to 10 s before the next: 8 idle ones held a search 80 s.
        assert done.wait(30), "a search waited behind idle connections"
    assert box[0] is not None and box[0][0] == 0 and sum("red_" in line for line in box[0][1].splitlines()) == 2


def test_idle_and_oversized_requests_are_cut_off(two_libraries) -> None:
    import socket as socketlib

    a, _ = two_libraries
    with serving(a) as service:
        service_timeout = service.REQUEST_TIMEOUT_S
        with socketlib.socket(socketlib.AF_UNIX) as idle, socketlib.socket(socketlib.AF_UNIX) as big:
            idle.connect(str(service.path))
            big.connect(str(service.path))
            with contextlib.suppress(OSError):
                big.sendall(b"x" * (server.MAX_REQUEST + 1))  # no newline, longer than any request
            big.settimeout(60)
            assert big.recv(100) == b""  # closed without an answer
            idle.settimeout(service_timeout + 60)
            assert idle.recv(100) == b""  # closed once its time to send a request ran out
        assert server.forward_search(a.home, ["red", "-k", "1"])[0] == 0


def test_service_refuses_a_request_without_a_home(two_libraries) -> None:
    a, _ = two_libraries
    import socket as socketlib

    with serving(a) as service, socketlib.socket(socketlib.AF_UNIX) as sock:
        sock.connect(str(service.path))
        sock.sendall(json.dumps({"op": "search", "argv": ["red"], "cwd": "/"}).encode() + b"\n")
        reply = json.loads(server._read_line(sock, 1 << 20))
    assert reply.get("refused") and "rc" not in reply


# -- 9. small things: empty --home, batch size 0 ---------------------------------------------------------


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from motis_desktop.cli.main import main

    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's usage errors
        rc = exc.code if isinstance(exc.code, int) else 2
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("argv", [["--home", "", "status"], ["status", "--home", ""], ["status", "--home= "]])
def test_empty_home_is_a_usage_error(
    argv: list[str], home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # before the fix, "--home= " made a library named " " here
    rc, out, err = _cli(argv, capsys)
    assert rc == 2 and "home" in err and "empty" in err
    assert str(home) not in out  # the default home was not used


def test_empty_home_on_search_is_a_usage_error_through_the_entry_point(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["motis", "search", "--home", "", "red"])
    with pytest.raises(SystemExit) as exc:
        entry.main()
    assert exc.value.code == 2 and "empty" in capsys.readouterr().err


def test_empty_home_is_refused_by_the_core() -> None:
    from motis_desktop.core.errors import MotisError

    with pytest.raises(MotisError, match="empty"):
        Services.open("")


@pytest.mark.parametrize("size", ["0", "-3"])
def test_index_batch_size_below_one_is_a_usage_error(size: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = _cli(["index", "--batch-size", size], capsys)
    assert rc == 2 and "--batch-size" in err and "at least 1" in err


# -- 7. the library is private to its user -----------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_new_home_and_database_are_private(tmp_path: Path, colour_pair, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "umask", os.umask)  # restored below whatever happens
    old = os.umask(0o022)  # the usual umask: what made the home 0755 and the database 0644
    try:
        home = tmp_path / "new" / "home"
        svc = _library(home, tmp_path / "photos", colour_pair, per_colour=1)
    finally:
        os.umask(old)
    svc.counts(None)  # the library open: its -wal and -shm exist
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    for name in ("models", "cache"):
        assert stat.S_IMODE(os.stat(home / name).st_mode) == 0o700
    db = home / "library.sqlite3"
    parts = [p for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")) if p.exists()]
    assert len(parts) >= 2  # the database and at least its WAL
    for part in parts:
        assert stat.S_IMODE(os.stat(part).st_mode) == 0o600, part
    assert svc.privacy_warning is None
    svc.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_existing_wide_home_gets_a_warning_and_keeps_its_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "shared"
    home.mkdir()
    home.chmod(0o755)
    rc, _, err = _cli(["--home", str(home), "config", "text", "on"], capsys)  # a command that writes
    assert rc == 0
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and str(home) in warnings[0] and "0755" in warnings[0] and "chmod 700" in warnings[0]
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o755  # warned, not silently changed
    rc, _, err = _cli(["--home", str(home), "status"], capsys)
    assert rc == 0 and "warning" not in err  # reading: not said on every search and status (QA walk 6)
    home.chmod(0o700)
    rc, _, err = _cli(["--home", str(home), "config", "text", "on"], capsys)
    assert rc == 0 and "warning" not in err


# -- 2. a full disk, a read-only disk, a locked or a damaged library: one line each, and the library resumes --


@contextlib.contextmanager
def _tmpfs(where: Path, size: str):
    """A real small file system at ``where`` (tmpfs), or a skip saying why this machine cannot make one."""
    if os.name != "posix" or not shutil.which("mount"):
        pytest.skip("needs mount(8) to make a small file system")
    where.mkdir(parents=True)
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {proc.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _fill(disk: Path) -> Path:
    """Write a file until the disk has no space left; returns it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * size)
    finally:
        os.close(fd)
    return filler


def test_full_disk_says_so_in_one_line_and_the_library_resumes(tmp_path: Path, colour_pair) -> None:
    from helpers.cli import import_colour_model, run_cli

    with _tmpfs(tmp_path / "disk", "8m") as disk:
        home = disk / "home"
        import_colour_model(colour_pair, home)
        photos = tmp_path / "photos"
        make_colour_folder(photos / "first", per_colour=2)
        run_cli("index", str(photos), home=home)
        make_colour_folder(photos / "second", per_colour=2)
        filler = _fill(disk)
        proc = run_cli("index", home=home, check=False)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 1, proc.stderr
        assert len(lines) == 1 and "disk is full" in lines[0], proc.stderr
        assert "internal error" not in proc.stderr and "rollback" not in proc.stderr
        status = json.loads(run_cli("status", "--json", home=home).stdout)  # still opens, full disk and all
        assert status["indexed"] == 12
        filler.unlink()
        run_cli("index", home=home)  # resumes where it stopped
        status = json.loads(run_cli("status", "--json", home=home).stdout)
        assert (status["files"], status["indexed"], status["errors"]) == (24, 24, 0)


def test_disk_filling_up_during_a_run_is_named_and_the_same_process_resumes(tmp_path: Path, colour_pair) -> None:
    from motis_desktop.core.errors import MotisError, WriteProblem, user_message
    from motis_desktop.core.library.store import LibraryStore

    with _tmpfs(tmp_path / "disk", "8m") as disk:
        photos = tmp_path / "photos"
        svc = _library(disk / "home", photos / "first", colour_pair, per_colour=2)  # open, with its -wal and -shm
        make_colour_folder(photos / "first" / "more", per_colour=2, seed=100)  # other bytes: encoded, not copies
        filler = _fill(disk)
        with pytest.raises(MotisError) as exc:  # before: "OperationalError: cannot rollback - no transaction..."
            svc.index()
        assert getattr(exc.value, "kind", None) is WriteProblem.DISK_FULL, user_message(exc.value)
        assert "disk is full" in user_message(exc.value) and "\n" not in user_message(exc.value)
        assert svc.counts(svc.active_model().model_id)["indexed"] == 12  # what was saved before is intact
        filler.unlink()
        summary = svc.index()
        svc.close()
        store = LibraryStore(disk / "home" / "library.sqlite3")
        assert summary.encoded == 12 and store.integrity_check() == "ok"
        store.close()


def test_read_only_disk_is_named_and_the_library_resumes(tmp_path: Path, colour_pair) -> None:
    from motis_desktop.core.errors import LibraryWriteError, WriteProblem, user_message

    with _tmpfs(tmp_path / "disk", "8m") as disk:
        svc = _library(disk / "home", tmp_path / "photos", colour_pair, per_colour=1)
        svc.close()
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        svc = Services.open(disk / "home")
        assert len(svc.query("red", limit=3, cutoff=False).hits) == 3  # searching works
        with pytest.raises(LibraryWriteError) as exc:
            svc.remove_folder(str(tmp_path / "photos"))
        assert exc.value.kind is WriteProblem.READ_ONLY
        assert "read-only" in user_message(exc.value) and "\n" not in user_message(exc.value)
        svc.close()
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        svc = Services.open(disk / "home")
        assert svc.remove_folder(str(tmp_path / "photos")) == 6
        svc.close()


def test_locked_library_is_named(tmp_path: Path) -> None:
    from motis_desktop.core.errors import LibraryWriteError, WriteProblem, user_message
    from motis_desktop.core.library.store import LibraryStore

    db = tmp_path / "library.sqlite3"
    holder = LibraryStore(db)
    waiter = LibraryStore(db, timeout_s=0.2)
    with holder.transaction():
        with pytest.raises(LibraryWriteError) as exc:
            waiter.add_folder(str(tmp_path / "photos"))
    assert exc.value.kind is WriteProblem.LOCKED and "busy" in user_message(exc.value)
    assert waiter.add_folder(str(tmp_path / "photos")).path == str(tmp_path / "photos")  # and then it works
    holder.close()
    waiter.close()


def test_damage_found_while_writing_is_named_and_the_next_start_recovers(
    tmp_path: Path, colour_pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    from motis_desktop.core.errors import LibraryWriteError, WriteProblem, user_message
    from motis_desktop.core.library import database as database_module
    from motis_desktop.core.library import store as store_module
    from motis_desktop.core.library.store import ChangedFile

    svc = _library(tmp_path / "home", tmp_path / "photos", colour_pair, per_colour=4)
    db = svc.home / "library.sqlite3"
    file_id = svc.files()[0].id
    svc.close()
    scramble_files_table(db)
    monkeypatch.setattr(database_module, "QUICK_CHECK_MAX_BYTES", 0)  # as for a library too big to check at start
    store = store_module.LibraryStore(db)
    with pytest.raises(LibraryWriteError) as exc:
        store.apply_scan([], [ChangedFile(file_id, 1, 1)], [], [])
    assert exc.value.kind is WriteProblem.CORRUPT and "damaged" in user_message(exc.value)
    store.close()
    monkeypatch.undo()
    svc = Services.open(tmp_path / "home")
    svc.open_library()  # the check at start finds the damage: set aside, a fresh library with the same folder
    assert svc.recovery_notice() and [f.path for f in svc.folders()] == [str(tmp_path / "photos")]
    assert svc.index().encoded == 24
    svc.close()


# -- 3. two processes adding the same folder at once -------------------------------------------------------


def _add_at_once(db: Path, folders: list[str]) -> list[BaseException]:
    """Each folder added by its own connection (as separate processes have), all released at the same moment."""
    from motis_desktop.core.library.store import LibraryStore

    stores = [LibraryStore(db) for _ in folders]
    start = threading.Barrier(len(folders))
    errors: list[BaseException] = []

    def add(store: LibraryStore, folder: str) -> None:
        start.wait()
        try:
            store.add_folder(folder)
        except BaseException as exc:  # noqa: BLE001  (collected and reported by the test)
            errors.append(exc)

    threads = [threading.Thread(target=add, args=pair) for pair in zip(stores, folders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for store in stores:
        store.close()
    return errors


def test_the_same_folder_added_at_once_by_many_connections(tmp_path: Path) -> None:
    from motis_desktop.core.library.store import LibraryStore

    for attempt in range(60):
        db = tmp_path / f"library-{attempt}.sqlite3"
        errors = _add_at_once(db, [str(tmp_path / "photos")] * 6)
        assert not errors, f"attempt {attempt}: {errors[0]!r}"
        store = LibraryStore(db)
        assert [f.path for f in store.folders()] == [str(tmp_path / "photos")]
        store.close()


def test_a_folder_and_its_subfolder_added_at_once_end_as_one_root(tmp_path: Path) -> None:
    from motis_desktop.core.library.store import LibraryStore

    top, sub = str(tmp_path / "photos"), str(tmp_path / "photos" / "2024")
    for attempt in range(40):
        db = tmp_path / f"library-{attempt}.sqlite3"
        errors = _add_at_once(db, [top, sub, top, sub])
        assert not errors, f"attempt {attempt}: {errors[0]!r}"
        store = LibraryStore(db)
        assert [f.path for f in store.folders()] == [top]
        store.close()


def test_the_same_folder_added_by_concurrent_processes(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from motis_desktop.core.library.store import LibraryStore; "
        "s = LibraryStore(Path(sys.argv[1])); sys.stdin.read(1); s.add_folder(sys.argv[2]); print('added')"
    )
    for attempt in range(4):
        db = tmp_path / f"library-{attempt}.sqlite3"
        from motis_desktop.core.library.store import LibraryStore

        LibraryStore(db).close()  # created (and migrated) once, as a first run would
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(db), str(tmp_path / "photos")],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(5)
        ]
        for proc in procs:  # every process has opened the library; now let them all go
            proc.stdin.write("go")
            proc.stdin.close()
        errors = [proc.stderr.read() for proc in procs]
        assert all(proc.wait(timeout=300) == 0 for proc in procs), [err for err in errors if err]
        store = LibraryStore(db)
        assert [f.path for f in store.folders()] == [str(tmp_path / "photos")]
        store.close()


# -- 4. deeply nested JSON is one line, never a RecursionError ----------------------------------------------

DEEP = "[" * 200_000 + "]" * 200_000


def test_deeply_nested_captions_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    captions = tmp_path / "captions.json"
    captions.write_text('{"images": ' + DEEP + "}")
    (tmp_path / "images").mkdir()
    rc, _, err = _cli(["eval", "--captions", str(captions), "--images", str(tmp_path / "images")], capsys)
    assert rc == 1 and len(err.strip().splitlines()) == 1, err
    assert "nested too deeply" in err and "internal error" not in err and str(captions) in err


def test_deeply_nested_safetensors_header(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = ('{"w": ' + DEEP + "}").encode()
    checkpoint = tmp_path / "model.safetensors"
    checkpoint.write_bytes(len(header).to_bytes(8, "little") + header + b"\0" * 16)
    rc, _, err = _cli(["models", "import", "--checkpoint", str(checkpoint), "--name", "deep"], capsys)
    assert rc == 1 and len(err.strip().splitlines()) == 1, err
    assert "nested too deeply" in err and "internal error" not in err and str(checkpoint) in err


def test_deeply_nested_settings_manifest_and_preprocess_files(
    home: Path, tmp_path: Path, colour_pair, capsys: pytest.CaptureFixture[str]
) -> None:
    (home / "config.json").write_text(DEEP)  # settings: unreadable JSON means the defaults
    rc, out, err = _cli(["status"], capsys)
    assert rc == 0 and "internal error" not in err, err
    folder = home / "models" / "deep"
    folder.mkdir(parents=True)
    (folder / "model.json").write_text('{"name": ' + DEEP + "}")
    (home / "config.json").write_text('{"active_model": "deep"}')
    rc, _, err = _cli(["status"], capsys)
    assert rc == 1 and "nested too deeply" in err and "internal error" not in err, err
    pair = tmp_path / "pair"
    pair.mkdir()
    for src in colour_pair:
        (pair / src.name).write_bytes(src.read_bytes())
    (pair / "preprocess.json").write_text(DEEP)
    rc, _, err = _cli(
        ["models", "import", "--image", str(pair / colour_pair[0].name), "--text", str(pair / colour_pair[1].name)]
        + ["--name", "c2"],
        capsys,
    )
    assert rc == 1 and "nested too deeply" in err and "internal error" not in err, err


def test_deeply_nested_request_to_the_query_service(two_libraries) -> None:
    import socket as socketlib

    a, _ = two_libraries
    with serving(a) as service:
        with socketlib.socket(socketlib.AF_UNIX) as sock:
            sock.connect(str(service.path))
            sock.sendall(("[" * 60_000 + "\n").encode())
            sock.settimeout(60)
            assert sock.recv(100) == b""  # no answer, and the service goes on
        assert server.forward_search(a.home, ["red", "-k", "1"])[0] == 0


# -- 9. a bad checkpoint is one line; a wrong tower names the user's file -----------------------------------


def test_bad_checkpoint_is_one_line_without_torch_warnings(tmp_path: Path, home: Path) -> None:
    import pickle

    from helpers.cli import run_cli_process  # a real process: pytest would catch the warning in-process

    checkpoint = tmp_path / "weights.pt"
    checkpoint.write_bytes(pickle.dumps({"visual.proj": [1, 2, 3]}, protocol=4))  # torch warns about protocol 4
    proc = run_cli_process("models", "import", "--checkpoint", str(checkpoint), "--name", "bad", home=home, check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()], proc.stderr  # one line: no UserWarning
    assert str(checkpoint) in proc.stderr and "Warning" not in proc.stderr


def test_image_tower_given_as_text_names_the_users_file(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from helpers.seed_mobile import fixture

    monkeypatch.setenv("MOTIS_CONVERT_MOBILE", "1")  # convert on the way in, as torch builds without XNNPACK do
    image = fixture("colour_image_encoder.pt")
    rc, _, err = _cli(["models", "import", "--image", str(image), "--text", str(image), "--name", "x"], capsys)
    errors = [line for line in err.splitlines() if not line.startswith("note: TorchScript files can run code")]
    assert rc == 1 and len(errors) == 1, err
    assert ".convert-" not in err and str(image) in err
    assert [p.name for p in (home / "models").iterdir()] == []  # nothing left behind


# -- 5. working folders of an interrupted model import are cleaned at the next start ---------------------------

_HOLD_STAGING = (
    "import sys; from pathlib import Path; from motis_desktop.core.models.staging import make_staging; "
    "d = Path(sys.argv[1]); print(make_staging(d, 'convert', 'm')); print(make_staging(d, 'import', 'm')); "
    "print(make_staging(d, 'int8', 'm')); "
    "sys.stdout.flush(); sys.stdin.read()"
)


def _holding(models: Path) -> tuple[subprocess.Popen, list[Path]]:
    """A real process that made its working folders and is still running (until its stdin closes)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD_STAGING, str(models)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    return proc, [Path(proc.stdout.readline().strip()) for _ in range(3)]  # convert, import, int8 (fit_int8)


def test_working_folders_of_a_killed_import_go_at_next_start(home: Path) -> None:
    models = home / "models"
    models.mkdir(exist_ok=True)
    killed, killed_dirs = _holding(models)
    running, running_dirs = _holding(models)
    killed.kill()  # SIGKILL: no cleanup of its own
    killed.wait()
    assert all(d.is_dir() for d in killed_dirs + running_dirs)
    Services.open(home).close()  # the next start
    assert not any(d.exists() for d in killed_dirs)
    assert all(d.is_dir() for d in running_dirs)  # an import running right now keeps its folders
    running.stdin.close()
    running.wait()


def test_working_folders_without_a_pid_go_when_a_day_old(home: Path) -> None:
    models = home / "models"
    stale, fresh = models / ".convert-m-abc123", models / ".import-m-def456"  # as older versions named them
    for folder in (stale, fresh):
        folder.mkdir(parents=True)
        (folder / "image_encoder.pt").write_bytes(b"x" * 1000)
    os.utime(stale, (os.path.getatime(stale), os.path.getmtime(stale) - 2 * 24 * 3600))
    Services.open(home).close()
    assert not stale.exists() and fresh.is_dir()


def test_a_replace_cut_between_its_renames_gets_its_model_back(home: Path, colour_pair) -> None:
    svc = Services.open(home)
    install_colour(svc, colour_pair)
    svc.import_pair(*colour_pair, name="other")
    svc.close()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended
    models = home / "models"
    os.replace(models / "colour", models / f".old-colour-{pid}")  # cut after the first rename
    (models / f".old-other-{pid}").mkdir()  # cut after both renames, before deleting the old copy
    svc = Services.open(home)
    assert sorted(m.name for m in svc.installed_models()) == ["colour", "other"]
    assert sorted(p.name for p in models.iterdir()) == ["colour", "other"]
    svc.close()


def test_a_real_import_killed_midway_leaves_nothing_after_the_next_start(home: Path) -> None:
    from helpers.seed_mobile import fixture
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    models = home / "models"
    models.mkdir(exist_ok=True)
    appeared = threading.Event()

    class Staging(FileSystemEventHandler):
        def on_created(self, event) -> None:  # noqa: ANN001
            if Path(str(event.src_path)).name.startswith(".convert-"):
                appeared.set()

    observer = Observer()
    observer.schedule(Staging(), str(models))
    observer.start()
    env = {**os.environ, "MOTIS_HOME": str(home), "MOTIS_CONVERT_MOBILE": "1"}
    argv = ["--image", str(fixture("colour_image_encoder.pt")), "--text", str(fixture("colour_text_encoder.pt"))]
    interrupted = False
    try:
        for attempt in range(5):
            appeared.clear()
            proc = subprocess.Popen(
                [sys.executable, "-m", "motis_desktop.cli.main", "models", "import", *argv, "--name", f"m{attempt}"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if appeared.wait(300):
                proc.kill()
            proc.wait()
            leftovers = [p for p in models.iterdir() if p.name.startswith(".")]
            if proc.returncode == -9 and leftovers:
                interrupted = True
                break
    finally:
        observer.stop()
        observer.join()
    assert interrupted, "every import finished before it could be killed"
    Services.open(home).close()
    assert [p.name for p in models.iterdir() if p.name.startswith(".")] == []


def test_desktop_app_refuses_an_empty_home(qapp, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from motis_desktop.gui import app

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    assert app.main(["--home", ""]) == 1
    assert len(shown) == 1 and "empty" in shown[0]


def test_unreadable_open_clip_config_is_one_line_naming_the_file(tmp_path: Path) -> None:
    from motis_desktop.core.errors import ModelError
    from motis_desktop.core.models.encoders.open_clip_hf import read_config

    path = tmp_path / "open_clip_config.json"
    for text, why in ((DEEP, "nested too deeply"), ('{"model_cfg": ', "Expecting value")):
        path.write_text(text)
        with pytest.raises(ModelError) as raised:
            read_config(path)
        message = str(raised.value)
        assert message.startswith(f"{path}: unreadable open_clip config (") and why in message
        assert "\n" not in message
    path.unlink()
    with pytest.raises(ModelError, match="unreadable open_clip config"):
        read_config(path)  # gone: the same one line


def test_read_only_home_measures_modes_in_memory_and_keeps_its_towers(
    tmp_path: Path, colour_pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read-only home whose cached precision choice is out of date (a new version, another CPU) and whose int8
    towers were made for the other kind of CPU: search still answers (the towers cannot be made again and the
    choice cannot be cached; before, the choice's OSError stopped the model from loading)."""
    import json

    from motis_desktop.core.models import precision

    monkeypatch.delenv(precision.MODE_ENV, raising=False)  # conftest pins fp32; this test needs the measurement
    with _tmpfs(tmp_path / "disk", "16m") as disk:
        svc = _library(disk / "home", tmp_path / "photos", colour_pair, per_colour=1)
        info = svc.active_model()
        assert info is not None and svc.encoder() is not None
        svc.close()
        cache = disk / "home" / "cache" / "modes" / f"{info.model_id}.json"
        data = json.loads(cache.read_text())
        cache.write_text(json.dumps({**data, "version": precision.CHOICE_VERSION - 1}))
        other = not precision.int8_reduced_range()
        monkeypatch.setattr(precision, "int8_reduced_range", lambda: other)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        try:
            svc = Services.open(disk / "home")
            assert len(svc.query("red", limit=3, cutoff=False).hits) == 3
            svc.close()
        finally:
            subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
