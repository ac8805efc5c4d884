"""Ctrl+C in the terminal while the window starts or after its event loop ended: remembered, never a traceback.

Inside the event loop :func:`motis_desktop.gui.terminate.close_on_terminate` closes the window. Outside it,
Python's default handler raised KeyboardInterrupt wherever the program was: in the middle of an import, of building
the window, of closing the library — a traceback in the terminal (QA). :func:`interrupts_held` remembers a first
Ctrl+C instead (the app then closes the window as soon as its loop runs, and exits 130); a second one raises
KeyboardInterrupt, a way out of a start that hangs, which the app turns into a quiet exit 130 too. Light on purpose
(``signal`` only): the app holds Ctrl+C before it imports Qt.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

INTERRUPTED = 128 + signal.SIGINT  # 130, the exit status of a program stopped by Ctrl+C (as `motis`)


class Held:
    """Whether a Ctrl+C came while held."""

    def __init__(self) -> None:
        self.interrupted = False

    def remember(self, _signum: int, _frame: FrameType | None) -> None:
        if self.interrupted:  # the second one: stop what hangs now (the app catches it)
            raise KeyboardInterrupt
        self.interrupted = True


@contextmanager
def interrupts_held(for_good: bool = False) -> Iterator[Held]:
    """Remember Ctrl+C in the :class:`Held` yielded while in the block (from the main thread; elsewhere nothing
    changes). Afterwards the handler before it is back, or, ``for_good`` (the app's own process, whose Python shuts
    down next: its exit handlers, the interpreter's teardown), a Ctrl+C ends the process at once with status 130,
    without a word (everything of the app's is closed by then)."""
    held = Held()
    try:
        earlier = signal.signal(signal.SIGINT, held.remember)
    except ValueError:  # not the main thread: only the main thread gets KeyboardInterrupt
        yield held
        return
    try:
        yield held
    finally:
        signal.signal(signal.SIGINT, _end_now if for_good else earlier)


def _end_now(_signum: int, _frame: FrameType | None) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):  # no stream (a GUI start), or one closed
            pass
    os._exit(INTERRUPTED)
