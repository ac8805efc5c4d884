"""Output shared by the commands: machine-readable (``--json``), and paths on lines of their own."""

from __future__ import annotations

import json
import re
from typing import Any

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # what ends a line or drives the terminal
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(path: str) -> str:
    """``path`` with its control characters escaped (``\\n``, ``\\x1b``): a file name holding a newline printed
    as is broke the one-result-a-line output (QA), and an escape sequence would drive the terminal. ``--json``
    keeps the names exact."""
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), _escape(ord(m.group()))), path)


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def print_json(obj: Any) -> None:
    """One JSON document on one line of stdout."""
    print(json.dumps(obj, indent=None))
