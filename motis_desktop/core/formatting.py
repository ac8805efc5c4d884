"""Small text formatting shared by the front ends (they never import each other)."""

from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """``MM:SS``, or ``H:MM:SS`` from one hour; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
