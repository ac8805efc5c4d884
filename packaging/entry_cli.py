"""Frozen entry point of ``motis`` (the PyInstaller bundle's command-line executable)."""

import multiprocessing
import sys

if __name__ == "__main__":
    # A spawned worker process (decode pool) re-runs this executable: run its task and exit here.
    multiprocessing.freeze_support()
    from motis_desktop.cli.main import main

    sys.exit(main())
