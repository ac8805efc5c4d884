"""Machine-readable output shared by the commands (``--json``)."""

from __future__ import annotations

import json
from typing import Any


def print_json(obj: Any) -> None:
    """One JSON document on one line of stdout."""
    print(json.dumps(obj, indent=None))
