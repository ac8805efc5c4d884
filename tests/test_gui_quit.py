"""Quitting with background work in flight: the window closes promptly and nothing is printed afterwards."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QApplication

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.tasks import Lane, TaskRunner


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_closing_with_a_slow_task_in_flight_drops_its_outcome_quietly(qtbot, home: Path, capfd) -> None:
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    started, release = threading.Event(), threading.Event()
    delivered: list[object] = []

    def slow() -> str:  # like a model load: it does not look at the cancel flag
        started.set()
        release.wait()
        return "late"

    task = win.tasks.call(Lane.INSTALL, slow, delivered.append, delivered.append)
    assert started.wait(10)
    win.tasks.quit_wait_ms = 50  # the quit waits this long for work that ignores cancel
    win.close()
    assert task.cancelled  # the runner asked the work to stop
    late = win.tasks.call(Lane.LIBRARY, lambda: "after close", delivered.append)  # e.g. a queued result's follow-up
    release.set()
    assert task.wait(10)
    QApplication.processEvents()  # deliver whatever the task posted before it returned (there must be nothing)
    assert delivered == []
    assert not late.wait(0)  # never ran
    services.close()
    out, err = capfd.readouterr()
    assert "Signal source has been deleted" not in err
    assert "Traceback" not in err, err


def test_a_task_whose_signals_were_deleted_finishes_quietly(qtbot, capfd) -> None:
    """At interpreter exit Qt objects are deleted under running threads: the outcome is dropped, not printed."""
    runner = TaskRunner()
    started, release = threading.Event(), threading.Event()

    def slow(_report, _cancel) -> int:
        started.set()
        release.wait()
        return 1

    task = runner.start(Lane.VIEWER, slow)
    assert started.wait(10)
    shiboken6.delete(task.signals)  # what shiboken's exit clean-up does to a live QObject
    release.set()
    assert task.wait(10)
    runner.shutdown()
    _out, err = capfd.readouterr()
    assert "Signal source has been deleted" not in err
    assert "Error calling Python override" not in err, err
