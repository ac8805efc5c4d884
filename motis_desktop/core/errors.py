"""Exceptions the core raises for conditions a user can act on.

Front ends show :func:`user_message` of an error as one line; anything that is not a
:class:`MotisError` and escapes the core is a bug. Callers decide by type and attributes
(``ImageError.kind``, ``LibraryBusy``), never by the text of a message.
"""

from __future__ import annotations

from enum import Enum

from motis_desktop.core.kinds import ImageProblem as ImageProblem  # its home is kinds; raised with ImageError


def os_reason(exc: OSError) -> str:
    """An OSError's reason as the app's other reasons read after a colon: "permission denied", not the C
    library's "Permission denied" (QA saw both side by side)."""
    words = exc.strerror or str(exc)
    return words[:1].lower() + words[1:]


class MotisError(Exception):
    """A problem the user can fix (bad file, missing model, wrong argument); ``usage``: a mistake in what was typed
    (a query's syntax), which the CLI exits 2 for, as for its other usage errors."""

    usage = False


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


class DownloadProblem(Enum):
    """Why a download failed, for each front end to say in its own words (with ``DownloadError.host``)."""

    UNREACHABLE = "unreachable"  # no connection to the host: offline, its name not found, a proxy, refused
    REFUSED = "refused"  # the host answered with an HTTP error (404, 403, ...)
    WEB_PAGE = "web page"  # a web page came instead of the file (a sign-in, over quota, confirmation pages)
    STALLED = "stalled"  # the connection stopped sending or broke, again after the retries
    OTHER = "other"  # the file itself (checksum, size), the disk: the message says it all


class DownloadError(MotisError):
    """A download that failed: the message names the host and what happened (no front end's advice; the
    command line adds where to get the files by hand, the window points to its import button); ``kind`` and
    ``host`` are the facts."""

    def __init__(self, message: str, kind: DownloadProblem = DownloadProblem.OTHER, host: str = "") -> None:
        super().__init__(message)
        self.kind, self.host = kind, host


class LibraryError(MotisError):
    """The library database cannot be used as asked."""


class WriteProblem(Enum):
    """Why the library database could not be written; each has its own one-line message (:func:`user_message`)."""

    DISK_FULL = "disk full"  # no space left where the library lives
    READ_ONLY = "read-only"  # the file, its folder or the whole disk refuses writes
    LOCKED = "locked"  # another process held the database longer than we wait
    CORRUPT = "corrupt"  # SQLite found damage in the file
    IO_ERROR = "I/O error"  # the disk failed in another way


class LibraryWriteError(LibraryError):
    """A write to the library failed and was rolled back: nothing of it was kept, the library is as it was
    before and opens again once the cause is gone. ``kind`` says why; ``detail`` is SQLite's own words (for
    logs), ``path`` the database."""

    def __init__(self, kind: WriteProblem, path: str, detail: str = "", waited_s: float = 0.0) -> None:
        self.kind = kind
        self.path = path
        self.detail = detail
        self.waited_s = waited_s
        super().__init__(write_problem_message(self))


def write_problem_message(exc: LibraryWriteError) -> str:
    """The one line a person sees for each :class:`WriteProblem`."""
    kind, path = exc.kind, exc.path
    if kind is WriteProblem.DISK_FULL:
        return (
            f"{path}: the disk is full, so the library could not be saved; free some space and try again "
            "(work saved before is kept)"
        )
    if kind is WriteProblem.READ_ONLY:
        detail = exc.detail.removeprefix(f"{path} ")  # "PATH is not writable…": the path is said once (QA)
        why = f": {'it ' if detail != exc.detail else ''}{detail}" if detail else ""
        return f"{path}: the library is read-only here{why}; searching works, changes need write access"
    if kind is WriteProblem.LOCKED:
        return (
            f"the library is busy in another MoTIS process (waited {exc.waited_s:.0f} s to write); "
            "try again when it has finished"
        )
    if kind is WriteProblem.CORRUPT:
        return (
            f"{path}: the library database is damaged ({exc.detail}); start MoTIS again to set it aside and "
            "rebuild it from your photos"
        )
    return f"{path}: the disk failed while saving the library ({exc.detail}); nothing of this change was kept"


class UnknownStrategy(MotisError, ValueError):
    """A vector index strategy name that does not exist."""

    def __init__(self, strategy: str, choices: tuple[str, ...]) -> None:
        super().__init__(f"unknown index strategy {strategy!r} (choose from {', '.join(choices)})")
        self.strategy = strategy


def short_reason(exc: BaseException) -> str:
    """The first line of another library's error (torch, onnx, onnxruntime, tokenizers), cut to a sentence:
    what a one-line error quotes."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    text = lines[0] if lines else type(exc).__name__
    if len(text) > 160 and ". " in text[20:]:
        text = text[: text.index(". ", 20) + 1]
    return text[:200]


def user_message(exc: BaseException) -> str:
    """One line for a person: the message of a :class:`MotisError`, else the type and text of a bug."""
    if isinstance(exc, MotisError):
        return str(exc)
    return f"internal error: {type(exc).__name__}: {exc}"
