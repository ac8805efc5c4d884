"""Desktop start-up with a large library: process start → main window shown, → first search possible
(model, vector index and query path loaded in the background), → first search answered; then the GUI's
resident memory after scrolling through the whole gallery.
(benchmarks/bench_startup.py compares the bundle with the venv on a small home; this one is issue 12's.)

Usage: python benchmarks/bench_startup_library.py [--n 100000] [--model vitb32|tiny] [--runs 2] [--json]

The parent builds a temporary home (benchmarks/synthetic_library.py: a random-weights CLIP from our code and
N photos that are hard links to real sample JPEGs, with synthetic embeddings), lets the model's inference
mode be measured once (as the first launch after installing a model does), then starts the app in a fresh
process per run (offscreen Qt). Times count from the child process's start as the kernel records it
(/proc/self/stat), so interpreter start-up and imports are included.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _process_age_s() -> float:
    """Seconds since this process started (kernel start time; 10 ms resolution)."""
    with open("/proc/self/stat", encoding="ascii") as fh:
        start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime", encoding="ascii") as fh:
        uptime = float(fh.read().split()[0])
    return uptime - start_ticks / os.sysconf("SC_CLK_TCK")


def child(home: str, query: str, scroll_steps: int, type_at_once: bool = False) -> None:
    """Run the app once and print one JSON object with the timings and memory. ``type_at_once``: the query is
    typed as soon as the window is painted (the window keeps it until the model is ready), as a user who
    starts typing at once; otherwise once the model is ready and the gallery shown."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from motis_desktop.core.services import Services
    from motis_desktop.gui.main_window import MainWindow

    # After the app's modules: synthetic_library puts this checkout first on sys.path, and a run of another
    # checkout (PYTHONPATH, bench_new_query.py --compare) must measure that one.
    rss_mb = importlib.import_module("synthetic_library").rss_mb

    marks: dict[str, object] = {}
    app = QApplication.instance() or QApplication([sys.argv[0]])
    services = Services.open(home)
    window = MainWindow(services)

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint and "shown_s" not in marks:
                marks["shown_s"] = _process_age_s()
                marks["torch_loaded_when_shown"] = "torch" in sys.modules
            return False

    painter = FirstPaint()
    window.installEventFilter(painter)
    window.show()
    state = {"phase": "loading", "step": 0}

    def search(then: str) -> None:
        state["phase"] = then
        window.search.setText(query)
        window.run_search()

    def mark(*names: str) -> None:
        for name in names:
            marks[name] = _process_age_s()
        if "first_search_s" in names:
            marks["rss_after_search_mb"] = rss_mb()[0]
        if "search_ready_s" in names:
            marks["rows"] = len(window.results.gallery)

    def scroll() -> None:
        window.results.reset()
        state["phase"] = "scrolling"
        timer.setInterval(400)  # between scroll steps: the visible rows' thumbnails arrive meanwhile

    def tick() -> None:
        phase, answered = state["phase"], window.results.results_for is not None
        if type_at_once and phase == "loading" and "shown_s" in marks:
            search("typed")
        elif phase == "typed" and answered:
            mark("first_search_s")
            state["phase"] = "gallery"
        elif phase == "gallery" and window.results.gallery:
            mark("search_ready_s")  # with --type-at-once: when the gallery is in as well
            scroll()
        elif phase == "loading" and window.model_state == "ready" and window.results.gallery:
            mark("search_ready_s")
            search("searching")
        elif phase == "searching" and answered:
            mark("first_search_s")
            scroll()
        elif state["phase"] == "scrolling":
            rows = window.model.rowCount()
            if state["step"] <= scroll_steps and rows:
                row = min(rows - 1, state["step"] * (rows - 1) // scroll_steps)
                window.view.scrollTo(window.model.index(row))
                state["step"] += 1
            else:
                marks["rss_after_scroll_mb"], marks["peak_rss_mb"] = rss_mb()
                marks["thumbnails_in_memory"] = len(getattr(window.thumbnails, "_pixmaps", ()) or ())
                print(json.dumps(marks), flush=True)
                window.close()
                app.quit()
        if state["phase"] in ("loading", "searching", "typed", "gallery") and _process_age_s() > 600:
            print(json.dumps({**marks, "error": f"stuck in {state['phase']}"}), flush=True)
            app.quit()

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    app.exec()
    services.close()
    # The figures are out: leave without the interpreter's finalization, where PySide6 6.x on Python 3.11 aborts
    # after such a run ("bool_dealloc: deallocating True or False", a reference lost per bool returned by a Python
    # override called from Qt; not seen after a short session of the app itself).
    sys.stdout.flush()
    os._exit(0)


def emit(as_json: bool, **row: object) -> None:
    if as_json:
        print(json.dumps({"bench": "startup", **row}), flush=True)
        return
    print("  ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--model", choices=("vitb32", "tiny"), default="vitb32")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--scroll-steps", type=int, default=30, help="positions visited from top to bottom")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--type-at-once", action="store_true", help="type the query when the window is painted")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, "sunset over the sea", args.scroll_steps, args.type_at_once)
        return 0
    from synthetic_library import build_library, check_untouched, install_random_clip

    from motis_desktop.core.services import Services

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "MOTIS_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
        env.pop("MOTIS_INFERENCE_MODE", None)
        services = Services.open(home)
        started = time.perf_counter()
        model_id = install_random_clip(services, "bench", args.model, Path(tmp))
        library_s = build_library(services, model_id, args.n, Path(tmp))
        start = time.perf_counter()
        choice = services.mode_choice(services.active_model())  # once per model, as on first launch
        emit(
            args.json,
            metric="setup",
            model=args.model,
            n=args.n,
            seconds=time.perf_counter() - started,
            library_s=library_s,
            mode=choice.get("modes", choice.get("mode")),
            mode_choice_s=time.perf_counter() - start,
        )
        services.close()
        for run in range(args.runs):
            check_untouched(home, args.n, f"before run {run}")
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(home), "--scroll-steps", str(args.scroll_steps)],
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            check_untouched(home, args.n, f"after run {run}")  # the app's start-up pass re-encoded nothing
            lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
            if proc.returncode != 0 or not lines:
                emit(args.json, metric="gui_start", run=run, error=(proc.stderr or proc.stdout)[-500:])
                continue
            emit(args.json, metric="gui_start", run=run, n=args.n, model=args.model, **json.loads(lines[-1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
