"""Justified rows (Google Photos / Flickr style) as plain geometry, without Qt.

Input: one aspect ratio (width / height) per photo, one group key per photo (photos of a group are
consecutive), the width to fill and a target row height. Output: each photo's rectangle, the rows and the
group headers, in content coordinates. Each full row is filled edge to edge (photo widths rounded so the
row ends exactly at ``width``); the last row of a group keeps the target height and is not stretched.
In numpy, O(n × photos per row); lookups by y are binary searches over the rows. The geometry is kept in numpy
arrays, not lists: at 1M photos lists of Python ints took ~250 MB, their making held the GIL (the lay-out runs on a
worker while the window goes on) and every full garbage collection walked them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

MIN_ASPECT, MAX_ASPECT = 0.4, 3.0  # very tall or panoramic photos are shown cropped to these


@dataclass(frozen=True)
class Section:
    """A group's header and its photos ``first`` .. ``last`` (inclusive)."""

    key: str
    label: str
    y: int  # top of the header
    first: int
    last: int


def _ints() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _after(a: np.ndarray, value: int) -> int:
    """``bisect_right`` over a sorted array."""
    return int(np.searchsorted(a, value, side="right"))


@dataclass
class Layout:
    """Rectangles of every photo (x, y, w, h arrays), rows (top, height, first photo) and sections."""

    width: int
    height: int = 0
    xs: np.ndarray = field(default_factory=_ints)
    ys: np.ndarray = field(default_factory=_ints)
    ws: np.ndarray = field(default_factory=_ints)
    hs: np.ndarray = field(default_factory=_ints)
    row_tops: np.ndarray = field(default_factory=_ints)
    row_heights: np.ndarray = field(default_factory=_ints)
    row_first: np.ndarray = field(default_factory=_ints)
    sections: list[Section] = field(default_factory=list)
    section_tops: list[int] = field(default_factory=list)
    section_firsts: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.xs)

    def rect(self, i: int) -> tuple[int, int, int, int]:
        return int(self.xs[i]), int(self.ys[i]), int(self.ws[i]), int(self.hs[i])

    def visible(self, top: int, bottom: int) -> range:
        """The photos whose rows overlap the content band ``top`` .. ``bottom``."""
        rows = len(self.row_tops)
        if not rows:
            return range(0)
        first_row = max(0, _after(self.row_tops, top) - 1)
        if self.row_tops[first_row] + self.row_heights[first_row] < top:
            first_row += 1
        last_row = max(first_row, _after(self.row_tops, bottom) - 1)
        if first_row >= rows:
            return range(0)
        end = int(self.row_first[last_row + 1]) if last_row + 1 < rows else len(self.xs)
        return range(int(self.row_first[first_row]), end)

    def row_of(self, i: int) -> int:
        return _after(self.row_first, i) - 1

    def row_items(self, row: int) -> range:
        end = int(self.row_first[row + 1]) if row + 1 < len(self.row_first) else len(self.xs)
        return range(int(self.row_first[row]), end)

    def item_at(self, x: int, y: int) -> int | None:
        """The photo under the point, if any."""
        for i in self.visible(y, y):
            if self.xs[i] <= x < self.xs[i] + self.ws[i] and self.ys[i] <= y < self.ys[i] + self.hs[i]:
                return i
        return None

    def nearest_in_row(self, row: int, x: int) -> int:
        """The photo of ``row`` whose centre is nearest to ``x`` (moving up and down)."""
        return min(self.row_items(row), key=lambda i: abs(self.xs[i] + self.ws[i] // 2 - x))

    def row_at(self, y: int) -> int:
        """The row at or just above content ``y``."""
        return max(0, min(len(self.row_tops) - 1, _after(self.row_tops, y) - 1))

    def section_index_at(self, y: int) -> int:
        """The index of the section whose header or photos are at content ``y`` (0 when there is none)."""
        return max(0, bisect_right(self.section_tops, y) - 1)

    def top_of(self, i: int, gap: int) -> int:
        """Where a view's top goes to show tile ``i``: its group's header for a group's first row, else ``gap``
        above the tile."""
        section = self.section_of(i)
        return section.y if self.row_of(section.first) == self.row_of(i) else int(self.ys[i]) - gap

    def section_of(self, i: int) -> Section:
        return self.sections[max(0, bisect_right(self.section_firsts, i) - 1)]


@dataclass(frozen=True)
class Spacing:
    """Gaps in pixels: between photos, header height (0: no headers), space after a section."""

    gap: int = 4
    header: int = 40
    after_section: int = 12
    top: int = 8  # above the first row when it has no header


def justify(
    aspects: Sequence[float] | np.ndarray,
    groups: Sequence[str],
    labels: Mapping[str, str],
    width: int,
    target: int,
    spacing: Spacing = Spacing(),
    check: Callable[[], None] = lambda: None,
) -> Layout:
    """Lay out the photos in justified rows under one header per group (``labels[key]``; "" hides it).
    ``check()`` is called between steps (at 1M photos each is ≤ ~0.1 s): it may raise to give up.

    A row closes at the photo that brings its height to the target or under it, or just before that photo when
    that is nearer to the target; the last row of a group keeps the target height. Done with numpy over every
    photo at once (the app's launch waits on this for 100k photos), with the plain loop's arithmetic: the same
    rectangles to the pixel (``tests/test_timeline_layout.py`` keeps that loop as the rule). A NaN aspect is
    laid out as a square photo.
    """
    n = len(aspects)
    if len(groups) < n:
        raise ValueError(f"{len(groups)} group keys for {n} photos")
    layout = Layout(width=width)
    if not n:
        layout.height = spacing.gap
        return layout
    width = max(1, width)
    gap = spacing.gap
    a = np.clip(np.nan_to_num(np.asarray(aspects, dtype=np.float64), nan=1.0), MIN_ASPECT, MAX_ASPECT)
    group_starts, group_ends = _runs(groups, n)
    check()
    firsts, heights, full = _rows(a, np.repeat(group_ends, group_ends - group_starts + 1), width, target, gap, check)
    row_heights = np.maximum(1, np.rint(heights)).astype(np.int64)

    # Tops: each row is its predecessor's height and a gap below it; a group's first row also leaves the room
    # of the section's end above it (all but the first group) and of its header.
    keys = [groups[s] for s in group_starts.tolist()]
    names = [labels.get(k, "") for k in keys]
    headers = np.array([spacing.header if name else 0 for name in names], dtype=np.int64)
    before = headers.copy()
    before[1:] += spacing.after_section
    steps = row_heights + gap
    extra = np.zeros(len(firsts), dtype=np.int64)
    first_rows = np.searchsorted(firsts, group_starts)
    extra[first_rows] = before
    y0 = 0 if names[0] else spacing.top
    row_tops = y0 + np.cumsum(steps) - steps + np.cumsum(extra)
    section_tops = (row_tops[first_rows] - headers).tolist()
    for key, name, top, first, last in zip(keys, names, section_tops, group_starts.tolist(), group_ends.tolist()):
        layout.sections.append(Section(key, name, top, first, last))
    layout.section_tops, layout.section_firsts = section_tops, group_starts.tolist()
    layout.row_tops, layout.row_heights, layout.row_first = row_tops, row_heights, firsts
    layout.height = max(0, y0 + int(steps.sum()) + int(extra.sum())) + gap
    _place_photos(layout, a, (firsts, heights, full), row_tops, row_heights, width, gap, check)
    return layout


def _runs(groups: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last photo of each run of equal group keys. A Python loop, not numpy's compare of object arrays:
    as fast, and it lets the GUI thread run between its steps (numpy's one call held the GIL for ~50 ms at 1M)."""
    starts = [0, *(i for i, (a, b) in enumerate(zip(groups, islice(groups, 1, n)), 1) if a != b)]
    first = np.array(starts, dtype=np.int64)
    return first, np.append(first[1:] - 1, n - 1)


def _rows(
    a: np.ndarray, group_end: np.ndarray, width: int, target: int, gap: int, check: Callable[[], None]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's first photo, height (unrounded) and whether it is full (not a group's last row).

    The row that would start at each photo is grown one photo at a time, all starts at once, with the plain
    loop's own arithmetic (its running sum, added in order): the same floats, so a height on half a pixel or a
    tie between two row breaks comes out as the loop has it. Then the rows are the chain from photo 0."""
    n = len(a)
    nxt = np.empty(n, dtype=np.int64)  # where the next row starts after a row started at each photo
    height = np.full(n, float(target))  # that row's height (the target for a group's last row)
    full = np.zeros(n, dtype=bool)
    starts, total, k = np.arange(n, dtype=np.int64), np.zeros(n), 0  # rows not closed yet, their aspects' sum
    while starts.size:
        check()
        i = starts + k  # the photo each row considers now (its count is k + 1)
        past = i > group_end[starts]
        nxt[starts[past]] = group_end[starts[past]] + 1  # the group ended first: its last row, not stretched
        with_i = total + np.where(past, 1.0, a[np.minimum(i, n - 1)])
        h = (width - gap * k) / with_i
        closes = ~past & (h <= target)
        if k:  # just before photo i when that is nearer to the target
            without = (width - gap * (k - 1)) / total
            before = closes & (without - target < target - h)
            h = np.where(before, without, h)
        else:
            before = np.zeros_like(closes)
        done = starts[closes]
        nxt[done] = np.where(before[closes], i[closes], i[closes] + 1)
        height[done], full[done] = h[closes], True
        keep = ~past & ~closes
        starts, total, k = starts[keep], with_i[keep], k + 1
    check()
    chain, s, links = [], 0, nxt.data  # Python ints one at a time: no 1M-long list made in one go
    while s < n:  # ~n / 5 steps
        chain.append(s)
        s = links[s]
    first = np.array(chain, dtype=np.int64)
    return first, height[first], full[first]


def _place_photos(
    layout: Layout,
    a: np.ndarray,
    rows_of: tuple[np.ndarray, np.ndarray, np.ndarray],
    row_tops: np.ndarray,
    row_heights: np.ndarray,
    width: int,
    gap: int,
    check: Callable[[], None],
) -> None:
    """Every photo's rectangle: its edges along the row rounded, a full row ending exactly at ``width`` and a
    row that is not full only cut where it would stick out. ``rows_of``: each row's first photo, height, full."""
    firsts, heights, full = rows_of
    n = len(a)
    counts = np.diff(np.append(firsts, n))
    left, right = np.empty(n), np.empty(n)
    pos = np.zeros(len(firsts))
    for k in range(int(counts.max())):  # the k-th photo of every row at once: each row's edges added in order
        check()
        rows = np.flatnonzero(counts > k)
        photos = firsts[rows] + k
        left[photos] = pos[rows]
        right[photos] = pos[rows] + a[photos] * heights[rows]
        pos[rows] = right[photos] + gap
    xs = np.rint(left).astype(np.int64)
    ws = np.maximum(1, np.rint(right).astype(np.int64) - xs)
    lasts = np.append(firsts[1:], n) - 1
    cut = full | (xs[lasts] + ws[lasts] > width)
    ws[lasts[cut]] = np.maximum(1, width - xs[lasts[cut]])
    row = np.repeat(np.arange(len(firsts)), counts)
    layout.xs, layout.ws = xs, ws
    layout.ys, layout.hs = row_tops[row], row_heights[row]
