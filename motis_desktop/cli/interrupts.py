"""Ctrl-C (SIGINT) while ``motis`` starts: held until the command can stop cleanly and say what it kept.

A KeyboardInterrupt raised while Python imports the program, or inside an extension module's import (which
turns it into an ImportError), ends in a traceback or an "internal error". So the entry point holds Ctrl-C
(:func:`hold_interrupts`) before it imports the core: a first Ctrl-C is remembered, a second one raises at once
(a way out of a start that hangs). :func:`release_interrupts` raises the remembered one where the command
catches it (``motis index``: just before the indexer starts, so it can say nothing was indexed yet), then lets
Ctrl-C raise as usual. :func:`was_interrupted` tells an error that came in a Ctrl-C's wake from a bug.

Light on purpose: ``cli.entry`` imports it before anything else.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


class _State:
    pending = False  # a Ctrl-C came while held, not raised yet
    seen = False  # a Ctrl-C came (held or raised)


def hold_interrupts() -> None:
    """From now on, remember a first Ctrl-C instead of raising KeyboardInterrupt (only where Python raises it:
    not when SIGINT is ignored, as in a background job, nor off the main thread)."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) in (
        signal.default_int_handler,
        _raise,
    ):
        signal.signal(signal.SIGINT, _remember)


def release_interrupts() -> None:
    """Let Ctrl-C raise KeyboardInterrupt again; raise it now if one came while held."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is _remember:
        signal.signal(signal.SIGINT, _raise)
    if _State.pending:
        _State.pending = False
        raise KeyboardInterrupt


def was_interrupted() -> bool:
    """Whether a Ctrl-C came during this run (an ImportError then is the interrupted import, not a bug)."""
    return _State.seen


def _remember(signum: int, frame: FrameType | None) -> None:
    _State.seen = True
    if _State.pending:  # the second Ctrl-C: stop now
        raise KeyboardInterrupt
    _State.pending = True


def _raise(signum: int, frame: FrameType | None) -> None:
    _State.seen = True
    raise KeyboardInterrupt
