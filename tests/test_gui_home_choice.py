"""The window's home: a named home that does not exist is made only when the person says so; a folder of other
files (``--home ~``) is refused in a message, nothing written into it; the default home's first start asks
nothing (QA: ``motis-desktop --home /tmp/typo`` silently made a new, empty library there)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from motis_desktop.gui.home_choice import open_home


def _when_a_message_shows(qtbot, act: Callable[[QMessageBox], None]) -> list[str]:  # type: ignore[no-untyped-def]
    """Once a modal message box shows (``open_home`` runs it), note its text and let ``act`` answer it with keys."""
    said: list[str] = []
    tries = iter(range(1000))  # none shown within seconds: give up (the test's assertions say so), leave no timer

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or not box.isVisible():
            if next(tries, None) is not None:
                QTimer.singleShot(10, answer)  # not shown yet: exec() is about to show it
            return
        said.append(f"{box.text()} {box.informativeText()}".strip())
        act(box)

    QTimer.singleShot(0, answer)
    return said


def _press(qtbot, text: str) -> Callable[[QMessageBox], None]:  # type: ignore[no-untyped-def]
    def press(box: QMessageBox) -> None:
        button = next(b for b in box.findChildren(QPushButton) if b.text().replace("&", "") == text)
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)

    return press


def test_a_mistyped_home_asks_and_quit_makes_nothing(qtbot, tmp_path: Path) -> None:
    typo = tmp_path / "typo"
    said = _when_a_message_shows(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Escape))
    assert open_home(str(typo)) is None
    assert said and said[0].startswith(f"There is no MoTIS library at {typo}.")
    assert not typo.exists()


def test_a_new_home_is_made_when_asked_for(qtbot, tmp_path: Path) -> None:
    new = tmp_path / "new" / "home"
    said = _when_a_message_shows(qtbot, _press(qtbot, "Make a new library there"))
    services = open_home(str(new))
    assert services is not None and said
    try:
        assert services.home == new and new.is_dir()
    finally:
        services.close()


def test_motis_home_that_is_missing_asks_too(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTIS_HOME", str(tmp_path / "typo"))
    said = _when_a_message_shows(qtbot, _press(qtbot, "Quit"))
    assert open_home(None) is None and said
    assert not (tmp_path / "typo").exists()


def test_a_folder_of_other_files_is_refused_in_a_message(qtbot, tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "letter.txt").write_text("Dear …")
    said = _when_a_message_shows(qtbot, lambda box: qtbot.keyClick(box, Qt.Key.Key_Return))
    assert open_home(str(documents)) is None
    assert said == [
        f"{documents} holds other files and no MoTIS library: choose an empty folder or an existing library"
    ]
    assert [p.name for p in documents.iterdir()] == ["letter.txt"]


def test_the_default_home_of_a_first_start_asks_nothing(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A guard: no --home, no MOTIS_HOME: the platform's data folder is made without a question (a first start)."""
    monkeypatch.delenv("MOTIS_HOME")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    services = open_home(None)
    assert services is not None
    try:
        assert services.home.is_dir() and str(services.home).startswith(str(tmp_path / "data"))
    finally:
        services.close()
