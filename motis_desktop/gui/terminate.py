"""SIGTERM (``kill``, a session's logout, a service manager) closes the window as File ▸ Quit does.

The default action ended the app on the spot: its decoder processes and library were never closed, and Python's
resource tracker printed "There appear to be 4 leaked semaphore objects to clean up at shutdown" (QA walk). A
Python signal handler runs only when the interpreter gets control, which Qt's event loop (C++) does not give
it while idle: ``signal.set_wakeup_fd`` writes a byte to a socket that a ``QSocketNotifier`` watches, so the loop
wakes, Python runs the handler, and the handler asks the window to close.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QSocketNotifier, QTimer


@contextmanager
def close_on_terminate(close: Callable[[], object]) -> Iterator[None]:
    """While in the block (the app's event loop), SIGTERM calls ``close`` on the GUI thread; the handler and wake-up
    fd before it are restored afterwards (a test that runs the app in its own process keeps its own)."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda: _drain(reader))
    earlier_fd = signal.set_wakeup_fd(writer.fileno())
    earlier = signal.signal(signal.SIGTERM, lambda _signum, _frame: QTimer.singleShot(0, close))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, earlier)
        signal.set_wakeup_fd(earlier_fd)
        notifier.setEnabled(False)
        reader.close()
        writer.close()


def _drain(reader: socket.socket) -> None:
    # Reading is all: Python has run the handler on the way into this slot.
    try:
        while reader.recv(64):
            pass
    except (BlockingIOError, OSError):
        pass
