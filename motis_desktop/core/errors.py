"""Exceptions the core raises for conditions a user can act on.

Front ends show :func:`user_message` of an error as one line; anything that is not a
:class:`MotisError` and escapes the core is a bug. Callers decide by type and attributes
(``ImageError.kind``, ``LibraryBusy``), never by the text of a message.
"""

from __future__ import annotations

from enum import Enum


class MotisError(Exception):
    """A problem the user can fix (bad file, missing model, wrong argument)."""


class ImageProblem(Enum):
    """Why an image file cannot be used, which decides what the indexer does with it."""

    VANISHED = "vanished"  # the file is gone: forget it
    UNREADABLE = "unreadable"  # permission or I/O trouble that may pass: retry on the next run
    INVALID = "invalid"  # the content cannot be used: skip until the file changes


class ImageError(MotisError):
    """An image file that cannot be used; the message names the reason, ``kind`` classifies it."""

    def __init__(self, message: str, kind: ImageProblem = ImageProblem.INVALID) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def transient(self) -> bool:
        """True when trying again later may succeed."""
        return self.kind is ImageProblem.UNREADABLE


class ModelError(MotisError):
    """A model file that is missing, corrupt or of the wrong shape; names the file."""


class LibraryError(MotisError):
    """The library database cannot be used as asked."""


class UnknownStrategy(MotisError, ValueError):
    """A vector index strategy name that does not exist."""

    def __init__(self, strategy: str, choices: tuple[str, ...]) -> None:
        super().__init__(f"unknown index strategy {strategy!r} (choose from {', '.join(choices)})")
        self.strategy = strategy


def user_message(exc: BaseException) -> str:
    """One line for a person: the message of a :class:`MotisError`, else the type and text of a bug."""
    if isinstance(exc, MotisError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"
