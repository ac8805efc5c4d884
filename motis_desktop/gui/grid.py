"""The empty-library placeholder and the empty-results state (the photos themselves: gui/timeline.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from motis_desktop.gui.elided_label import WrappedLabel
from motis_desktop.gui.texts import query_words

HEADING_QUERY_MAX = 60  # characters of the query the heading names; the whole query is in its tooltip


def make_empty_label() -> QLabel:
    """The large dashed drop target shown while the library has no folders."""
    label = QLabel()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setStyleSheet(
        "QLabel { font-size: 16px; color: palette(placeholder-text); border: 3px dashed palette(mid);"
        " border-radius: 16px; margin: 40px; padding: 40px; }"
    )
    return label


def elided_query(query: str, limit: int = HEADING_QUERY_MAX) -> str:
    """``query`` cut to ``limit`` characters with "…" (QA walk 6: a 400-character query filled the page with a
    5-line bold heading)."""
    query = " ".join(query.split())
    return query if len(query) <= limit else query[: limit - 1].rstrip() + "…"


class EmptyResults(QWidget):
    """The grid's own empty state for a search that returned nothing: why, "Show the closest anyway", for a
    word no photo's text holds, a button that searches for the word read in the photos it likely meant, and while
    the demo model answers, "Install model…" (``install``: the menus connect it to File ▸ Install model…).

    Signals:
        suggested: Emitted with the query a suggestion button stands for, when it is pressed.
    """

    suggested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("emptyResults")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.title = WrappedLabel()  # it names the query: a long one wraps, never widens the window
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setStyleSheet("QLabel { font-size: 18px; font-weight: bold; }")
        self.reason = WrappedLabel()  # it may name folders
        self.reason.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.reason.setStyleSheet("QLabel { font-size: 14px; }")
        self.closest = QPushButton("Show the closest anyway")
        self.closest.setToolTip("The best-scoring photos, even though none stands out")
        self.install = QPushButton("Install model…")
        self.install.setToolTip("The demo model knows colour words only: a real model finds what you describe")
        self.install.hide()
        self.suggestions = [QPushButton() for _ in range(2)]  # "Search for “text:invoice”" (``suggest.py``: ≤ 2)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addWidget(self.reason)
        row = QHBoxLayout()
        row.addStretch()
        for button in self.suggestions:
            button.hide()
            button.clicked.connect(lambda _checked=False, b=button: self.suggested.emit(b.property("query")))
            row.addWidget(button)
        row.addWidget(self.closest)
        row.addWidget(self.install)
        row.addStretch()
        layout.addLayout(row)
        layout.addStretch(3)
        self._verb, self._query = "", ""

    def _heading(self) -> None:
        """The heading on one line: the query cut to ``HEADING_QUERY_MAX`` characters, and shorter where the page
        is narrower; the whole query in the tooltip."""
        self.title.ensurePolished()  # the style sheet's font
        metrics, room = self.title.fontMetrics(), self.contentsRect().width() - 24
        shown = elided_query(self._query)
        while len(shown) > 12 and metrics.horizontalAdvance(f"{self._verb} {query_words(shown)}") > room:
            shown = elided_query(self._query, len(shown) - 4)
        self.title.setText(f"{self._verb} {query_words(shown)}")
        self.title.setToolTip(query_words(self._query) if shown != " ".join(self._query.split()) else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self._query:
            self._heading()

    def show_reason(
        self,
        verb: str,
        query: str,
        reason: str,
        closest: bool,
        suggestions: Sequence[Any] = (),
        install: bool = False,
    ) -> None:
        """Say "``verb`` “query”" (the query cut to one line, whole in the tooltip), why, and offer the closest
        photos, the suggested queries (``WordSuggestion``: ``query``, ``photos``) and (``install``) a model."""
        self._verb, self._query = verb, query
        self._heading()
        self.reason.setText(reason)
        self.closest.setVisible(closest)
        self.install.setVisible(install)
        for i, button in enumerate(self.suggestions):
            suggestion = suggestions[i] if i < len(suggestions) else None
            button.setVisible(suggestion is not None)
            if suggestion is not None:
                button.setText(f"Search for {query_words(elided_query(suggestion.query))}")
                button.setToolTip(f"{suggestion.sentence()}")
                button.setProperty("query", suggestion.query)
