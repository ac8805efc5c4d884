"""The GUI's threads: the GUI thread never runs SQL; the backend's Services stays on one thread."""

from __future__ import annotations

import threading
from pathlib import Path

from helpers.keys import OFFSCREEN_MENU, choose_from_context_menu, search_by_keys
from helpers.models import install_colour
from helpers.photos import make_colour_folder

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.tasks import Lane


@OFFSCREEN_MENU
def test_gui_thread_never_runs_sql(qtbot, home: Path, colour_pair, tmp_path: Path, sql_threads) -> None:
    services = Services.open(home)
    install_colour(services, colour_pair)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.model_state == "ready", timeout=30_000)
    make_colour_folder(tmp_path / "a", per_colour=2)
    make_colour_folder(tmp_path / "b", per_colour=1)
    win.add_folders([str(tmp_path / "a"), str(tmp_path / "b")])
    qtbot.waitUntil(lambda: win.indexer is None and "up to date" in win.status_label.text(), timeout=60_000)
    search_by_keys(qtbot, win, "red")
    first = win.model.rows()[0]
    choose_from_context_menu(qtbot, win, first.path, "Find similar")
    qtbot.waitUntil(lambda: win.results.results_for == f'"{first.path}"', timeout=10_000)
    win.apply_settings(
        {"folders": [str(tmp_path / "b")], "model": "colour", "strategy": "exact", "top_k": 5, "row_height": 130}
    )
    qtbot.waitUntil(lambda: len(win.results.gallery) == 6, timeout=10_000)
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
    assert win.tasks.expiry_ms(Lane.LIBRARY) == -1
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


_TRACE_APP = """
import json, sqlite3, sys, threading
seen = []
real = sqlite3.connect
def connect(*args, **kwargs):
    conn = real(*args, **kwargs)
    conn.set_trace_callback(lambda _sql: seen.append(threading.current_thread() is threading.main_thread()))
    return conn
sqlite3.connect = connect
from motis_desktop.gui.app import main
if __name__ == "__main__":
    code = main(sys.argv[1:])
    print("sql statements:", json.dumps({"total": len(seen), "on_gui_thread": sum(seen)}), flush=True)
    sys.exit(code)
"""


def test_the_app_opens_checks_and_migrates_the_library_off_the_gui_thread(
    home: Path, colour_pair, tmp_path: Path
) -> None:
    """The whole start-up of ``motis-desktop`` (app.main, in its own process): window, library, model, gallery,
    one search; every SQL statement's thread is recorded."""
    import json
    import os
    import subprocess
    import sys

    services = Services.open(home)  # an indexed library of an older start
    install_colour(services, colour_pair)
    make_colour_folder(tmp_path / "a", per_colour=1)
    services.add_folders([str(tmp_path / "a")])
    services.index()
    services.close()
    script = tmp_path / "trace_app.py"
    script.write_text(_TRACE_APP)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.run(
        [sys.executable, str(script), "--home", str(home), "--probe-search", "red"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "motis-desktop: results 1 top" in proc.stdout
    counts = json.loads(proc.stdout.split("sql statements:")[1])
    assert counts["total"] > 0  # the library was opened, checked and read ...
    assert counts["on_gui_thread"] == 0  # ... never by the GUI thread


def test_every_gui_thread_is_owned_by_the_task_runner() -> None:
    """One place decides the GUI's background threads: no other module makes a pool, an executor or a runnable."""
    gui = Path(__file__).resolve().parent.parent / "motis_desktop" / "gui"
    makers = ("QThreadPool(", "ThreadPoolExecutor", "QRunnable", "threading.Thread(", "QThread(")
    offenders = {
        path.name: [m for m in makers if m in path.read_text(encoding="utf-8")]
        for path in gui.glob("*.py")
        if path.name != "tasks.py"
    }
    assert {name: found for name, found in offenders.items() if found} == {}
