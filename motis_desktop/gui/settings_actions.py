"""Settings (Ctrl+,) and their effect: view settings at once, the library's (folders, strategy, model) on the
backend thread (:class:`SettingsController`), as is forgetting the photos removed from the folders; moving an
offline folder where the user located it runs on the indexing lane (``folder_move_run.py``: at once or after the
running run, with its progress and a Cancel in the folder's row, the dialog still open: no setting, the dialog's
Cancel does not undo it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from motis_desktop.core.services import Services
from motis_desktop.gui.folder_move_run import FolderMoveRun, MoveCalls
from motis_desktop.gui.folders_panel import FoldersPanel
from motis_desktop.gui.gone_line import GoneLine
from motis_desktop.gui.settings_dialog import SettingsDialog
from motis_desktop.gui.timeline_groups import ZOOM_HEIGHTS, zoom_step
from motis_desktop.gui.workers import Backend, SettingsOutcome, apply_settings

if TYPE_CHECKING:
    from motis_desktop.gui.indexing import IndexingController
    from motis_desktop.gui.status_line import StatusLine

DEFAULT_TOP_K = 50
DEFAULT_ROW_HEIGHT = ZOOM_HEIGHTS[2]
OLD_CELL_MARGIN = 20  # a "thumb_size" saved before the zoom was the setting: rows were that much taller


class SettingsController(QObject):
    """Opens Settings and applies what it returns.

    Signals:
        view_changed: Emitted when Settings changed the thumbnail size (the gallery's zoom level).
        applied: Emitted with the ``SettingsOutcome`` once the library side was applied on the backend.
        gone_forgotten: Emitted with how many photos "Forget them now" forgot (removed from the folders lately).
        located: Emitted with the core's words once an offline folder was moved where the user located it
            (Locate…; ``applied`` follows, with the new folder added: the gallery is read and indexing runs).
    """

    view_changed = Signal()
    applied = Signal(object)
    gone_forgotten = Signal(int)
    located = Signal(str)

    def __init__(
        self,
        services: Services,
        settings: QSettings,
        backend: Backend,
        folders: Callable[[], list[str]],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.services, self.settings, self.backend = services, settings, backend
        self._folders = folders
        self.parent_widget = parent
        self.moves: FolderMoveRun | None = None  # Locate…'s moves, once the window's indexing is known (``follow``)

    def follow(self, indexing: IndexingController, status_line: StatusLine) -> None:
        """Run Locate…'s moves on ``indexing``'s lane, said on ``status_line`` (``located`` too)."""
        self.moves = FolderMoveRun(self.services, indexing, status_line)
        self.located.connect(status_line.folder_located)

    @property
    def top_k(self) -> int:
        return self._int("top_k", DEFAULT_TOP_K)

    @property
    def row_height(self) -> int:
        """The gallery's zoom level (a row height of ``ZOOM_HEIGHTS``): Settings ▸ Thumbnail size, and what
        Ctrl+= / Ctrl+- last chose; the window opens at it."""
        if self.settings.contains("row_height"):
            return zoom_step(self._int("row_height", DEFAULT_ROW_HEIGHT), 0)
        if self.settings.contains("thumb_size"):  # saved by an older version: its nearest level
            return zoom_step(self._int("thumb_size", DEFAULT_ROW_HEIGHT) + OLD_CELL_MARGIN, 0)
        return DEFAULT_ROW_HEIGHT

    def remember_zoom(self, height: int) -> None:
        """Ctrl+= / Ctrl+- changed the gallery's zoom: it is the thumbnail size now (the next start opens at it)."""
        if zoom_step(height, 0) != self.row_height:
            self.settings.setValue("row_height", zoom_step(height, 0))
            self.settings.sync()

    def _int(self, key: str, default: int) -> int:
        value = self.settings.value(key, default)
        return int(value) if isinstance(value, (int, str)) else default

    def open(self) -> None:
        active = self.services.active_model()
        dialog = SettingsDialog(
            self._folders(),
            [m.name for m in self.services.installed_models()],
            active.name if active else None,
            self.services.index_strategy(),
            self.top_k,
            self.row_height,
            self.parent_widget,
            submit=self.backend.submit,
            read_text=self.services.text_reading(),
            read_text_forced=self.services.text_reading_forced(),
        )
        dialog.gone.forget_requested.connect(lambda: self.forget_gone(dialog.gone))
        dialog.folders.locate_requested.connect(lambda old, new: self.locate(dialog.folders, old, new))
        dialog.folders.cancel_requested.connect(lambda old: self.cancel_locate(dialog.folders, old))
        self.backend.submit(lambda s: s.gone_photos(), lambda count: _show_gone(dialog.gone, count))
        accepted = dialog.exec()
        values = dialog.values()
        dialog.deleteLater()
        if accepted:
            self.apply(values)

    def forget_gone(self, line: GoneLine | None = None) -> None:
        """Forget now the photos remembered after they left the library folders (on the backend); ``line`` then
        shows how many are left (0, unless an indexing run found more meanwhile)."""

        def forgot(result: tuple[int, int]) -> None:
            _show_gone(line, result[1])
            self.gone_forgotten.emit(result[0])

        def failed(message: str) -> None:
            self.backend.submit(lambda s: s.gone_photos(), lambda count: _show_gone(line, count))
            QMessageBox.warning(self.parent_widget, "Settings", message)

        self.backend.submit(lambda s: (s.forget_gone_photos(), s.gone_photos()), forgot, failed)

    def locate(self, panel: FoldersPanel, old: str, new: str) -> None:
        """Move the offline library folder ``old`` to ``new`` on the indexing lane (``folder_move_run.py``: now or
        after the running run; the dialog's Cancel does not undo it); the panel's row shows how far it is, then
        ``new``; a refusal is said in a message box."""
        assert self.moves is not None, "the window calls follow() first"
        self.moves.move(old, new, self._calls(panel, old))

    def cancel_locate(self, panel: FoldersPanel, old: str) -> None:
        """The row's Cancel: the move of ``old`` stops (or never starts), nothing changed."""
        if self.moves is not None:
            self.moves.cancel(old, self._calls(panel, old))

    def _calls(self, panel: FoldersPanel, old: str) -> MoveCalls:
        """Where the move of ``old`` reports: ``panel``'s row while the dialog is open, the status line, a box."""

        def row(act: Callable[[], None]) -> None:
            try:
                act()
            except RuntimeError:  # the dialog closed meanwhile
                pass

        def done(located: Any) -> None:  # the core's FolderLocated
            row(lambda: panel.replace(old, located.new))
            self.located.emit(located.words)
            self.applied.emit(SettingsOutcome([located.new], []))  # read the gallery, index the new folder's others

        def failed(message: str) -> None:
            row(lambda: panel.moving(old, None))
            try:
                parent: QWidget = panel.window()
            except RuntimeError:
                parent = self.parent_widget
            FoldersPanel.show_refused(parent, old, message)

        return MoveCalls(
            lambda words: row(lambda: panel.moving(old, words)),
            done,
            failed,
            lambda: row(lambda: panel.moving(old, None)),
        )

    def apply(self, values: dict[str, Any]) -> None:
        height = zoom_step(int(values.get("row_height", self.row_height)), 0)
        resized = height != self.row_height  # the grid is laid out again only then
        self.settings.setValue("top_k", values["top_k"])
        self.settings.setValue("row_height", height)
        self.settings.sync()
        if resized:
            self.view_changed.emit()
        self.backend.submit(
            lambda s: _apply_library(s, values),
            self.applied.emit,
            lambda msg: QMessageBox.warning(self.parent_widget, "Settings", msg),
        )


def _show_gone(line: GoneLine | None, count: int) -> None:
    """Show the count on Settings' line, if the dialog is still open."""
    try:
        if line is not None:
            line.show_count(count)
    except RuntimeError:  # the dialog closed before the count arrived
        pass


def _apply_library(services: Services, values: dict[str, Any]) -> SettingsOutcome:
    """The library side of the settings, on the backend thread: reading text in photos, then the rest."""
    if "read_text" in values and bool(values["read_text"]) != services.text_reading():
        services.set_text_reading(bool(values["read_text"]))
    return apply_settings(services, values)
