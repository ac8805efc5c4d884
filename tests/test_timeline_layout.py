"""The timeline's justified rows as plain geometry (gui/justified.py, gui/timeline_groups.py): no Qt."""

from __future__ import annotations

import random

from motis_desktop.gui.justified import MAX_ASPECT, MIN_ASPECT, Spacing, justify
from motis_desktop.gui.library_model import Row, SortOrder, sort_rows
from motis_desktop.gui.timeline_groups import (
    Grouping,
    HeaderKind,
    day_keys,
    day_label,
    group_keys,
    header_kind,
    month_marks,
    zoom_step,
)

WIDTH, TARGET = 1000, 180
ASPECTS = (1.5, 0.667, 1.333, 0.75, 1.0, 1.78)


def _aspects(n: int, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return [rng.choice(ASPECTS) for _ in range(n)]


def _row_end(layout, row: int) -> int:
    last = layout.row_items(row)[-1]
    return layout.xs[last] + layout.ws[last]


def test_full_rows_fill_the_width_and_keep_each_photos_aspect() -> None:
    aspects = _aspects(500)
    layout = justify(aspects, [""] * 500, {}, WIDTH, TARGET, Spacing(gap=4, header=0))
    rows = len(layout.row_tops)
    assert rows > 50
    for row in range(rows - 1):  # every row but the group's last one is full
        assert abs(_row_end(layout, row) - WIDTH) <= 1
        items = layout.row_items(row)
        assert all(layout.hs[i] == layout.row_heights[row] for i in items)
        for a, b in zip(items, items[1:], strict=False):
            assert layout.xs[b] - (layout.xs[a] + layout.ws[a]) in (3, 4, 5)  # the gap, give or take rounding
        for i in items:  # the tile's aspect is the photo's (to the rounding of the row height and the width)
            assert abs(layout.ws[i] - aspects[i] * layout.hs[i]) <= 1 + aspects[i] / 2
    heights = layout.row_heights[:-1]
    assert 0.6 * TARGET < min(heights) and max(heights) < 1.6 * TARGET  # close to the target
    assert sorted(layout.visible(0, layout.height)) == list(range(500))


def test_the_last_row_of_a_group_is_not_stretched_and_groups_never_share_a_row() -> None:
    groups = ["2021-08"] * 7 + ["2021-07"] * 11 + ["2021-05"] * 3
    labels = {g: g for g in set(groups)}
    layout = justify([1.5] * len(groups), groups, labels, WIDTH, TARGET)
    assert [s.key for s in layout.sections] == ["2021-08", "2021-07", "2021-05"]
    for section in layout.sections:
        first_row, last_row = layout.row_of(section.first), layout.row_of(section.last)
        assert layout.row_items(first_row)[0] == section.first  # a group starts a row
        assert layout.row_items(last_row)[-1] == section.last  # and ends one
        assert layout.row_heights[last_row] == TARGET  # its last row keeps the target height
        assert _row_end(layout, last_row) <= WIDTH
        assert layout.ys[section.first] >= section.y + Spacing().header  # photos start below the header
    assert [key for key, _y in month_marks(layout)] == ["2021-08", "2021-07", "2021-05"]


def test_hiding_headers_and_extreme_aspects() -> None:
    layout = justify([10.0, 0.05, 1.0], [""] * 3, {}, WIDTH, TARGET)
    assert layout.sections[0].label == "" and layout.ys[0] == Spacing().top  # no header, no room for one
    for i in range(3):
        assert MIN_ASPECT - 0.02 <= layout.ws[i] / layout.hs[i] <= MAX_ASPECT + 0.02  # shown cropped


def test_lookups_find_the_photo_under_a_point_and_the_rows_on_screen() -> None:
    layout = justify(_aspects(2000), [f"g{i // 37}" for i in range(2000)], {}, WIDTH, TARGET)
    for i in (0, 1, 777, 1999):
        x, y, w, h = layout.rect(i)
        assert layout.item_at(x + w // 2, y + h // 2) == i
        assert i in layout.visible(y, y + 1)
    assert layout.item_at(WIDTH + 50, 10) is None
    band = layout.visible(50_000, 50_700)
    assert all(layout.ys[i] + layout.hs[i] >= 50_000 and layout.ys[i] <= 50_700 for i in band)


def test_newest_first_by_month_then_days_when_zoomed_in() -> None:
    day = 86_400.0
    rows = [Row(i, f"/p/{i}.jpg", taken_at=1_600_000_000 + i * 9 * day) for i in range(40)]  # a year
    ordered = sort_rows(rows, SortOrder.DATE)
    days = day_keys([r.taken_at for r in ordered])
    assert days == sorted(days, reverse=True)
    months, labels = group_keys(HeaderKind.MONTH, days, [r.path for r in ordered])
    assert months[0] > months[-1] and labels[months[0]].split()[1] == months[0][:4]
    assert header_kind(Grouping.DATE, TARGET) is HeaderKind.MONTH
    assert header_kind(Grouping.DATE, zoom_step(TARGET, 2)) is HeaderKind.DAY
    assert header_kind(Grouping.RANKED, 380) is HeaderKind.NONE
    assert day_label("2021-08-15") == "Sunday 15 August 2021"
    undated = day_keys([None])
    assert group_keys(HeaderKind.MONTH, undated, ["/x.jpg"])[1] == {"": "No date"}


def test_a_hundred_thousand_photos_lay_out_in_one_pass() -> None:
    n = 100_000
    aspects = _aspects(n, seed=1)
    groups = [f"{2026 - i // 20_000}-{12 - (i // 2000) % 10:02d}" for i in range(n)]
    labels = {g: g for g in set(groups)}
    layout = justify(aspects, groups, labels, 1176, TARGET)
    assert len(layout) == n and len(layout.sections) == 50


def test_small_days_of_a_month_share_a_header_and_a_day_is_never_split() -> None:
    days = ["2026-10-12"] * 2 + ["2026-10-09"] + ["2026-10-03"] * 5 + ["2026-10-01", "2026-09-30", "2026-09-29", ""]
    keys, labels = group_keys(HeaderKind.DAY, days, [""] * len(days))
    assert keys == ["2026-10-12"] * 8 + ["2026-10-01", "2026-09-30", "2026-09-30", ""]
    assert labels == {
        "2026-10-12": "3 – 12 October 2026",
        "2026-10-01": "Thursday 1 October 2026",  # alone: the next day is another month
        "2026-09-30": "29 – 30 September 2026",
        "": "No date",
    }


def _plain_rule(aspects: list[float], groups: list[str], labels: dict[str, str], width: int, target: int) -> list:
    """The layout rule as a plain loop over the photos (the shipped one is vectorised for 100k photos): each
    photo's (x, y, w, h). A row closes at the photo that brings its height to the target or under it, or just
    before it when that is nearer; a group's last row keeps the target height and is cut only where it sticks out."""
    spacing = Spacing()
    gap, rects = spacing.gap, []
    clamped = [min(MAX_ASPECT, max(MIN_ASPECT, a)) for a in aspects]

    def place(first: int, stop: int, y: int, height: float, full: bool) -> int:
        h, pos = max(1, round(height)), 0.0
        for i in range(first, stop):
            x = round(pos)
            pos += clamped[i] * height
            rects.append([x, y, max(1, round(pos) - x), h])
            pos += gap
        if full or rects[-1][0] + rects[-1][2] > width:
            rects[-1][2] = max(1, width - rects[-1][0])
        return y + h + gap

    y, start, n = (0 if labels.get(groups[0], "") else spacing.top), 0, len(aspects)
    while start < n:
        end = start
        while end + 1 < n and groups[end + 1] == groups[start]:
            end += 1
        y += spacing.header if labels.get(groups[start], "") else 0
        first, total, i = start, 0.0, start
        while i <= end:
            height = (width - gap * (i - first)) / (total + clamped[i])
            if height > target:
                total += clamped[i]
                i += 1
                continue
            without = (width - gap * (i - first - 1)) / total if i > first else 0.0
            if i > first and without - target < target - height:
                y, first, total = place(first, i, y, without, True), i, 0.0
            else:
                y, first, total, i = place(first, i + 1, y, height, True), i + 1, 0.0, i + 1
        if first <= end:
            y = place(first, end + 1, y, float(target), False)
        y, start = y + spacing.after_section, end + 1
    return rects


CAMERA_RATIOS = (4 / 3, 3 / 4, 3 / 2, 2 / 3, 16 / 9, 9 / 16, 1.0, 2.0, 0.5)  # exact ratios meet half pixels and ties


def test_the_layout_is_the_plain_rule_to_the_pixel() -> None:
    rng = random.Random(7)
    for case in range(150):
        n = 20_000 if case == 0 else rng.choice([1, 2, 9, 60, 400])
        aspects = [rng.choice([*CAMERA_RATIOS, rng.uniform(0.1, 5.0)]) for _ in range(n)]
        groups = sorted(f"g{i // rng.randint(1, 80)}" for i in range(n))
        labels = {g: g if rng.random() < 0.7 else "" for g in groups}
        width, target = rng.choice([1, 50, 640, 1176, 2400]), rng.choice([80, 180, 380])
        layout = justify(aspects, groups, labels, width, target)
        assert [list(layout.rect(i)) for i in range(n)] == _plain_rule(aspects, groups, labels, width, target), case
