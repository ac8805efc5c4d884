"""``motis folders move OLD NEW``: the user says where an offline library folder went (``core/library/
folder_locate.py`` does it; QA walk 6: a renamed library folder stayed offline for good).

A folder whose photos' times changed on the way (a copy that did not keep them) is checked photo by photo: the bar
says "checking 1,204 of 9,000 photos…" with rate and ETA (on a terminal), and Ctrl+C stops it with nothing changed
(exit 130): the core writes the move in one transaction after the check, which no Ctrl+C interrupts. A Ctrl+C
that comes sooner (while the library opens, or during ``--wait``) says the same (:func:`cancelled_line`; QA walk 9:
it said only "motis: interrupted")."""

from __future__ import annotations

import argparse
import sys
import threading

from motis_desktop.cli.interrupts import stop_instead
from motis_desktop.cli.lock_wait import LockWait
from motis_desktop.cli.output import one_line, print_json
from motis_desktop.cli.progress import ProgressBar
from motis_desktop.core.errors import MotisError
from motis_desktop.core.formatting import count
from motis_desktop.core.services import LibraryBusy, Services


def cancelled_line(old: str) -> str:
    """What a move stopped by Ctrl+C or ``kill`` says (exit 130): what was kept, as README promises for 130."""
    return f"motis: move cancelled: nothing was changed (the library still has {one_line(old)})"


def move_command(services: Services, args: argparse.Namespace) -> int:
    """Move the library folder ``args.old`` to ``args.new``; while another process indexes, fail having changed
    nothing or (``--wait``) wait for it, as ``motis index`` does (``cli/lock_wait.py``)."""
    try:
        return _move(services, args)
    except KeyboardInterrupt:  # before the move began (a wait for another run), or a second Ctrl+C in it
        print(cancelled_line(args.old), file=sys.stderr)
        return 130


def _move(services: Services, args: argparse.Namespace) -> int:
    waiting = LockWait(services, args.wait, ())
    bar, cancel = ProgressBar(), threading.Event()
    while True:
        waiting.before_adding()
        # Ctrl+C sets ``cancel`` (the core looks at it between two photos) instead of raising wherever the main
        # thread is; set here, not from a thread: nothing on this path waits on the event (no lock of it is held)
        restore = stop_instead(cancel.set)
        try:
            located = services.move_folder(args.old, args.new, bar, cancel)
            break
        except LibraryBusy as held:  # its run began between the look and the move
            if not args.wait:
                waiting.refuse(held)
        except MotisError:
            if not cancel.is_set():
                raise
            bar.close()  # the line on a bar cleared first: it was written after "checking 0 of 12 photos…"
            print(cancelled_line(args.old), file=sys.stderr)
            return 130
        finally:
            restore()
            bar.close()
    if args.json:
        print_json(located.to_json())
        return 0
    print(one_line(located.words))
    if located.others:
        print(f"{count(located.others, 'more photo')} in {one_line(located.new)}: 'motis index' indexes them")
    return 0
