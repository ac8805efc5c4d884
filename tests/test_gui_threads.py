"""The GUI's threads: the GUI thread never runs SQL; the backend's Services stays on one thread."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from helpers.photos import make_colour_folder

import motis_desktop.core.library.store as store_module
from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow


@pytest.fixture
def sql_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the threads that ran each SQL statement of every library connection opened from now on."""
    seen: list[str] = []
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(lambda _sql: seen.append(threading.current_thread().name))
        return conn

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)
    return seen


def test_gui_thread_never_runs_sql(qtbot, home: Path, colour_pair, tmp_path: Path, sql_threads) -> None:
    services = Services.open(home)
    services.import_pair(*colour_pair, name="colour")
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model_state == "ready", timeout=30_000)
    make_colour_folder(tmp_path / "a", per_colour=2)
    make_colour_folder(tmp_path / "b", per_colour=1)
    win.add_folders([str(tmp_path / "a"), str(tmp_path / "b")])
    qtbot.waitUntil(lambda: win.indexer is None and "up to date" in win.status_label.text(), timeout=60_000)
    win.search.setText("red")
    win.run_search()
    qtbot.waitUntil(lambda: win._results_for == "red", timeout=10_000)
    first = win.model.rows()[0]
    win.find_similar(first.path)
    qtbot.waitUntil(lambda: win._results_for == f'"{first.path}"', timeout=10_000)
    win.apply_settings(
        {"folders": [str(tmp_path / "b")], "model": "colour", "strategy": "exact", "top_k": 5, "thumb_size": 128}
    )
    qtbot.waitUntil(lambda: len(win._gallery) == 6, timeout=10_000)
    win.close()
    services.close()
    assert sql_threads  # the trace saw the library's statements
    assert threading.main_thread().name not in sql_threads


def test_backend_runs_every_job_on_one_thread_that_never_expires(qtbot, home: Path) -> None:
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    threads: list[int] = []
    for _ in range(5):
        win.backend.submit(lambda s: threads.append(threading.get_ident()), lambda _: None)
    qtbot.waitUntil(lambda: len(threads) == 5, timeout=10_000)
    assert win.backend.pool.expiryTimeout() == -1
    assert len(set(threads)) == 1
    assert threading.get_ident() not in threads
    win.close()
    services.close()


def test_a_failing_job_reports_one_line(qtbot, home: Path) -> None:
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    messages: list[str] = []

    def boom(_services: Services) -> None:
        raise ValueError("no such thing")

    win.backend.submit(boom, lambda _: None, messages.append)
    qtbot.waitUntil(lambda: bool(messages), timeout=10_000)
    assert messages == ["internal error: ValueError: no such thing"]
    win.close()
    services.close()
