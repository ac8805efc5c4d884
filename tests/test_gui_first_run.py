"""The first run as a new user sees it: the model offer over an empty window, nothing drawn under it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QPushButton

from motis_desktop.core.services import Services
from motis_desktop.gui.main_window import MainWindow


def _empty_text_rect(win: MainWindow) -> QRect:
    """Where the grid's empty-state text is drawn, in screen coordinates (empty if it draws none)."""
    label = win.empty
    if not label.isVisible() or not label.text():
        return QRect()
    return QRect(label.mapToGlobal(QPoint(0, 0)), label.size())


def test_the_first_run_offer_and_the_empty_state_never_draw_over_each_other(qtbot, home: Path) -> None:
    services = Services.open(home)
    win = MainWindow(services)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(win.models.offer_shown, timeout=10_000) as shown:
        pass
    assert shown.args == [True]
    dialog = win.models.dialog
    assert dialog is not None and dialog.isVisible()
    assert not _empty_text_rect(win).intersects(dialog.frameGeometry())
    assert "Drop a folder" not in win.empty.text() or not win.empty.isVisible()

    later = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Later")
    with qtbot.waitSignal(win.models.offer_shown, timeout=5_000) as hidden:
        qtbot.mouseClick(later, Qt.MouseButton.LeftButton)
    assert hidden.args == [False]
    assert win.empty.isVisible()
    assert "Drop a folder" in win.empty.text() and "No model installed" in win.empty.text()  # back once it closes
    win.close()
    services.close()
