"""A download that cannot reach its host, told in each front end's words: the window in plain words pointing to
its own import button (it said "[Errno -2] Name or service not known … run 'motis models import'"), the command
line with its commands (QA walk of 2026-12-07)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.cli import run_cli
from helpers.window import window_offering_a_model
from PySide6.QtCore import Qt

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, the connection is refused at once


def test_the_window_says_it_cannot_reach_the_internet_and_points_to_its_import_button(
    qtbot, home: Path, registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTIS_MODEL_MIRROR", NOWHERE)  # offline: every address fails to connect
    win, services = window_offering_a_model(qtbot, home)
    dialog = win.models.dialog
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.offline.problem.isVisible(), timeout=30_000)
    said = dialog.offline.problem.text()
    assert "Cannot reach the internet (127.0.0.1:9)" in said, said
    assert "use “Import files I downloaded…” below" in said and dialog.offline.import_button.isVisible()
    for jargon in ("Errno", "motis ", "proxy", "refused"):
        assert jargon not in said, said
    win.close()
    services.close()


def test_the_command_line_keeps_its_advice(home: Path, registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTIS_MODEL_MIRROR", NOWHERE)
    proc = run_cli("models", "download", "colour-pair", home=home, check=False)
    assert proc.returncode == 1
    assert "cannot reach 127.0.0.1:9" in proc.stderr and "run 'motis models import'" in proc.stderr
