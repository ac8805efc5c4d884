"""Small text formatting shared by the front ends (they never import each other)."""

from __future__ import annotations

import os


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in its number: ``1 photo``, ``0 photos``, ``3 copies`` (``plural``: when not noun+s)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def format_duration(seconds: float | None) -> str:
    """``MM:SS``, or ``H:MM:SS`` from one hour; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def format_pixels(width: int, height: int) -> str:
    """A photo's pixel size as it is shown (upright), the same everywhere: "400 × 600 px"."""
    return f"{width} × {height} px"


def format_size(n: int | float) -> str:
    """A file size as a file manager shows it (decimal units): ``512 B``, ``300 kB``, ``2.5 MB``, ``45 MB``,
    ``1.2 GB``: one decimal under 10 of a unit, whole numbers from there."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if unit == "B" and value < 1000:
            return f"{int(value)} B"
        shown = f"{value:.1f}" if value < 9.95 else f"{value:.0f}"
        if float(shown) < 1000 or unit == "GB":
            return f"{shown} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def went_away_words(folder: str, photos: int) -> str:
    """What a run says of the ``photos`` whose files vanished with ``folder`` before it read them: one line a
    folder, not one a photo (QA saw 1,500)."""
    they = "it is" if photos == 1 else "they are"
    return f"{folder} went away during indexing: {count(photos, 'photo')} not read yet; {they} read when it is back"


def own_folder_words(folder: str) -> str:
    """What a run says of a library folder that holds the app's own data folder (its home, left out of the scan:
    ``core/library/own_folder.py``)."""
    return f"{folder}: MoTIS's own data folder inside it is left out"


def left_out_words(folder: str, app_data: list[str]) -> str:
    """What a run says of a library folder (a home folder added whole) whose account's application data it left out
    (``core/library/app_data.py``): "/home/anna: left out: Library (app data)"."""
    names = ", ".join(sorted(os.path.relpath(path, folder) for path in app_data))
    return f"{folder}: left out: {names} (app data)"


def copies_words(n: int) -> str:
    """New files whose bytes the library held (they took that photo's vectors, date and text): "1 copy of a photo
    already indexed", "3 copies of photos already indexed" (both front ends)."""
    return "1 copy of a photo already indexed" if n == 1 else f"{n} copies of photos already indexed"


def unreadable_words(repaired: int, gone: int) -> list[str]:
    """Files earlier runs could not read that this run read (``IndexSummary.repaired``) or found gone
    (``unreadable_removed``), as both front ends say them: "1 unreadable file can now be shown", "2 unreadable files
    gone" (QA walk 9 #8: "1 photo indexed, 1 removed" for a repaired file and a deleted empty one)."""
    words = [f"{count(repaired, 'unreadable file')} can now be shown"] if repaired else []
    return words + ([f"{count(gone, 'unreadable file')} gone"] if gone else [])


def locate_words(done: int, total: int) -> str:
    """A located folder's check (``ProgressPhase.LOCATE``, ``library/folder_locate.py``), as both front ends say it:
    "checking 1,204 of 9,000 photos…"."""
    return f"checking {done:,} of {total:,} {'photo' if total == 1 else 'photos'}…"
