"""An unfinished model download is resumed by the next one, in a later run (HTTP Range against a local server on
127.0.0.1): files already complete are not fetched again, damaged ones are; failed downloads leave no empty
folders; a disk that cannot take the file says where and what is kept."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import threading
from pathlib import Path

import pytest
from helpers.cli import cli_json, ctrl_c_armed, motis_process, run_cli

from motis_desktop.core.formatting import format_size
from motis_desktop.core.models.download import DownloadCancelled, DownloadProgress, download
from motis_desktop.core.models.download_folder import tidy
from motis_desktop.core.models.installed import ModelStore
from motis_desktop.core.models.registry import find_model, install_from_registry

IMG, TXT = "/m/img.pt", "/m/txt.pt"


@pytest.fixture
def pair_registry(registry, colour_pair, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The test registry plus ``two-files``: the colour pair from plain URLs, each file's sha256 pinned."""
    image, text = colour_pair[0].read_bytes(), colour_pair[1].read_bytes()
    registry.behaviour.files.update({IMG: image, TXT: text})
    path = tmp_path / "resources" / "models.json"
    data = json.loads(path.read_text())
    files = [
        {
            "role": role,
            "url": "https://models.example.org" + url,
            "size": len(b),
            "sha256": hashlib.sha256(b).hexdigest(),
        }
        for role, url, b in (("image", IMG, image), ("text", TXT, text))
    ]
    data["models"].append(
        {
            "name": "two-files",
            "display_name": "Two files",
            "format": "torchscript-pair",
            "embed_dim": 512,
            "files": files,
        }
    )
    path.write_text(json.dumps(data))
    return registry


def _requests(server, start: int) -> list[tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    return [r for r in server.behaviour.requests[start:] if r[0] in (IMG, TXT)]


def test_a_download_cut_by_an_outage_resumes_in_the_next_run(pair_registry, home: Path, colour_pair) -> None:
    text = colour_pair[1].read_bytes()
    half = len(text) // 2
    pair_registry.behaviour.cut_once_after[TXT] = half
    pair_registry.behaviour.down_after_cut = True  # the host goes away: the in-process retries fail too
    proc = run_cli("models", "download", "two-files", home=home, check=False)
    assert proc.returncode == 1 and "cannot reach" in proc.stderr.splitlines()[-1]
    work = home / "cache" / "downloads" / "two-files"
    assert (work / "image.bin").read_bytes() == colour_pair[0].read_bytes()
    assert (work / "text.bin.part").stat().st_size == half  # kept for the next run
    listed = run_cli("models", home=home).stdout
    done = (work / "image.bin").stat().st_size + half  # the file complete and the part
    assert f"unfinished download of two-files ({format_size(done)} so far" in listed
    assert "'motis models download two-files' resumes it" in listed

    pair_registry.behaviour.down.clear()  # the host is back
    start = len(pair_registry.behaviour.requests)
    proc = run_cli("models", "download", "two-files", home=home)
    assert "image: image.bin: already downloaded and verified, not fetched again" in proc.stderr
    assert "text: text.bin: resuming from the" in proc.stderr
    assert _requests(pair_registry, start) == [(TXT, f"bytes={half}-")]  # the image not again, the text resumed
    assert "(matches the pinned sha256)" in proc.stdout
    assert [m["name"] for m in cli_json("models", "list", home=home)] == ["two-files"]
    assert not work.exists()  # installed: the downloads are gone
    assert "unfinished download" not in run_cli("models", home=home).stdout


def test_a_damaged_earlier_download_is_deleted_and_fetched_again(registry, tmp_path: Path, tiny_clip_bytes) -> None:
    url, sha = "https://huggingface.co/m/tiny.safetensors", hashlib.sha256(tiny_clip_bytes).hexdigest()
    registry.behaviour.files["/m/tiny.safetensors"] = tiny_clip_bytes
    notes: list[str] = []

    def note(p: DownloadProgress) -> None:
        if p.note:
            notes.append(p.note)

    dest = tmp_path / "m.bin"
    dest.write_bytes(b"x" * len(tiny_clip_bytes))  # a complete file from an earlier run, since damaged
    start = len(registry.behaviour.requests)
    result = download(url, dest, sha, note)
    assert dest.read_bytes() == tiny_clip_bytes and not result.reused
    assert notes == ["m.bin: the copy downloaded earlier does not match its checksum: deleted, fetching it again"]
    assert registry.behaviour.requests[start:] == [("/m/tiny.safetensors", None)]

    notes.clear()  # a complete, verified file: hashed again, not fetched
    start = len(registry.behaviour.requests)
    assert download(url, dest, sha, note).reused
    assert notes == ["m.bin: already downloaded and verified, not fetched again"]
    assert registry.behaviour.requests[start:] == []

    notes.clear()  # a damaged part from an earlier run: resumed, fails its checksum, fetched again from byte 0
    dest.unlink()
    dest.with_name("m.bin.part").write_bytes(b"y" * 1000)
    start = len(registry.behaviour.requests)
    download(url, dest, sha, note)
    assert dest.read_bytes() == tiny_clip_bytes
    assert [r for _, r in registry.behaviour.requests[start:]] == ["bytes=1000-", None]
    assert notes[-1] == "m.bin: the part downloaded earlier does not match its checksum: deleted, fetching it again"


def test_a_server_without_range_restarts_the_part(registry, tmp_path: Path, tiny_clip_bytes) -> None:
    """A 416 for a part longer than the file: the part cannot be used and is fetched again (no pinned sha)."""
    dest = tmp_path / "m.safetensors"
    dest.with_name("m.safetensors.part").write_bytes(b"z" * (len(tiny_clip_bytes) + 10))
    from helpers.models import HF_PATH

    result = download("https://huggingface.co" + HF_PATH, dest)
    assert dest.read_bytes() == tiny_clip_bytes and result.verified_by == "server"


def test_cancel_keeps_what_was_downloaded_and_the_next_download_resumes(registry, home: Path, tiny_clip_bytes) -> None:
    from helpers.models import HF_PATH

    cancel = threading.Event()
    model = find_model("tiny-clip")
    store = ModelStore(home / "models")
    with pytest.raises(DownloadCancelled):
        install_from_registry(
            model, store, home / "cache" / "downloads", progress=lambda p: cancel.set(), cancel=cancel
        )
    assert store.list() == []
    part = home / "cache" / "downloads" / "tiny-clip" / "checkpoint.bin.part"
    kept = part.stat().st_size
    assert 0 < kept < len(tiny_clip_bytes)  # cancelled at the first progress report, after one chunk
    start = len(registry.behaviour.requests)
    install_from_registry(model, store, home / "cache" / "downloads")
    assert [m.name for m in store.list()] == ["tiny-clip"]
    assert registry.behaviour.requests[start:] == [(HF_PATH, f"bytes={kept}-")]
    assert not (home / "cache" / "downloads" / "tiny-clip").exists()


def test_failed_downloads_leave_no_empty_folders(pair_registry, home: Path) -> None:
    pair_registry.behaviour.down.add(IMG)  # nothing at all was downloaded
    proc = run_cli("models", "download", "two-files", home=home, check=False)
    assert proc.returncode == 1 and "cannot reach" in proc.stderr
    assert list((home / "cache" / "downloads").iterdir()) == []
    pair_registry.behaviour.down.clear()
    pair_registry.behaviour.files[IMG] = b"not the pinned file"
    proc = run_cli("models", "download", "two-files", home=home, check=False)
    assert "checksum mismatch" in proc.stderr
    assert list((home / "cache" / "downloads").iterdir()) == []


def test_tidy_removes_downloads_no_one_will_resume(tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    for name in ("kept", "gone-from-catalogue", "old", "empty", "empty-2-min"):
        (downloads / name).mkdir(parents=True)
    for name in ("kept", "gone-from-catalogue", "old"):
        (downloads / name / "image.bin.part").write_bytes(b"1234")
    now = os.stat(downloads / "kept").st_mtime
    month_ago = now - 31 * 24 * 3600
    for path in (downloads / "old", downloads / "old" / "image.bin.part", downloads / "empty"):
        os.utime(path, (month_ago, month_ago))
    removed = tidy(downloads, ["kept", "old", "empty", "empty-2-min"], now=now + 120)
    assert sorted(p.name for p in removed) == ["empty", "empty-2-min", "gone-from-catalogue", "old"]
    assert [p.name for p in downloads.iterdir()] == ["kept"]
    (downloads / "fresh").mkdir()
    assert tidy(downloads, ["kept", "fresh"], now=now) == []  # an empty folder a download may have just made


def test_a_disk_that_cannot_take_the_file_says_where_and_what_is_kept(registry, home: Path, tiny_clip_bytes) -> None:
    run_cli("models", home=home)  # the home and library exist before the file-size limit
    limit = len(tiny_clip_bytes) // 2
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))  # as `ulimit -f`: writes past it fail (EFBIG)
    try:
        proc = run_cli("models", "download", "tiny-clip", home=home, check=False)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    part = home / "cache" / "downloads" / "tiny-clip" / "checkpoint.bin.part"
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == (
        f"motis: error: cannot save the download of tiny-clip in {home / 'cache' / 'downloads'} (File too large): "
        f"free some disk space and try again; the {format_size(part.stat().st_size)} downloaded so far are kept"
    )
    assert part.stat().st_size == limit
    run_cli("models", "download", "tiny-clip", home=home)  # resumed once there is room
    assert not part.parent.exists()


def test_the_app_offers_to_resume_and_resumes(qtbot, registry, home: Path, tiny_clip_bytes) -> None:
    from helpers.models import HF_PATH

    from motis_desktop.core.services import Services
    from motis_desktop.gui.model_dialog import ModelDialog

    work = home / "cache" / "downloads" / "tiny-clip"
    work.mkdir(parents=True)
    (work / "checkpoint.bin.part").write_bytes(tiny_clip_bytes[:3_000_000])  # left by a run that stopped
    services = Services.open(home)
    dialog = ModelDialog(services)
    qtbot.addWidget(dialog)
    names = [dialog.choice.itemData(i) for i in range(dialog.choice.count())]
    dialog.choice.setCurrentIndex(names.index("tiny-clip"))
    assert dialog.download_button.text() == f"Resume download (3 of {len(tiny_clip_bytes) / 1e6:.0f} MB)"
    start = len(registry.behaviour.requests)
    with qtbot.waitSignal(dialog.installed, timeout=60_000):
        dialog.download_button.click()
    dialog.wait()
    services.close()
    assert registry.behaviour.requests[start:] == [(HF_PATH, "bytes=3000000-")]


def test_models_lists_without_a_readable_catalogue(home: Path, tmp_path: Path, monkeypatch) -> None:
    """The unfinished-download line needs the catalogue; without one, 'motis models' lists as before."""
    (tmp_path / "res").mkdir()
    (tmp_path / "res" / "models.json").write_text("{")
    monkeypatch.setenv("MOTIS_RESOURCES", str(tmp_path / "res"))
    (home / "cache" / "downloads" / "x").mkdir(parents=True)
    (home / "cache" / "downloads" / "x" / "image.bin.part").write_bytes(b"12")
    assert run_cli("models", home=home).stdout.startswith("no models installed")


def test_ctrl_c_during_a_download_says_it_resumes(registry, home: Path, tiny_clip_bytes) -> None:
    """Ctrl-C printed only "motis: interrupted", though the next download resumes what was kept."""
    import signal

    from helpers.models import HF_PATH

    registry.behaviour.hold.add(HF_PATH)  # the body stops after its first chunk, as on a slow line
    armed = ctrl_c_armed("motis_desktop.cli.main")  # Ctrl-C as in a terminal (helpers.cli.ctrl_c_armed)
    with motis_process("models", "download", "tiny-clip", home=home, armed=armed) as proc:
        part = home / "cache" / "downloads" / "tiny-clip" / "checkpoint.bin.part"
        assert registry.behaviour.held.wait(timeout=120)  # the download is under way, its first chunk sent
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "what was downloaded of tiny-clip is kept; 'motis models download tiny-clip' resumes it" in err
    assert not (part.exists() and part.stat().st_size >= len(tiny_clip_bytes))  # stopped part-way
