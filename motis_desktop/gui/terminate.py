"""Ctrl+C in the terminal (SIGINT) and SIGTERM (``kill``, a session's logout, a service manager) close the window
as File ▸ Quit does.

SIGTERM's default action ended the app on the spot: its decoder processes and library were never closed, and
Python's resource tracker printed "There appear to be 4 leaked semaphore objects to clean up at shutdown" (QA
walk). SIGINT's default handler raised KeyboardInterrupt inside whatever Python slot ran next: a traceback, and the
window kept running (QA walk). A Python signal handler runs only when the interpreter gets control, which Qt's event
loop (C++) does not give it while idle: ``signal.set_wakeup_fd`` writes a byte to a socket that a
``QSocketNotifier`` watches, so the loop wakes, Python runs the handler, and the handler asks the window to close.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from PySide6.QtCore import QSocketNotifier, QTimer

from motis_desktop.gui.interrupts import INTERRUPTED  # 130, the exit status of a program stopped by Ctrl+C


@dataclass
class Ending:
    """Which signal asked the window to close, if one did."""

    signal: int | None = None

    @property
    def exit_code(self) -> int | None:
        """The exit status the signal calls for: 130 after Ctrl+C; None (the event loop's own) otherwise —
        SIGTERM is a logout or a service manager's stop, an ordinary end."""
        return INTERRUPTED if self.signal == signal.SIGINT else None


@contextmanager
def close_on_terminate(close: Callable[[], object]) -> Iterator[Ending]:
    """While in the block (the app's event loop), SIGINT and SIGTERM call ``close`` on the GUI thread; the
    :class:`Ending` yielded says which one came. The handlers and wake-up fd before it are restored afterwards (a
    test that runs the app in its own process keeps its own)."""
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda: _drain(reader))
    ending = Ending()

    def handle(signum: int, _frame: FrameType | None) -> None:
        ending.signal = ending.signal or signum
        QTimer.singleShot(0, close)

    earlier_fd = signal.set_wakeup_fd(writer.fileno())
    earlier = {signum: signal.signal(signum, handle) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield ending
    finally:
        for signum, handler in earlier.items():
            signal.signal(signum, handler)
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
