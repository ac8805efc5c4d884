"""QA walk 8 #9: on a start, the window credited what had happened before it opened to "another MoTIS window or
command": "1 photo added by another…" on a library no other process had touched (its run's counts, put off by a
subfolder that could not be listed, were taken for another process's work), and "now using colour2, installed by
another…" for a model that had been installed before it opened (by the window's own earlier session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.models import install_colour
from helpers.photos import make_colour_folder
from helpers.window import index_folders, ready_window

from motis_desktop.core.services import Services

ELSEWHERE = "another MoTIS window or command"


def test_a_start_that_finds_nothing_new_credits_nothing_to_another_process(
    qtbot, colour_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    photos = tmp_path / "photos"
    make_colour_folder(photos, per_colour=2)
    make_colour_folder(photos / "Private", per_colour=1, seed=5)
    index_folders(colour_home, photos)
    locked, real = str(photos / "Private"), os.scandir

    def scandir(path: object = ".") -> object:  # the subfolder cannot be listed now (permissions changed)
        if os.fspath(path) == locked:  # type: ignore[arg-type]
            raise PermissionError(13, "Permission denied", locked)
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    windows = ready_window(qtbot, colour_home, rows=18)
    window = next(windows)
    try:  # the start-up run found nothing new; the read after it compares the library's rows
        qtbot.waitUntil(lambda: not window.status_line.checking, timeout=30_000)
        line = window.status_label.text()
        assert "library up to date" in line and ELSEWHERE not in line, line
    finally:
        next(windows, None)


def test_a_model_installed_before_the_window_opened_takes_over_without_blaming_another_process(
    qtbot, home: Path, tmp_path: Path, colour_pair
) -> None:  # type: ignore[no-untyped-def]
    colours = make_colour_folder(tmp_path / "photos", per_colour=2)
    assert run_cli("models", "demo", home=home).returncode == 0
    index_folders(home, tmp_path / "photos")
    services = Services.open(home)
    install_colour(services, colour_pair, name="colour")  # waits to take over from the demo
    services.close()
    windows = ready_window(qtbot, home, rows=len(colours))
    window = next(windows)
    try:
        qtbot.waitUntil(lambda: window.status.model_label.text() == "Model: colour", timeout=60_000)
        qtbot.waitUntil(lambda: "now using colour" in window.status_label.text(), timeout=30_000)
        line = window.status_label.text()
        assert "now using colour in place of the demo" in line and ELSEWHERE not in line, line
    finally:
        next(windows, None)
