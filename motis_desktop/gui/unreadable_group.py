"""The timeline's last group: the files that never decoded (a text file named .jpg, an empty file, a truncated JPEG).

QA walk 7: dated by their file time, they sorted as the newest "photos", at the top of the timeline. The gallery
puts them last in every order (``library_model``), the lay-out gives them one group of their own at the end, outside
the dates and the scrubber (``timeline_layout``, ``timeline_groups.UNREADABLE_KEY``), and this module makes the group
lead to Skipped…, which says why each file cannot be read (:attr:`UnreadableGroup.requested`):

- its header's link ("3 files can't be shown  See why…"): a link label laid over the header (``QLabel`` with a link:
  the pointing hand over it, a Tab stop while it is on screen, Enter or Space open it);
- a broken tile (``gui/broken_tile.py``), as any tile opens: Enter or a double-click (the grid's viewer leaves a
  broken tile's double-click here). A single click selects it like any other tile: it opened Skipped… at once, and a
  double-click's second click landed in the dialog (lead's note).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QRect, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel

from motis_desktop.gui.justified import Layout
from motis_desktop.gui.library_model import Roles, path_of, row_data
from motis_desktop.gui.timeline_groups import UNREADABLE_KEY
from motis_desktop.gui.timeline_items import PAD

LINK = "See why…"
LINK_GAP = 14  # px between the header's words and its link
OPENS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)  # the keys that open a tile (``activated``)


def header_font(font: QFont) -> QFont:
    """The timeline's header font: the view's, bold and a little larger."""
    header = QFont(font)
    header.setBold(True)
    header.setPointSizeF(header.pointSizeF() * 1.15)
    return header


class UnreadableGroup(QObject):
    """The link over the group's header and the keys and double-clicks that open Skipped… from the group.

    Signals:
        requested: Emitted with a broken tile's path when it is opened (Enter, double-click), or "" when the
            header's link is: the window opens Skipped… (with that file's line selected).
    """

    requested = Signal(str)

    def __init__(self, view: QAbstractItemView, tiles: Callable[[], Layout], header: Callable[[], int]) -> None:
        super().__init__(view)
        self.view, self._tiles, self._header = view, tiles, header
        self.link = QLabel(f'<a href="skipped">{LINK}</a>', view.viewport())
        self.link.setObjectName("seeWhy")
        self.link.setFont(self._link_font())
        self.link.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.link.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a Tab stop after the grid while it is on screen
        self.link.setToolTip("Why these files can't be shown (Skipped…)")
        self.link.linkActivated.connect(lambda _href: self.requested.emit(""))
        self.link.hide()
        self.viewport = view.viewport()  # kept: the view's filter still sees events while it is being deleted
        self.viewport.installEventFilter(self)
        view.installEventFilter(self)

    def link_rect(self) -> QRect | None:
        """Where the header's link is in the viewport now (None: no such group, or its header is not laid out)."""
        sections = self._tiles().sections  # the group is always the last (``timeline_layout``): asked at each paint
        section = sections[-1] if sections and sections[-1].key == UNREADABLE_KEY else None
        if section is None or not section.label or not self._header():
            return None
        bold = QFontMetrics(header_font(self.view.font()))
        left = PAD + bold.horizontalAdvance(section.label) + LINK_GAP
        width = QFontMetrics(self._link_font()).horizontalAdvance(LINK) + 4  # the label's own margin
        return QRect(left, section.y - self.view.verticalOffset(), width, self._header())

    def _place(self) -> None:
        """The link over its header while the header is on screen (before each paint of the grid); hidden else,
        so Tab skips it. Changed only when it moves: a move repaints the grid."""
        rect = self.link_rect()
        shown = rect is not None and rect.right() < self.viewport.width() and rect.intersects(self.viewport.rect())
        if shown and rect is not None and self.link.geometry() != rect:
            self.link.setGeometry(rect)
        if self.link.isVisible() != shown:
            self.link.setVisible(shown)

    def _link_font(self) -> QFont:
        font = header_font(self.view.font())
        font.setBold(False)
        return font

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.viewport:
            if event.type() == QEvent.Type.Paint:
                self._place()
            elif (
                isinstance(event, QMouseEvent)
                and event.type() == QEvent.Type.MouseButtonDblClick
                and event.button() == Qt.MouseButton.LeftButton
            ):
                return self._open(self.view.indexAt(event.position().toPoint()))
        elif (
            isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in OPENS
            and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        ):
            return self._open(self.view.currentIndex())
        return super().eventFilter(watched, event)

    def _open(self, index: QModelIndex) -> bool:
        """Open Skipped… on the broken tile at ``index`` (True: done); False for a photo, which opens as usual."""
        if not (index.isValid() and row_data(index, Roles.ERROR)):
            return False
        self.requested.emit(path_of(index))
        return True
