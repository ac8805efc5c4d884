"""Main windows for GUI tests: over an indexed home, shown and ready to search; or over a home without a model,
shown and offering to install one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QWidget

from motis_desktop.core.services import IndexSummary, Services
from motis_desktop.gui.library_model import LibraryModel
from motis_desktop.gui.main_window import MainWindow
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.thumbnails import ThumbnailManager
from motis_desktop.gui.timeline import TimelineView


def ready_window(qtbot, home: Path, rows: int, size: tuple[int, int] | None = None) -> Iterator[MainWindow]:
    """Yield the window once its model is ready, the gallery lists ``rows`` photos, their shapes are read and the
    start-up indexing pass is over; close it after."""
    window = MainWindow(Services.open(home))
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: window.model_state == "ready" and window.model.rowCount() == rows, timeout=60_000)
    # and the photos' shapes read: on a loaded machine they arrived mid-test and the rows moved under it
    qtbot.waitUntil(lambda: window.sizes.idle, timeout=60_000)
    # and the start-up indexing pass over: tests act on a window at rest, not beside a run that may read the
    # gallery again or write the status line
    qtbot.waitUntil(lambda: window.startup_pass.done and window.indexer is None, timeout=60_000)
    yield window
    services = window.services
    window.close()
    services.close()


def window_offering_a_model(qtbot, home: Path) -> tuple[MainWindow, Services]:
    """A window over ``home`` (no model installed), shown, once it has offered to install one; the test closes
    both."""
    services = Services.open(home)
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.models.offer_shown, timeout=10_000):
        pass
    return window, services


def index_folders(home: Path, *folders: Path) -> IndexSummary:
    """Add ``folders`` to ``home``'s library and index them (before a window opens on it); the run's summary."""
    services = Services.open(home)
    try:
        services.add_folders([str(f) for f in folders])
        return services.index()
    finally:
        services.close()


def leave_for_a_terminal(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    """Another window takes the focus, as a terminal would: ``window`` is no longer the active one."""
    terminal = QWidget()
    qtbot.addWidget(terminal)
    terminal.show()
    terminal.activateWindow()
    qtbot.waitUntil(lambda: not window.isActiveWindow(), timeout=5_000)


def shown_timeline(qtbot, thumbs: Path) -> tuple[ThumbnailManager, LibraryModel, TimelineView]:  # type: ignore[no-untyped-def]
    """A timeline (900×600) over an empty library model, shown on its own; thumbnails cached in ``thumbs`` (the
    caller shuts the manager down)."""
    manager = ThumbnailManager(thumbs)
    model, view = LibraryModel(manager), TimelineView(manager)
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    return manager, model, view


def drop_folder(win: MainWindow, folder: Path) -> None:
    """Drop ``folder`` on the window through its own handlers (Qt routes synthetic drag events only during a real
    platform drag)."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    at, copy, left, none = (
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(at, copy, mime, left, none)
    win.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(at, copy, mime, left, none)
    win.dropEvent(drop)
    assert drop.isAccepted()


def in_settings(qtbot, window: MainWindow, act: Callable[[SettingsDialog], None], ok: bool = True) -> None:
    """Open Settings with its key (Ctrl+,), run ``act`` on the dialog inside its own event loop, then press OK
    (``ok``; else leave the dialog as ``act`` left it: closed by its Esc, say), or Cancel if ``act`` failed, whose
    error is raised here."""
    failed: list[BaseException] = []

    def inside() -> None:
        dialog = next(d for d in window.findChildren(SettingsDialog) if d.isVisible())
        try:
            act(dialog)
        except BaseException as exc:  # the dialog must close, or the test would hang in its loop
            failed.append(exc)
            dialog.reject()
            return
        if ok:
            dialog.accept()

    QTimer.singleShot(0, inside)
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)  # File ▸ Settings…
    if failed:
        raise failed[0]
