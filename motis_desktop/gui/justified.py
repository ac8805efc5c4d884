"""Justified rows (Google Photos / Flickr style) as plain geometry, without Qt.

Input: one aspect ratio (width / height) per photo, one group key per photo (photos of a group are
consecutive), the width to fill and a target row height. Output: each photo's rectangle, the rows and the
group headers, in content coordinates. Each full row is filled edge to edge (photo widths rounded so the
row ends exactly at ``width``); the last row of a group keeps the target height and is not stretched.
One pass, O(n); lookups by y are binary searches over the rows.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

MIN_ASPECT, MAX_ASPECT = 0.4, 3.0  # very tall or panoramic photos are shown cropped to these


@dataclass(frozen=True)
class Section:
    """A group's header and its photos ``first`` .. ``last`` (inclusive)."""

    key: str
    label: str
    y: int  # top of the header
    first: int
    last: int


@dataclass
class Layout:
    """Rectangles of every photo (x, y, w, h lists), rows (top, height, first photo) and sections."""

    width: int
    height: int = 0
    xs: list[int] = field(default_factory=list)
    ys: list[int] = field(default_factory=list)
    ws: list[int] = field(default_factory=list)
    hs: list[int] = field(default_factory=list)
    row_tops: list[int] = field(default_factory=list)
    row_heights: list[int] = field(default_factory=list)
    row_first: list[int] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    section_tops: list[int] = field(default_factory=list)
    section_firsts: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.xs)

    def rect(self, i: int) -> tuple[int, int, int, int]:
        return self.xs[i], self.ys[i], self.ws[i], self.hs[i]

    def visible(self, top: int, bottom: int) -> range:
        """The photos whose rows overlap the content band ``top`` .. ``bottom``."""
        if not self.row_tops:
            return range(0)
        first_row = max(0, bisect_right(self.row_tops, top) - 1)
        if self.row_tops[first_row] + self.row_heights[first_row] < top:
            first_row += 1
        last_row = max(first_row, bisect_right(self.row_tops, bottom) - 1)
        if first_row >= len(self.row_tops):
            return range(0)
        end = self.row_first[last_row + 1] if last_row + 1 < len(self.row_first) else len(self.xs)
        return range(self.row_first[first_row], end)

    def row_of(self, i: int) -> int:
        return bisect_right(self.row_first, i) - 1

    def row_items(self, row: int) -> range:
        end = self.row_first[row + 1] if row + 1 < len(self.row_first) else len(self.xs)
        return range(self.row_first[row], end)

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
        return max(0, min(len(self.row_tops) - 1, bisect_right(self.row_tops, y) - 1))

    def section_index_at(self, y: int) -> int:
        """The index of the section whose header or photos are at content ``y`` (0 when there is none)."""
        return max(0, bisect_right(self.section_tops, y) - 1)

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
    aspects: Sequence[float],
    groups: Sequence[str],
    labels: Mapping[str, str],
    width: int,
    target: int,
    spacing: Spacing = Spacing(),
) -> Layout:
    """Lay out the photos in justified rows under one header per group (``labels[key]``; "" hides it)."""
    layout = Layout(width=width)
    width = max(1, width)
    clamped = [MIN_ASPECT if a < MIN_ASPECT else MAX_ASPECT if a > MAX_ASPECT else a for a in aspects]
    y, n, start = (0 if labels.get(groups[0], "") else spacing.top) if aspects else 0, len(aspects), 0
    while start < n:
        key = groups[start]
        end = start
        while end + 1 < n and groups[end + 1] == key:
            end += 1
        label = labels.get(key, "")
        header = spacing.header if label else 0
        layout.sections.append(Section(key, label, y, start, end))
        layout.section_tops.append(y)
        layout.section_firsts.append(start)
        y = _group_rows(layout, clamped, start, end, y + header, width, target, spacing.gap)
        y += spacing.after_section
        start = end + 1
    layout.height = max(0, y - spacing.after_section) + spacing.gap
    return layout


def _group_rows(
    layout: Layout, aspects: list[float], start: int, end: int, y: int, width: int, target: int, gap: int
) -> int:
    """Rows of photos ``start`` .. ``end``; returns the y below them. A row closes at the photo that brings
    its height to the target or under it, or just before that photo when that is nearer to the target."""
    row_start, total = start, 0.0
    i = start
    while i <= end:
        a = aspects[i]
        count = i - row_start + 1
        height = (width - gap * (count - 1)) / (total + a)
        if height <= target:
            without = (width - gap * (count - 2)) / total if count > 1 else 0.0
            if count > 1 and without - target < target - height:
                y = _place_row(layout, aspects[row_start:i], row_start, y, without, width, gap, full=True)
                row_start, total = i, 0.0
                continue  # photo i starts the next row
            y = _place_row(layout, aspects[row_start : i + 1], row_start, y, height, width, gap, full=True)
            row_start, total = i + 1, 0.0
        else:
            total += a
        i += 1
    if row_start <= end:
        y = _place_row(layout, aspects[row_start : end + 1], row_start, y, float(target), width, gap, full=False)
    return y


def _place_row(
    layout: Layout, aspects: list[float], first: int, y: int, height: float, width: int, gap: int, full: bool
) -> int:
    """Place one row of photos (their aspects) starting with photo ``first``; returns the y below it."""
    h = max(1, round(height))
    layout.row_tops.append(y)
    layout.row_heights.append(h)
    layout.row_first.append(first)
    xs, ws = layout.xs, layout.ws
    pos = 0.0
    for a in aspects:
        x0 = round(pos)
        pos += a * height
        xs.append(x0)
        ws.append(max(1, round(pos) - x0))
        pos += gap
    if full or xs[-1] + ws[-1] > width:  # a full row ends exactly at the edge; nothing sticks out
        ws[-1] = max(1, width - xs[-1])
    layout.ys.extend([y] * len(aspects))
    layout.hs.extend([h] * len(aspects))
    return y + h + gap
