"""The empty-result page (QA walk 6 #8, #12): a typo suggests the word read in the photos, as a button the keyboard
reaches; a very long query is named on one line, whole in the tooltip."""

from __future__ import annotations

from pathlib import Path

from helpers.keys import search_by_keys
from helpers.window import ready_window
from PySide6.QtCore import Qt


def test_a_typo_offers_the_word_read_in_the_photos_and_the_keyboard_runs_it(qtbot, signs_home: Path) -> None:
    windows = ready_window(qtbot, signs_home, rows=4)
    window = next(windows)
    try:
        search_by_keys(qtbot, window, "text:invoce")
        page = window.empty_results
        assert window.stack.currentWidget() is page
        # the question ends the reason: no "Widen or remove them." after it (QA walk 7 #7)
        assert page.reason.text().endswith("No photo shows the text “invoce”. Did you mean invoice (2 photos)?")
        button = page.suggestions[0]
        assert button.isVisible() and button.text() == "Search for “text:invoice”"
        for _ in range(8):  # Tab from the search box to the button, as a person would
            if button.hasFocus():
                break
            qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        assert button.hasFocus()
        check = lambda label, n: label == "text:invoice"  # noqa: E731
        with qtbot.waitSignal(window.results.results_shown, timeout=30_000, check_params_cb=check):
            qtbot.keyClick(button, Qt.Key.Key_Space)
        assert window.model.rowCount() == 2 and window.search.text() == "text:invoice"
    finally:
        next(windows, None)


def test_a_date_filter_that_finds_nothing_says_when_the_photos_are_from(qtbot, signs_home: Path) -> None:
    windows = ready_window(qtbot, signs_home, rows=4)
    window = next(windows)
    try:
        search_by_keys(qtbot, window, "after:2030")
        assert "Your photos run from Jan 2020 to " in window.empty_results.reason.text()
    finally:
        next(windows, None)


def test_a_very_long_query_is_named_on_one_line_with_the_whole_query_in_the_tooltip(qtbot, signs_home: Path) -> None:
    windows = ready_window(qtbot, signs_home, rows=4)
    window = next(windows)
    try:
        query = "x" * 400
        search_by_keys(qtbot, window, query)
        title = window.empty_results.title
        assert title.text().startswith("Nothing shown for “xxxx") and title.text().endswith("…”")
        assert len(title.text()) <= len("Nothing shown for “”") + 60
        assert title.toolTip() == f"“{query}”"
        qtbot.waitUntil(lambda: title.heightForWidth(title.width()) < 2 * title.fontMetrics().lineSpacing())
    finally:
        next(windows, None)
