"""The date strip keeps every year's label when there is room (QA walk 5 finding 13)."""

from __future__ import annotations

import time
from pathlib import Path

from helpers.window import shown_timeline

from motis_desktop.gui.library_model import Row


def _at(year: int, month: int, day: int) -> float:
    return time.mktime((year, month, day, 12, 0, 0, 0, 0, -1))


def test_a_small_recent_year_does_not_hide_the_large_year_below_it(qtbot, tmp_path: Path) -> None:
    """QA: 5 files of 2026 at the top of the strip kept their label "2026" and hid "2025", the largest recent year
    (its label collided with 2026's). Both are written now; the shot is /tmp/qa5more/strip.png."""
    manager, model, view = shown_timeline(qtbot, tmp_path / "thumbs")
    taken = [_at(2026, 12, 1 + i) for i in range(5)]
    taken += [_at(2025, 7, 1 + i % 28) for i in range(300)]
    taken += [_at(year, 1 + i % 12, 10) for year in range(2024, 2018, -1) for i in range(60)]
    rows = [Row(i, str(tmp_path / f"missing_{i:05d}.jpg"), taken_at=t) for i, t in enumerate(taken)]
    with qtbot.waitSignal(view.laid_out, timeout=30_000):
        model.set_rows(rows)
    labels = view.scrubber.labels()
    texts = [text for text, _y in labels]
    view.grab().save("/tmp/qa5more/strip.png")
    assert texts == [str(year) for year in range(2026, 2018, -1)], labels
    ys = [y for _text, y in labels]
    assert all(b - a >= 16 for a, b in zip(ys, ys[1:], strict=False)), labels  # none drawn over another
    manager.shutdown()
