"""``motis folders move OLD NEW``: the user says where an offline library folder went (``core/library/
folder_locate.py`` does it; QA walk 6: a renamed library folder stayed offline for good)."""

from __future__ import annotations

import argparse

from motis_desktop.cli.lock_wait import LockWait
from motis_desktop.cli.output import one_line, print_json
from motis_desktop.core.formatting import count
from motis_desktop.core.services import LibraryBusy, Services


def move_command(services: Services, args: argparse.Namespace) -> int:
    """Move the library folder ``args.old`` to ``args.new``; while another process indexes, fail having changed
    nothing or (``--wait``) wait for it, as ``motis index`` does (``cli/lock_wait.py``)."""
    waiting = LockWait(services, args.wait, ())
    while True:
        waiting.before_adding()
        try:
            located = services.move_folder(args.old, args.new)
            break
        except LibraryBusy as held:  # its run began between the look and the move
            if not args.wait:
                waiting.refuse(held)
    if args.json:
        print_json(located.to_json())
        return 0
    print(one_line(located.words))
    if located.others:
        print(f"{count(located.others, 'more photo')} in {one_line(located.new)}: 'motis index' indexes them")
    return 0
