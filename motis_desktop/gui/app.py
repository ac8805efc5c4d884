"""Entry point of the desktop app (``motis-desktop`` / ``python -m motis_desktop``)."""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys

from PySide6.QtWidgets import QApplication, QMessageBox

from motis_desktop import __version__
from motis_desktop.core.errors import MotisError
from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow


def main(argv: list[str] | None = None) -> int:
    multiprocessing.freeze_support()  # decoder worker processes inside a frozen (PyInstaller) build
    parser = argparse.ArgumentParser(prog="motis-desktop", description="MoTIS Desktop photo search")
    parser.add_argument("--home", help="app data folder (default: $MOTIS_HOME or the platform data folder)")
    args, qt_args = parser.parse_known_args(argv if argv is not None else sys.argv[1:])
    app = QApplication.instance() or QApplication([sys.argv[0], *qt_args])
    app.setApplicationName("MoTIS Desktop")
    app.setApplicationVersion(__version__)
    try:
        services = Services.open(args.home)
        services.store  # noqa: B018  (a library that cannot be opened is one message, before any window)
    except MotisError as exc:
        QMessageBox.critical(None, "MoTIS Desktop", str(exc))
        return 1
    log_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    try:
        logging.basicConfig(
            filename=str(services.paths.home / "motis-desktop.log"), level=logging.INFO, format=log_format
        )
    except OSError:  # a read-only home: search still works, the log goes to stderr
        logging.basicConfig(level=logging.INFO, format=log_format)
    window = MainWindow(services)
    window.show()
    code = app.exec()
    services.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
