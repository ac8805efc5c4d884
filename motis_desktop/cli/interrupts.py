"""Ctrl+C (SIGINT) while ``motis`` starts: held until the command can stop cleanly and say what it kept.

A KeyboardInterrupt raised while Python imports the program, or inside an extension module's import (which
turns it into an ImportError), ends in a traceback or an "internal error". So the ``motis`` command holds Ctrl+C
(:func:`hold_interrupts`) from the first line of its own code that runs (``cli/__init__.py``, before even
``cli.entry`` is imported): a first Ctrl+C is remembered, a second one raises at once (a way out of a start that
hangs). :func:`release_interrupts` raises the remembered one where the command catches it (``motis index``: just
before the indexer starts, so it can say nothing was indexed yet), then lets Ctrl+C raise as usual.
:func:`was_interrupted` tells an error that came in a Ctrl+C's wake from a bug.

Light on purpose: it is imported before anything else, so it uses the C module ``_signal`` (``signal`` imports
``enum``: milliseconds in which a Ctrl+C would not be held yet) and not ``threading``.
"""

from __future__ import annotations

import _thread

TYPE_CHECKING = False  # not typing's: importing typing would cost the milliseconds this module saves
if TYPE_CHECKING:
    import signal as _signal
    from collections.abc import Callable
    from types import FrameType
else:
    import _signal


class _State:
    pending = False  # a Ctrl+C came while held, not raised yet
    seen = False  # a Ctrl+C came (held or raised)


def hold_interrupts() -> None:
    """From now on, remember a first Ctrl+C instead of raising KeyboardInterrupt (only where Python raises it:
    not when SIGINT is ignored, as in a background job, nor off the main thread)."""
    if _signal.getsignal(_signal.SIGINT) in (_signal.default_int_handler, _raise):
        _set_handler(_remember)


def release_interrupts() -> None:
    """Let Ctrl+C raise KeyboardInterrupt again; raise it now if one came while held."""
    if _signal.getsignal(_signal.SIGINT) is _remember:
        _set_handler(_raise)
    if _State.pending:
        _State.pending = False
        raise KeyboardInterrupt


def was_interrupted() -> bool:
    """Whether a Ctrl+C came during this run (an ImportError then is the interrupted import, not a bug)."""
    return _State.seen


def stop_on_terminate() -> None:
    """Let SIGTERM (``kill``, ``timeout``, a service manager stopping ``motis watch`` or ``motis serve``) stop the
    command as Ctrl+C does, through its ``finally`` blocks: the decoder processes and the library close, where
    the default action ended the process on the spot (and Python's resource tracker then said "There appear to be
    4 leaked semaphore objects" on the way out). Called by the ``motis`` process only, never by a program that
    imports the command line (a test run keeps its own SIGTERM)."""
    try:
        if _signal.getsignal(_signal.SIGTERM) == _signal.SIG_DFL:
            _signal.signal(_signal.SIGTERM, _terminate)
    except ValueError:  # not the main thread
        pass


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM: what a Ctrl+C would do now (held while the program starts), raised even where SIGINT is ignored."""
    if _signal.getsignal(_signal.SIGINT) is _remember:
        _remember(signum, frame)
    else:
        _raise(signum, frame)


def _set_handler(handler: Callable[[int, FrameType | None], None]) -> None:
    try:
        _signal.signal(_signal.SIGINT, handler)
    except ValueError:  # not the main thread: only the main thread sets handlers (and gets KeyboardInterrupt)
        pass


def _remember(signum: int, frame: FrameType | None) -> None:
    _State.seen = True
    if _State.pending:  # the second Ctrl+C: stop now
        raise KeyboardInterrupt
    _State.pending = True


def _raise(signum: int, frame: FrameType | None) -> None:
    _State.seen = True
    raise KeyboardInterrupt


def stop_instead(stop: Callable[[], None]) -> Callable[[], bool]:
    """For a command that runs until told to stop and stops cleanly when told (``motis watch``): from now on
    Ctrl+C and SIGTERM call ``stop`` instead of raising KeyboardInterrupt wherever the main thread happens to be
    (raised inside a lock's release, it came out as "internal error: RuntimeError: release unlocked lock"); a
    second one raises at once (a way out of a stop that hangs). Returns a function that puts the handlers back and
    says whether a stop was asked for. A SIGINT that is ignored (a background job) stays ignored.

    ``stop`` runs on a thread of its own, never in the handler: the handler runs in the main thread between any two
    steps, which may hold the lock that ``stop`` takes (an Event's), and starting a thread there takes threading's
    own locks. The handler only releases a bare lock (C, no other lock taken) that this thread waits on."""
    asked = [False]
    wake = _thread.allocate_lock()
    wake.acquire()

    def stopper() -> None:
        wake.acquire()  # released by the handler, or by restore() when no stop was asked for
        if asked[0]:
            stop()

    _thread.start_new_thread(stopper, ())

    def handler(signum: int, frame: FrameType | None) -> None:
        _State.seen = True
        if asked[0]:
            raise KeyboardInterrupt
        asked[0] = True
        wake.release()

    taken: list[tuple[int, object]] = []
    for signum, ours in (
        (_signal.SIGINT, (_signal.default_int_handler, _raise, _remember)),
        (_signal.SIGTERM, (_terminate,)),
    ):
        previous = _signal.getsignal(signum)
        if previous in ours:
            try:
                _signal.signal(signum, handler)
            except ValueError:  # not the main thread: no handlers to take
                continue
            taken.append((signum, previous))

    def restore() -> bool:
        for signum, previous in taken:
            _signal.signal(signum, previous)  # type: ignore[arg-type]
        if not asked[0]:
            wake.release()  # the stopper ends without stopping
        return asked[0]

    return restore
