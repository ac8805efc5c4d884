"""Hostile files, kills mid-index, a damaged database, two processes, and never touching the photos."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers.cli import cli_json, import_colour_model, run_cli
from helpers.hostile_files import make_hostile_corpus
from helpers.models import install_colour
from helpers.photos import COLOURS, colour_image, write_colour_photo, write_image

from motis_desktop.core.library.indexer import Progress
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.services import Services

PALETTE_AXIS = {
    name: i
    for i, name in enumerate(
        ["red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan", "white", "black", "gray", "brown"]
    )
}


def fingerprint(root: Path) -> dict[bytes, tuple[str, int, int]]:
    """Content hash, size and mtime of every file below ``root`` (paths as bytes, links not followed)."""
    out = {}
    for dirpath, _dirnames, names in os.walk(os.fsencode(root)):
        for name in names:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if not os.path.isfile(path) or os.path.islink(path):
                out[path] = ("special", st.st_size, st.st_mtime_ns)
                continue
            try:
                with open(path, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
            except OSError:
                digest = "unreadable"
            out[path] = (digest, st.st_size, st.st_mtime_ns)
    return out


def test_hostile_corpus(home: Path, tmp_path: Path, colour_pair) -> None:
    root = tmp_path / "library"
    bad, good = make_hostile_corpus(root, tmp_path / "outside")
    before = fingerprint(root)
    services = Services.open(home)
    install_colour(services, colour_pair)
    services.add_folders([str(root)])
    first = services.index()  # a hang fails through pytest-timeout
    skipped = {s.path: s.reason for s in first.skipped}
    assert set(skipped) == set(bad), set(skipped) ^ set(bad)
    for path, word in bad.items():
        assert word.lower() in skipped[path].lower(), (path, skipped[path])
    indexed = {r.path for r in services.files() if r.error is None}
    assert indexed == good
    assert first.encoded + first.copied == len(good)  # files with equal bytes are encoded once

    # Unchanged bad files are remembered, not decoded again; a repaired one is retried.
    # (Decoding happens in worker processes: what is sent to be decoded shows in the encode phase's total.)
    seen: list[Progress] = []
    second = services.index(progress=seen.append)
    assert [p for p in seen if p.phase == "encode"] == []
    assert second.encoded == 0
    assert {s.path for s in second.skipped} == set(bad)
    write_image(root / "text.jpg", colour_image(COLOURS["black"], 64, 64, 1))
    seen.clear()
    third = services.index(progress=seen.append)
    assert {p.total for p in seen if p.phase == "encode"} == {1}
    assert third.encoded == 1
    assert str(root / "text.jpg") not in {s.path for s in third.skipped}
    services.close()
    after = fingerprint(root)
    assert set(after) == set(before)
    changed = [p for p in before if before[p] != after[p]]
    assert changed == [os.fsencode(root / "text.jpg")]  # only the file this test rewrote


class _SpatialImageTower(torch.nn.Module):
    """A known-answer image tower that sees layout: the image pooled to 8x8, centred, as the vector."""

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        pooled = torch.nn.functional.adaptive_avg_pool2d(images, 8).flatten(1)
        return pooled - pooled.mean(dim=1, keepdim=True)


class _ConstantTextTower(torch.nn.Module):
    def forward(self, text: torch.Tensor) -> torch.Tensor:
        return torch.ones(text.shape[0], 192)


def test_exif_orientations_embed_like_the_upright_photo(home: Path, tmp_path: Path) -> None:
    """Every EXIF orientation 1-8 gives the upright picture's embedding under a model that sees layout;
    the same picture rotated without EXIF does not."""
    from helpers.hostile_files import _asymmetric
    from PIL import Image

    torch.jit.script(_SpatialImageTower()).save(str(tmp_path / "image.pt"))
    torch.jit.script(_ConstantTextTower()).save(str(tmp_path / "text.pt"))
    services = Services.open(home)
    services.import_pair(tmp_path / "image.pt", tmp_path / "text.pt", "spatial")
    make_hostile_corpus(tmp_path / "lib", tmp_path / "outside")
    photos = tmp_path / "orient"
    photos.mkdir()
    for f in (tmp_path / "lib").glob("orientation_*.jpg"):
        f.rename(photos / f.name)
    Image.fromarray(_asymmetric()).transpose(Image.ROTATE_180).save(photos / "rotated_no_exif.jpg", quality=95)
    services.add_folders([str(photos)])
    assert services.index().encoded == 9
    ids, stored = services.embeddings()
    by_id = dict(zip(ids.tolist(), stored, strict=True))
    vectors = {Path(r.path).name: by_id[r.id] for r in services.files()}
    upright = vectors["orientation_1.jpg"]
    sims = {name: float(v @ upright) for name, v in vectors.items()}
    wrong = sims.pop("rotated_no_exif.jpg")
    assert min(sims.values()) > 0.99, sims
    assert wrong < 0.5, wrong
    services.close()


def _colour_folder(root: Path, n: int, seed: int = 0) -> dict[str, str]:
    """``n`` JPEGs; another ``seed`` gives other bytes (the same bytes would be copies of the first, not encoded)."""
    names = list(COLOURS)
    made = {}
    for i in range(n):
        colour = names[i % len(names)]
        path = write_colour_photo(root / f"{i:03d}_{colour}.jpg", COLOURS[colour], 480, 360, seed + i)
        made[str(path)] = colour
    return made


PHOTOS = 150  # room for four kills of up to 16 newly committed embeddings each, and work left to resume


@pytest.mark.timeout(1200)  # seven indexing processes on a loaded 2-core machine
def test_sigkill_at_random_moments_then_resume(home: Path, tmp_path: Path, colour_pair) -> None:
    """Six SIGKILLs, each synchronised on an event of the child, never on a clock: right after spawn
    (start-up), once it holds the index lock (scan or encode), or (four times, at random depths) once the
    database shows a random number of newly committed embeddings (so the kill lands while the next batch is
    being decoded, encoded or committed)."""
    photos = tmp_path / "photos"
    colours = _colour_folder(photos, PHOTOS)
    before = fingerprint(photos)
    import_colour_model(colour_pair, home)
    env = {**os.environ, "MOTIS_HOME": str(home)}
    rng = random.Random(42)
    moments = ["spawned", "locked"] + ["committed"] * 4
    rng.shuffle(moments)
    progress = []
    for moment in moments:
        proc = subprocess.Popen(
            [sys.executable, "-m", "motis_desktop.cli.main", "index", str(photos), "--batch-size", "4"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if moment == "locked":
            _wait_for(proc, lambda pid=str(proc.pid): _lock_holder(home / "index.lock") == pid)
        elif moment == "committed":
            target = _embedded(home) + rng.randint(1, 16)
            _wait_for(proc, lambda target=target: _embedded(home) >= target)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        progress.append(_embedded(home))
    assert len(set(progress)) >= 4, progress  # every 'committed' kill came after new work was committed
    store = LibraryStore(home / "library.sqlite3")
    model_id = Services.open(home).active_model().model_id
    already = len(store.embedding_ids(model_id))
    store.close()
    final = cli_json("index", home=home)
    assert final["encoded"] == PHOTOS - already  # committed work is not redone
    conn = sqlite3.connect(home / "library.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT path) FROM files").fetchone() == (PHOTOS, PHOTOS)
    rows = conn.execute(
        "SELECT f.path, e.vector FROM files f JOIN embeddings e ON e.file_id = f.id WHERE e.model_id = ?", (model_id,)
    ).fetchall()
    conn.close()
    assert len(rows) == PHOTOS
    for raw_path, blob in rows:  # every vector belongs to its own file: its colour's axis is the largest
        vector = np.frombuffer(blob, np.float32)
        assert int(np.argmax(vector)) == PALETTE_AXIS[colours[os.fsdecode(raw_path)]]
    assert fingerprint(photos) == before


def _wait_for(proc: subprocess.Popen, condition) -> None:
    """Poll ``condition`` (a state of the child seen from outside) while the child is still running."""
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the indexer exited ({proc.returncode}) first: {proc.stderr.read().decode()}")
        time.sleep(0.01)  # polling interval only: nothing waits for a guessed duration


def _lock_holder(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _embedded(home: Path) -> int:
    conn = sqlite3.connect(home / "library.sqlite3")
    try:
        return conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    except sqlite3.OperationalError:  # killed before the schema was created
        return 0
    finally:
        conn.close()


def test_damaged_database_is_set_aside_and_rebuilt(home: Path, tmp_path: Path, colour_pair) -> None:
    photos = tmp_path / "photos"
    _colour_folder(photos, 12)
    import_colour_model(colour_pair, home)
    cli_json("index", str(photos), home=home)
    db = home / "library.sqlite3"
    data = bytearray(db.read_bytes())
    data[100:4000] = os.urandom(3900)  # scribble over the schema page
    db.write_bytes(bytes(data))
    proc = run_cli("status", "--json", home=home)
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("motis: warning: the library database was damaged")
    backups = list(home.glob("library.damaged-*.sqlite3"))
    assert len(backups) == 1
    assert backups[0].read_bytes()[:4000] == bytes(data[:4000])
    status = __import__("json").loads(proc.stdout)
    assert status["folders"] == [
        {"path": str(photos), "files": 0, "online": True, "cannot_open": []}
    ]  # folders kept, photos to re-index
    assert cli_json("index", home=home)["encoded"] == 12
    assert len(cli_json("search", "red", "-k", "3", home=home)) == 3


_HELD_WRITER = """
import sys
from motis_desktop.core.services import Services

services = Services.open(sys.argv[1])
services.add_folders([sys.argv[2]])
held = []


def progress(p):
    if p.phase == "encode" and p.done > 0 and not held:  # a batch is committed; the index lock is held
        held.append(p.done)
        print("committed", p.done, flush=True)
        sys.stdin.readline()  # wait here until the test has run its second process


summary = services.index(progress=progress, batch_size=2)
print("done", summary.encoded, flush=True)
"""


def test_second_process_reads_while_one_writes(home: Path, tmp_path: Path, colour_pair) -> None:
    """The writer is held inside its run (lock held, one batch committed, more to come) through its
    progress callback, so the second process meets it at a known point on any machine."""
    photos = tmp_path / "photos"
    _colour_folder(photos, 12)
    import_colour_model(colour_pair, home)
    cli_json("index", str(photos), home=home)
    _colour_folder(tmp_path / "more", 20, seed=100)
    writer = subprocess.Popen(
        [sys.executable, "-c", _HELD_WRITER, str(home), str(tmp_path / "more")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = writer.stdout.readline().split()
        assert first[:1] == ["committed"], (first, writer.stderr.read() if writer.poll() is not None else "")
        committed = int(first[1])
        second = run_cli("index", home=home, check=False)
        assert second.returncode == 1
        assert "another MoTIS process" in second.stderr
        assert "Traceback" not in second.stderr
        assert "database is locked" not in second.stderr
        hits = cli_json("search", "red", "-k", "2", home=home)  # readers keep working
        assert len(hits) == 2
        status = cli_json("status", home=home)
        assert status["files"] == 32
        assert status["indexed"] == 12 + committed  # the writer's committed batch is visible, the rest not yet
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().split() == ["done", "20"]
    finally:
        out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err


def test_never_touch_the_photos(home: Path, tmp_path: Path, colour_pair) -> None:
    photos = tmp_path / "photos"
    _colour_folder(photos, 20)
    import_colour_model(colour_pair, home)
    before = fingerprint(photos)
    cli_json("index", str(photos), home=home)
    cli_json("search", "red", home=home)
    old, new = photos / "000_red.jpg", photos / "renamed_red.jpg"
    os.rename(old, new)  # a rename inside the library (by the user)
    cli_json("index", home=home)
    services = Services.open(home)
    services.remove_folder(str(photos))
    services.close()
    after = fingerprint(photos)
    expected = {(os.fsencode(new) if p == os.fsencode(old) else p): v for p, v in before.items()}
    assert after == expected  # same files, same bytes, same mtimes: nothing created, nothing changed


def test_unreadable_file_is_reported_not_fatal(tmp_path_factory) -> None:
    """chmod 000: as a normal user the read fails with EACCES; root reads anything, so as root the
    check runs in a child process that has dropped to 'nobody'."""
    import shutil
    import stat
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="motis-perm-"))
    try:
        folder.chmod(0o755)
        locked = write_image(folder / "locked.png", colour_image(COLOURS["red"], 32, 32, 1))
        readable = write_image(folder / "open.png", colour_image(COLOURS["blue"], 32, 32, 2))
        locked.chmod(0)
        readable.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        code = (
            "import sys\n"
            "from motis_desktop.core.images.decode import load_image\n"
            "from motis_desktop.core.errors import ImageError\n"
            f"print(load_image({str(readable)!r}).shape)\n"
            f"try:\n    load_image({str(locked)!r})\nexcept ImageError as e:\n    print('refused:', e)\n"
        )
        repo = str(Path(__file__).resolve().parent.parent)
        command = [sys.executable, "-c", code]
        if os.geteuid() == 0:
            assert shutil.which("setpriv"), "setpriv (util-linux) is needed to drop root for this check"
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        proc = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONPATH": repo},
            cwd=str(folder),
        )
        assert proc.returncode == 0, proc.stderr
        assert "(32, 32, 3)" in proc.stdout
        assert "refused: permission denied" in proc.stdout
    finally:
        shutil.rmtree(folder, ignore_errors=True)
