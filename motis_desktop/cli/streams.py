"""The command's output streams: file names written as the OS's bytes, and a reader that went away (``| head``).

Light on purpose: the entry point uses it before it imports the core (a search answered by ``motis serve``).
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable

CLOSED_PIPE = 141  # what a shell reports for a command that SIGPIPE ended (128 + 13), as for `yes | head -1`
_ERRORS = "motis-os-bytes"


def _os_bytes(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Encoding error handler: a byte of a file name that is not valid UTF-8 (a lone surrogate, as the OS's
    names decode) is written as that byte, as ``ls`` prints it, so the name can be pasted into a shell; any
    other character the stream cannot encode as a backslash escape."""
    if isinstance(exc, UnicodeEncodeError):
        char = ord(exc.object[exc.start])
        if 0xDC80 <= char <= 0xDCFF:
            return bytes([char - 0xDC00]), exc.start + 1
    return codecs.backslashreplace_errors(exc)


def set_up_streams() -> None:
    """Write what the command prints to stdout and stderr with :func:`_os_bytes` for what cannot be encoded."""
    codecs.register_error(_ERRORS, _os_bytes)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=_ERRORS)


HELPER_PIPE = (
    "motis: a helper process of motis ended unexpectedly (broken pipe); what was done so far is kept: run the command "
    "again"
)


def stdout_reader_gone() -> bool:
    """Whether a ``BrokenPipeError`` means stdout's reader has gone: stdout is a pipe whose other end is closed
    (True too when that cannot be told, a test's captured stdout). Else the pipe was one of ours, to a decoder or
    helper process, and saying nothing (exit 141) hid that the command had failed."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return True
    import select

    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))


def quiet_on_closed_pipe(run: Callable[[], int]) -> int:
    """``run()``'s exit code; when the reader of stdout has gone (``motis search red --all | head -1``), end
    quietly with :data:`CLOSED_PIPE`, as other Unix tools do. The Python docs' recipe: point stdout at devnull,
    so that the flush at exit cannot fail again."""
    try:
        try:
            return run()
        finally:
            if sys.stdout is not None:
                sys.stdout.flush()  # buffered output meets the closed pipe here (also after --help's SystemExit)
    except BrokenPipeError:
        if not stdout_reader_gone():
            print(HELPER_PIPE, file=sys.stderr)
            return 1
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):  # no file descriptor (a test's captured stdout)
            pass
        return CLOSED_PIPE
