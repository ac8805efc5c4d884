"""What the text stage needs of the library database: read rows, write in a transaction.

A protocol, so core/ocr never imports core/library (the library runs the text stage: the import goes one
way); ``library.store.LibraryStore`` is the implementation.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol


class TextDatabase(Protocol):
    """The library database as the text tables use it."""

    def select(self, sql: str, params: Iterable[object] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only statement."""
        ...

    def transaction(self, photos: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (committed on success, rolled back on error); ``photos`` False: it leaves every
        photo's row and vector as they were (the text stage's writes)."""
        ...
