"""Entry point of the desktop app (``motis-desktop`` / ``python -m motis_desktop``)."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from motis_desktop.gui.interrupts import INTERRUPTED, Held, interrupts_held

if TYPE_CHECKING:
    from PySide6.QtCore import QMessageLogContext, QtMsgType
    from PySide6.QtGui import QIcon

    from motis_desktop.gui.main_window import MainWindow

# Qt and the window are imported in main(), once Ctrl+C is held: one during those seconds of imports printed a
# KeyboardInterrupt traceback (QA; gui/interrupts.py).


def main(argv: list[str] | None = None) -> int:
    """Run the app; its exit status (130 after Ctrl+C, whenever it came: start-up, the window, shutdown). ``argv``
    None: the process's own arguments, and the process is the app's (Ctrl+C stays quiet through Python's exit)."""
    multiprocessing.freeze_support()  # decoder worker processes inside a frozen (PyInstaller) build
    with interrupts_held(for_good=argv is None) as held:
        try:
            if argv is None:  # the app's own process: a command it keeps waiting says "the MoTIS window (pid N) …"
                from motis_desktop.core.services import name_this_process

                name_this_process("the MoTIS window")
            code = _run(argv if argv is not None else sys.argv[1:], held)
        except (KeyboardInterrupt, Exception):
            if not held.interrupted:  # a bug: its traceback
                raise
            return INTERRUPTED  # a second Ctrl+C, or an import it broke off (an ImportError then)
    return INTERRUPTED if held.interrupted else code


def _run(argv: list[str], held: Held) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from motis_desktop import __version__
    from motis_desktop.gui.home_choice import open_home
    from motis_desktop.gui.main_window import MainWindow
    from motis_desktop.gui.none_refs import keep_none_alive
    from motis_desktop.gui.terminate import close_on_terminate
    from motis_desktop.gui.theme import follow_system_scheme

    parser = argparse.ArgumentParser(prog="motis-desktop", description="MoTIS Desktop photo search")
    parser.add_argument("--home", help="app data folder (default: $MOTIS_HOME or the platform data folder)")
    # Hidden, for smoke tests and start-up benchmarks (see gui/startup_probe.py).
    parser.add_argument("--quit-after-show", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--probe-search", metavar="TEXT", help=argparse.SUPPRESS)
    parser.add_argument("--probe-indexing", action="store_true", help=argparse.SUPPRESS)
    args, qt_args = parser.parse_known_args(argv)
    keep_none_alive()  # every painter and view loses PySide6 references to None, not the grid's alone
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("MoTIS Desktop")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("motis-desktop")  # ties windows to motis-desktop.desktop (Wayland app id, task bars)
    app.setWindowIcon(_icon())
    follow_system_scheme(app)  # light or dark, as the system is
    services = open_home(args.home)  # a named home that is missing: asks first (gui/home_choice.py)
    if services is None:
        return 1
    setup_logging(services.home / "motis-desktop.log")
    window = MainWindow(services)
    window.library_failed.connect(lambda message: _cannot_open(window, message))
    if args.quit_after_show or args.probe_search or args.probe_indexing:
        from motis_desktop.gui.startup_probe import StartupProbe

        StartupProbe(window, args.probe_search, args.probe_indexing)
    window.show()
    if held.interrupted:  # Ctrl+C while it started: closed as soon as the loop runs, as File ▸ Quit does
        QTimer.singleShot(0, window.close)
    with close_on_terminate(window.close) as ending:  # Ctrl+C, kill, logout: the same way out as File ▸ Quit
        code = app.exec()
    services.close()
    return ending.exit_code or code


def _cannot_open(window: MainWindow, message: str) -> None:
    """The library cannot be opened (unreadable, busy, another user's): one message, then quit."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    QMessageBox.critical(window, "MoTIS Desktop", message)
    window.close()
    QApplication.exit(1)


class QuietFileHandler(logging.FileHandler):
    """A log file whose failed writes (a full disk, a disk gone) are dropped without a word: the default printed a
    "--- Logging error ---" traceback to the terminal for every record (QA: a full home). Writing goes on, so the
    log resumes once there is room."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # what could not be written at the end either
            pass


def setup_logging(log_file: Path) -> None:
    """Send the app's log records, and Qt's own warnings, to ``log_file``."""
    handler: logging.Handler
    try:
        handler = QuietFileHandler(log_file, encoding="utf-8")
    except OSError:  # a read-only home: search still works, the log goes to stderr
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    from PySide6.QtCore import qInstallMessageHandler

    qInstallMessageHandler(qt_message_to_log)


def qt_message_to_log(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's message handler: Qt warnings go to the log file instead of vanishing on a terminal-less start."""
    from PySide6.QtCore import QtMsgType

    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }
    logging.getLogger("qt").log(levels.get(kind, logging.WARNING), "%s", message)


def _icon() -> QIcon:
    """The app icon at every size we ship (resources/icons); an empty icon if they are missing."""
    from PySide6.QtGui import QIcon

    from motis_desktop.core.resources import resource_path

    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        try:
            icon.addFile(str(resource_path(f"icons/motis-desktop-{size}.png")))
        except FileNotFoundError:
            continue
    return icon


if __name__ == "__main__":
    sys.exit(main())
