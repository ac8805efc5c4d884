"""A big folder move checks the photos whose time changed with progress and can be stopped (lead's note after QA
walk 6): ``motis folders move`` says "checking N of M photos…" with rate and ETA, Ctrl+C stops it with nothing
changed, and the core's door takes ``progress`` and ``cancel`` the window uses (``gui/folder_move_run.py``)."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from motis_desktop.cli.main import main
from motis_desktop.core.errors import MotisError
from motis_desktop.core.library import folder_locate
from motis_desktop.core.services import Progress, ProgressPhase, Services


class _Terminal(io.StringIO):
    """stderr as a terminal: the progress bar draws on it."""

    def isatty(self) -> bool:
        return True


def _motis(home: Path, *args: str) -> tuple[int, str, str]:
    """``motis ARGS`` in this process with stderr on a terminal: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), _Terminal()
    os.environ["MOTIS_HOME"] = str(home)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
    finally:
        del os.environ["MOTIS_HOME"]
    return code, out.getvalue(), err.getvalue()


def _moved_with_new_times(photos: Path, tmp_path: Path) -> Path:
    """The library folder renamed by a copy that did not keep the times: every photo has another mtime."""
    moved = tmp_path / "Photos"
    photos.rename(moved)
    for path in moved.rglob("*.*"):
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 3600 * 10**9))
    return moved


def _state(home: Path) -> dict[str, Any]:
    """What `motis status --json` says of the library's folders and counts."""
    code, out, _err = _motis(home, "status", "--json")
    assert code == 0
    status = json.loads(out)
    return {key: status[key] for key in ("folders", "indexed")}


def test_folders_move_says_how_far_the_check_is(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """12 photos with new times: the bar counts them ("checking 0 of 12 photos…" to "12 of 12", photos/s, ETA)."""
    services, photos = colour_library
    services.close()
    moved = _moved_with_new_times(photos, tmp_path)
    code, out, err = _motis(colour_home, "folders", "move", str(photos), str(moved))
    assert code == 0
    assert f"moved all 12 photos to {moved}" in out
    assert "checking 0 of 12 photos…" in err and "checking 12 of 12 photos…" in err
    assert "photos/s ETA" in err


def test_ctrl_c_during_the_check_changes_nothing(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+C while the photos are checked: "nothing was changed", exit 130, the folder still offline with its 12
    photos; the move run again then takes them all."""
    services, photos = colour_library
    services.close()
    moved = _moved_with_new_times(photos, tmp_path)
    before = _state(colour_home)
    digest = folder_locate._digest

    def interrupted(path: str) -> str | None:  # the person presses Ctrl+C while the first photo is hashed
        if not pressed:
            pressed.append(path)
            os.kill(os.getpid(), signal.SIGINT)
        return digest(path)

    pressed: list[str] = []
    monkeypatch.setattr(folder_locate, "_digest", interrupted)
    code, out, err = _motis(colour_home, "folders", "move", str(photos), str(moved))
    assert pressed and code == 130 and out == ""
    assert f"\x1b[Kmotis: move cancelled: nothing was changed (the library still has {photos})\n" in err
    assert _state(colour_home) == before
    monkeypatch.setattr(folder_locate, "_digest", digest)
    assert _motis(colour_home, "folders", "move", str(photos), str(moved))[0] == 0
    assert _state(colour_home)["folders"][0]["path"] == str(moved)


def test_the_door_reports_the_check_and_a_cancel_leaves_the_library_as_it_was(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path
) -> None:
    """``Services.move_folder(old, new, progress, cancel)``: LOCATE progress; cancelled at the first report, a
    MotisError saying nothing was changed, and the library's folders and photos are as before."""
    services, photos = colour_library
    moved = _moved_with_new_times(photos, tmp_path)
    cancel = threading.Event()
    seen: list[Progress] = []

    def progress(p: Progress) -> None:
        seen.append(p)
        cancel.set()

    before = ([f.path for f in services.folders()], sorted((r.path, r.mtime_ns) for r in services.files()))
    with pytest.raises(MotisError, match="nothing was changed"):
        services.move_folder(str(photos), str(moved), progress, cancel)
    assert [p.phase for p in seen] == [ProgressPhase.LOCATE] and (seen[0].done, seen[0].total) == (0, 12)
    assert ([f.path for f in services.folders()], sorted((r.path, r.mtime_ns) for r in services.files())) == before
    seen.clear()
    located = services.move_folder(str(photos), str(moved), seen.append)
    assert located.moved == 12 and (seen[-1].done, seen[-1].total) == (12, 12)


def test_ctrl_c_while_the_library_opens_says_the_move_was_cancelled(
    colour_library: tuple[Services, Path], colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QA walk 9 #6: Ctrl+C one second in, while ``motis folders move`` still opened the library, said only "motis:
    interrupted"; it says the move was cancelled and what the library kept (exit 130, nothing changed)."""
    services, photos = colour_library
    services.close()
    moved = _moved_with_new_times(photos, tmp_path)
    before = _state(colour_home)
    opened = Services.open_library

    def pressed(self: Services) -> None:  # the Ctrl+C that the held handler raises once the library opens
        opened(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(Services, "open_library", pressed)
    code, out, err = _motis(colour_home, "folders", "move", str(photos), str(moved))
    assert code == 130 and out == ""
    assert err.strip() == f"motis: move cancelled: nothing was changed (the library still has {photos})"
    monkeypatch.setattr(Services, "open_library", opened)
    assert _state(colour_home) == before
