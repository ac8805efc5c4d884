"""``motis index`` against another process's run (the index lock held): wait for it, or say exactly what
happened (QA walk 6: it failed "try again" after it had added the folder)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import NoReturn

from motis_desktop.cli.interrupts import release_interrupts
from motis_desktop.core.errors import MotisError
from motis_desktop.core.services import IndexSummary, LibraryBusy, Services


class LockWait:
    """``motis index`` against another process's run (the index lock held; QA walk 6: it failed "try again" after
    adding the folder): ``--wait`` waits for that run to end (saying so once), else it fails before adding any
    folder, or, when the other run began between the check and this one, says the folder was added."""

    def __init__(self, services: Services, wait: bool, named: Sequence[str]) -> None:
        self.services, self.wait, self.named = services, wait, named
        self.said = False

    def before_adding(self) -> None:
        held = self.services.index_busy()
        if held is None:
            return
        if not self.wait:
            self.refuse(held)
        release_interrupts()  # Ctrl+C stops the wait
        self._wait_for(held)

    def refuse(self, held: LibraryBusy) -> NoReturn:
        """Fail, having changed nothing, because ``held`` runs (``motis index``, ``motis folders move``)."""
        raise MotisError(
            f"{held.summary}; nothing was changed: run this again when it has finished, or add --wait to wait for it"
        )

    def run(self, run: Callable[[], IndexSummary]) -> IndexSummary:
        while True:
            try:
                return run()
            except LibraryBusy as held:
                if not self.wait:
                    added = f"; {', '.join(self.named)} added to the library, to be indexed" if self.named else ""
                    raise MotisError(
                        f"{held.summary}{added}: run 'motis index' again when it has finished, or add --wait"
                    ) from None
                self._wait_for(held)

    def _wait_for(self, held: LibraryBusy) -> None:
        if not self.said:
            print(f"motis: {held.summary}; waiting for it to finish (Ctrl+C stops)", file=sys.stderr, flush=True)
            self.said = True
        self.services.wait_until_free(threading.Event())  # a Ctrl+C raises KeyboardInterrupt in the wait
