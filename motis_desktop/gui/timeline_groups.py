"""What the timeline groups photos by, its headers and zoom levels (plain Python, no Qt).

The gallery by date gets month headers, or day headers at the larger zoom levels; by folder, one header per
folder; search results keep their rank order under no header. Keys are strings: ``"2021-08"`` (month),
``"2021-08-15"`` (day), a folder path, or ``""`` (no date / results). Files that never decoded are one group at the
end in every order, :data:`UNREADABLE_KEY` ("3 files can't be shown"), outside the dates (QA walk 7).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from enum import Enum

from motis_desktop.core.formatting import count
from motis_desktop.gui.justified import Layout

ZOOM_HEIGHTS = (90, 130, 180, 260, 380)  # target row heights, smallest first (Ctrl+- / Ctrl+=)
ZOOM_NAMES = ("Smallest", "Small", "Medium", "Large", "Largest")  # Settings ▸ Thumbnail size: the same levels
DAY_HEADERS_FROM = 260  # at this target row height and above, headers are days
DAY_GROUP_LEAST = 4  # days with fewer photos share a header with the next days of their month
MONTHS = "January February March April May June July August September October November December".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


UNREADABLE_KEY = "\x00unreadable"  # the group of files that never decoded: no date, folder or month starts so


def unreadable_label(files: int) -> str:
    """The header of the files that never decoded: "3 files can't be shown"."""
    return f"{count(files, 'file')} can't be shown"


class Grouping(str, Enum):
    """What the rows on show are."""

    DATE = "date"  # the gallery, newest first
    FOLDER = "folder"  # the gallery by folder
    RANKED = "ranked"  # search results in rank order


class HeaderKind(str, Enum):
    MONTH = "month"
    DAY = "day"
    FOLDER = "folder"
    NONE = "none"


def header_kind(grouping: Grouping, target: int) -> HeaderKind:
    if grouping is Grouping.FOLDER:
        return HeaderKind.FOLDER
    if grouping is Grouping.RANKED:
        return HeaderKind.NONE
    return HeaderKind.DAY if target >= DAY_HEADERS_FROM else HeaderKind.MONTH


def zoom_level(target: int) -> int:
    """The index of the zoom level nearest a row height."""
    return min(range(len(ZOOM_HEIGHTS)), key=lambda i: abs(ZOOM_HEIGHTS[i] - target))


def zoom_step(target: int, steps: int) -> int:
    """The zoom level ``steps`` away from the one nearest ``target`` (clamped)."""
    return ZOOM_HEIGHTS[max(0, min(len(ZOOM_HEIGHTS) - 1, zoom_level(target) + steps))]


def day_keys(taken: Sequence[float | None]) -> list[str]:
    """``"YYYY-MM-DD"`` (local time) per photo, ``""`` for a photo without a date."""
    keys = []
    key, lo, hi = "", 0.0, -1.0  # photos come in date order: the last day's key is reused inside its day
    known: dict[str, str] = {}  # sorted by folder they do not: one string a day, not one a photo (1M: ~60 MB)
    for t in taken:
        if t is None:
            keys.append("")
            continue
        if not lo <= t < hi:
            tm = time.localtime(t)
            key = f"{tm.tm_year:04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d}"
            key = known.setdefault(key, key)
            midnight = t - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec)
            lo, hi = midnight + 3600, midnight + 86400 - 7200  # inside the day whatever a DST change did
        keys.append(key)
    return keys


def month_label(key: str) -> str:
    """``"2021-08"`` → ``"August 2021"``."""
    if len(key) < 7:
        return "No date"
    return f"{MONTHS[int(key[5:7]) - 1]} {key[:4]}"


def short_month(key: str) -> str:
    """``"2021-08"`` → ``"Aug 2021"`` (the scrubber's hover label)."""
    return f"{MONTHS[int(key[5:7]) - 1][:3]} {key[:4]}" if len(key) >= 7 else "No date"


def day_label(key: str) -> str:
    """``"2021-08-15"`` → ``"Sunday 15 August 2021"``."""
    if len(key) < 10:
        return "No date"
    y, m, d = int(key[:4]), int(key[5:7]), int(key[8:10])
    weekday = time.strptime(key, "%Y-%m-%d").tm_wday
    return f"{WEEKDAYS[weekday]} {d} {MONTHS[m - 1]} {y}"


def folder_label(folder: str) -> str:
    home = os.path.expanduser("~")
    return "~" + folder[len(home) :] if home != os.sep and folder.startswith(home + os.sep) else folder


def group_keys(kind: HeaderKind, days: Sequence[str], folders: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """One group key per photo and each key's header label, for ``kind`` (``folders``: each photo's folder,
    ``os.path.dirname`` of its path)."""
    if kind is HeaderKind.MONTH:
        keys = [d[:7] for d in days]
        return keys, {k: month_label(k) for k in _distinct(keys)}
    if kind is HeaderKind.DAY:
        return day_groups(days)
    if kind is HeaderKind.FOLDER:
        keys = list(folders)
        return keys, {k: folder_label(k) for k in _distinct(keys)}
    return [""] * len(folders), {}


def _distinct(keys: Sequence[str]) -> dict[str, None]:
    """Each key once. A loop over the runs of equal keys rather than ``set(keys)``: that one call held the GIL for
    ~50 ms at 1M photos, while this lays out on a worker thread beside the window's."""
    seen: dict[str, None] = {}
    last = None
    for key in keys:
        if key != last:
            seen[key] = None
            last = key
    return seen


def day_groups(days: Sequence[str], least: int = DAY_GROUP_LEAST) -> tuple[list[str], dict[str, str]]:
    """Day keys per photo, except that days of the same month with fewer than ``least`` photos together share
    one group (keyed by its first day, labelled "3 – 12 October 2026"): no row of a single small photo."""
    keys: list[str] = []
    labels: dict[str, str] = {}
    i, n = 0, len(days)
    while i < n:
        key, start, last = days[i], i, days[i]
        while i < n and (days[i] == last or (i - start < least and days[i][:7] == key[:7] and days[i] and key)):
            last = days[i]
            i += 1
        keys.extend([key] * (i - start))
        labels[key] = day_label(key) if last == key else _day_range(key, last)
    return keys, labels


def _day_range(a: str, b: str) -> str:
    """Two days of one month, either order: "3 – 12 October 2026"."""
    low, high = sorted((a, b))
    return f"{int(low[8:10])} – {int(high[8:10])} {MONTHS[int(low[5:7]) - 1]} {low[:4]}"


def month_marks(layout: Layout) -> list[tuple[str, int]]:
    """(month key, content y of its first header) for each month of a date layout, in layout order (the files that
    never decoded are of no month: the scrubber ends above them)."""
    marks: list[tuple[str, int]] = []
    for section in layout.sections:
        if section.key == UNREADABLE_KEY:
            continue
        key = str(section.key)[:7]
        if not marks or marks[-1][0] != key:
            marks.append((key, section.y))
    return marks
