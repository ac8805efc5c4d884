"""The timeline's last group: the files that never decoded (a text file named .jpg, an empty file, a truncated JPEG).

QA walk 7: dated by their file time, they sorted as the newest "photos", at the top of the timeline. The gallery
puts them last in every order (``library_model``), the lay-out gives them one group of their own at the end, outside
the dates and the scrubber (``timeline_layout``, ``timeline_groups.UNREADABLE_KEY``), and this module makes the group
lead to Skipped…, which says why each file cannot be read: its header's link ("3 files can't be shown  See why…")
and a click on one of its broken tiles (``gui/broken_tile.py``) ask for it, :attr:`UnreadableGroup.requested`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication, QMouseEvent, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView

from motis_desktop.gui.justified import Layout
from motis_desktop.gui.library_model import Roles, path_of, row_data
from motis_desktop.gui.timeline_groups import UNREADABLE_KEY
from motis_desktop.gui.timeline_items import PAD

LINK = "See why…"
LINK_GAP = 14  # px between the header's words and its link
SELECTING = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier  # a click that extends a selection


def header_font(font: QFont) -> QFont:
    """The timeline's header font: the view's, bold and a little larger."""
    header = QFont(font)
    header.setBold(True)
    header.setPointSizeF(header.pointSizeF() * 1.15)
    return header


class UnreadableGroup(QObject):
    """The link in the group's header (painted by the view's header pass, :meth:`paint_link`) and the clicks that
    open Skipped… from it.

    Signals:
        requested: Emitted with a broken tile's path when it is clicked, or "" when the header's link is: the
            window opens Skipped… (with that file's line selected).
    """

    requested = Signal(str)

    def __init__(self, view: QAbstractItemView, tiles: Callable[[], Layout], header: Callable[[], int]) -> None:
        super().__init__(view)
        self.view, self._tiles, self._header = view, tiles, header
        view.viewport().installEventFilter(self)
        view.clicked.connect(self._clicked)

    def link_rect(self) -> QRect | None:
        """Where the header's link is in the viewport now (None: no such group, or its header is not laid out)."""
        section = next((s for s in reversed(self._tiles().sections) if s.key == UNREADABLE_KEY), None)
        if section is None or not section.label or not self._header():
            return None
        bold = QFontMetrics(header_font(self.view.font()))
        left = PAD + bold.horizontalAdvance(section.label) + LINK_GAP
        width = QFontMetrics(self._link_font()).horizontalAdvance(LINK)
        return QRect(left, section.y - self.view.verticalOffset(), width, self._header())

    def paint_link(self, painter: QPainter, box: QRect, key: str, label: str) -> None:
        """After the header ``label`` in ``box``: the link, if ``key`` is this group's (else nothing)."""
        if key != UNREADABLE_KEY:
            return
        left = box.left() + painter.fontMetrics().horizontalAdvance(label) + LINK_GAP
        if left >= box.right():
            return
        painter.save()
        painter.setFont(self._link_font())
        painter.setPen(self.view.palette().color(QPalette.ColorRole.Link))
        link = QRect(left, box.top(), box.right() - left, box.height())
        painter.drawText(link, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, LINK)
        painter.restore()

    def _link_font(self) -> QFont:
        font = header_font(self.view.font())
        font.setBold(False)
        font.setUnderline(True)
        return font

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            isinstance(event, QMouseEvent)
            and event.type() == QEvent.Type.MouseButtonRelease
            and event.button() == Qt.MouseButton.LeftButton
        ):
            link = self.link_rect()
            if link is not None and link.contains(QPoint(int(event.position().x()), int(event.position().y()))):
                self.requested.emit("")
        return super().eventFilter(watched, event)

    def _clicked(self, index: QModelIndex) -> None:
        """A click on a broken tile (alone: a click with Ctrl or Shift selects)."""
        if QGuiApplication.keyboardModifiers() & SELECTING:
            return
        if index.isValid() and row_data(index, Roles.ERROR):
            self.requested.emit(path_of(index))
