"""Getting a model: the first-run dialog (download the recommended one, or import files) with progress.

The choices are the registry's models, then every combination of the seed's published image and text
files, each labelled with whether the seed measured that pair. The chosen one is said in one plain sentence
(``RegistryModel.sentence``); its figures, sources and files are behind "Technical details".
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from motis_desktop.core.errors import DownloadError, MotisError
from motis_desktop.core.models.demo import demo_name_problem, is_demo
from motis_desktop.core.models.naming import import_name
from motis_desktop.core.models.staging import InstallStep
from motis_desktop.core.services import ModelRemoved, RegistryModel, Services
from motis_desktop.gui.dialogs import within_screen
from motis_desktop.gui.first_run_focus import first_run_focus, focus_on_open
from motis_desktop.gui.install_progress import InstallProgressDialog
from motis_desktop.gui.install_words import cancelled_words, download_failure
from motis_desktop.gui.model_choices import choice_label, technical, technical_part
from motis_desktop.gui.model_removal import CountPhotos, ModelRemoval
from motis_desktop.gui.models_in_use import ADD_ANOTHER, InstalledModels
from motis_desktop.gui.offline_panel import OfflinePanel, demo_button
from motis_desktop.gui.tasks import Lane, Report, Task, TaskRunner

log = logging.getLogger(__name__)

DEMO_BUILDING = "Building the demo model (colour words only)…"


class ModelDialog(QDialog):
    """Offers the registry's models (recommended first) and importing files; emits ``installed(name)``.

    A model installed already is not offered again: its button reads "Use this model" (emits
    ``use_requested(name)``), or "In use" for the active one; an import under an installed model's name is refused
    before any work. A model whose download stopped early (cancelled, failed, the app closed) reads "Resume download":
    the download goes on where it stopped. With a model in use the installed ones are listed, each can be removed
    (``removed(ModelRemoved)``; ``photos`` counts a model's photos for the confirmation), and Enter closes.
    """

    installed = Signal(str)
    use_requested = Signal(str)
    removed = Signal(object)

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        runner: TaskRunner | None = None,
        why: str = "",
        photos: CountPhotos | None = None,
    ) -> None:
        """long: the offer's parts, laid out in the order they read."""
        super().__init__(parent)
        self.gui_services = services  # the models folder and settings, read on the GUI thread (no library)
        self.services = services.spawn()  # used by the install thread only (models and settings, no library)
        self.tasks = runner if runner is not None else TaskRunner(self)  # installs run on its INSTALL lane
        self.runner: Task | None = None
        self.progress_dialog: InstallProgressDialog | None = None
        self.action = "download"  # what the last install ran: its failure is headed "The download/import did not work"
        self.installing = ""  # the name of what it installs, as the cancelled line names it
        self.setWindowTitle("Install a model")
        self.registry: list[RegistryModel] = sorted(services.available_models(), key=lambda m: not m.recommended)
        self.waiting = {w.model: w.done for w in services.waiting_downloads()}  # unfinished: Download resumes
        self.choice = QComboBox()
        # as narrow as a small screen needs (the model's long name is cut), not as wide as its longest choice
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(24)
        for model in self.registry:
            self.choice.addItem(choice_label(model), model.name)
        self.details = QLabel()  # the chosen model in one plain sentence
        self.details.setWordWrap(True)
        self.technical, self.technical_button = technical_part(self.fit)  # figures, sources, files: on request
        self.download_button = QPushButton()
        self.download_button.clicked.connect(self.start_download)
        self.import_button = QPushButton("Import model files…")
        self.import_button.clicked.connect(self.choose_files)
        self.later = QPushButton()  # "Close", or "Later": the first-run offer's word
        self.later.clicked.connect(self.reject)
        self.intro = self._intro()
        links = self._build_more()
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.later)
        buttons.addWidget(self.download_button)
        self.body = QWidget()  # in a scroll area: the offline panel's lines outgrew a small screen
        layout = QVBoxLayout(self.body)
        self.why = _reason(why)  # why the offer opened by itself
        self.note = QLabel()  # what became of the last install here when it did not install (cancelled)
        self.note.setObjectName("installNote")
        self.note.setWordWrap(True)
        self.note.hide()
        self.models = self._build_models(photos)  # which model answers and the installed ones (not on first run)
        for part in (self.why, self.note, self.models, self.intro, self.recommendation):  # then the offer
            layout.addWidget(part)
        layout.addLayout(buttons)
        layout.addLayout(links)
        layout.addWidget(self.more)
        layout.addWidget(self.offline)
        layout.addStretch()
        scroll = QScrollArea()
        scroll.setWidget(self.body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setMinimumWidth(within_screen(self, QSize(640, 0)).width())
        self.choice.currentIndexChanged.connect(self._show_details)
        self._take_models()

    def _take_models(self) -> None:
        """Read the installed models and the one in use (the models folder), and set what follows from them: the list,
        the choices marked installed, the words, the demo's buttons, Close or Later and what Enter presses; fits."""
        models = self.gui_services.installed_models()
        self.installed_names, self.demo_installed = {m.name for m in models}, any(map(is_demo, models))
        self.active_name = getattr(self.gui_services.active_model(), "name", None)
        self.models.show_models(models, self.active_name, self.gui_services.pending_model())
        for i, model in enumerate(self.registry):
            installed = " — installed" if model.name in self.installed_names else ""
            self.choice.setItemText(i, choice_label(model) + installed)
        self.intro.setText(ADD_ANOTHER if self.active_name else self.first_run)
        self.later.setText("Close" if self.active_name else "Later")
        self.demo_button.setVisible(not self.demo_installed)  # File ▸ Install model… after it was installed: not
        self.offline.demo.setVisible(not self.demo_installed)  # offered again
        # In use: Enter closes (QA: it started a 231 MB download), not the other buttons; on first run it downloads
        in_use = self.active_name is not None
        for button in self.body.findChildren(QPushButton):
            button.setAutoDefault(not in_use or button is self.later)
        self.later.setDefault(in_use)
        self.download_button.setDefault(not in_use)
        self._show_details()
        self.fit()
        if not in_use:  # the first-run offer: the focus on what Enter presses, the recommended action
            first_run_focus(self.download_button, self.demo_button, self.later)
        else:  # the installed models, the one in use current (Enter still closes: Close is the default)
            focus_on_open(self.models.list)

    def _build_models(self, photos: CountPhotos | None) -> InstalledModels:
        """The installed models with Remove…, which asks and removes (``gui/model_removal.py``)."""
        models = InstalledModels()
        self.removal = ModelRemoval(self.gui_services, self.services, self.tasks, photos, self)
        models.remove_requested.connect(self.removal.ask)
        self.removal.busy.connect(lambda busy: self._enable(not busy))
        self.removal.removed.connect(self._removed)
        return models

    def _removed(self, removed: ModelRemoved) -> None:
        """A model removed here: the dialog says what is installed now (the first-run offer when none is)."""
        self._take_models()
        self.removed.emit(removed)

    def fit(self) -> None:
        """As large as the contents ask, within the screen (they scroll beyond): adjustSize's, capped."""
        width = max(self.width(), self.minimumWidth(), self.body.sizeHint().width())
        width = within_screen(self, QSize(width, 0)).width()
        height = self.body.heightForWidth(width) if self.body.hasHeightForWidth() else self.body.sizeHint().height()
        self.resize(within_screen(self, QSize(width, height)))
        if not self.isVisible():
            return  # showing centres it over the window, within the screen
        screen, frame = self.screen().availableGeometry(), self.frameGeometry()
        frame.moveBottom(min(frame.bottom(), screen.bottom()))  # grown below the screen's edge: up, into it
        frame.moveRight(min(frame.right(), screen.right()))
        self.move(max(frame.left(), screen.left()), max(frame.top(), screen.top()))

    def _intro(self) -> QLabel:
        """The label of the first-run sentence (with the recommended model's size, ``first_run``), or of how to add
        another once one is in use (:meth:`_take_models` says which); sets the recommendation line."""
        recommended = next((m for m in self.registry if m.recommended), self.registry[0] if self.registry else None)
        size = f"about {recommended.size / 1e6:.0f} MB" if recommended is not None and recommended.size else "a file"
        self.first_run = (
            "To find photos by describing them, MoTIS Desktop needs a <b>model</b>: "
            f"{size} that turns photos and words into numbers it can compare. "
            "It is downloaded once; after that everything stays on this computer, offline."
        )
        intro = QLabel()
        intro.setObjectName("modelIntro")
        intro.setWordWrap(True)
        self.recommendation = QLabel(
            f"Recommended: <b>{recommended.display_name}</b> — works well for most photo libraries."
            if recommended is not None
            else "No model can be downloaded from here: import model files you have."
        )
        self.recommendation.setWordWrap(True)
        return intro

    def _build_more(self) -> QHBoxLayout:
        """The hidden "More about models" part (choices, details, import) and the offline panel, with their
        toggles and the demo model's button; returns the row of those buttons."""
        self.more_button = QToolButton()
        self.more_button.setObjectName("moreAboutModels")
        self.more_button.setText("More about models")
        self.more_button.setCheckable(True)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setArrowType(Qt.ArrowType.RightArrow)
        self.more = QWidget()  # the choices, figures, licences and sources
        more_layout = QVBoxLayout(self.more)
        more_layout.setContentsMargins(0, 0, 0, 0)
        more_layout.addWidget(self.choice)
        more_layout.addWidget(self.details)
        more_layout.addWidget(self.technical_button, alignment=Qt.AlignmentFlag.AlignLeft)
        more_layout.addWidget(self.technical)
        more_layout.addWidget(self.import_button, alignment=Qt.AlignmentFlag.AlignLeft)
        self.more.hide()
        self.more_button.toggled.connect(self._toggle_more)
        self.offline_button = QToolButton()
        self.offline_button.setObjectName("noInternet")
        self.offline_button.setText("No internet here?")
        self.offline_button.setCursor(Qt.CursorShape.PointingHandCursor)  # framed like "More about models": a button
        self.offline_button.clicked.connect(lambda: self.show_offline(None))
        self.demo_button = demo_button(self.start_demo)  # shown while the demo model is not installed
        self.offline = OfflinePanel(self.choose_files, demo_button(self.start_demo))
        self.offline.hide()
        links = QHBoxLayout()
        links.addWidget(self.more_button)
        links.addWidget(self.offline_button)
        links.addStretch()
        links.addWidget(self.demo_button)
        return links

    def _toggle_more(self, shown: bool) -> None:
        self.more.setVisible(shown)
        self.more_button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.fit()

    def show_offline(self, problem: str | None, failed: str = "download") -> None:
        """Where to get the chosen model's files on another computer, with Copy buttons, and the way to
        import them here; ``problem`` is why the download failed, if it did."""
        self.offline.show_model(self.selected(), problem, failed)
        self.offline.show()
        self.fit()

    def selected(self) -> RegistryModel:
        return self.registry[self.choice.currentIndex()]

    def _show_details(self) -> None:
        model = self.selected()
        self.details.setText(model.sentence())
        self.technical.setText(technical(model))
        if self.offline.isVisible():
            self.offline.show_model(model, None)
        if model.name in self.installed_names:  # nothing to download: use it (a switch), or it is in use
            self.download_button.setText("In use" if model.name == self.active_name else "Use this model")
            self.download_button.setEnabled(model.name != self.active_name)
        elif model.import_only:
            self.download_button.setText("Import your own copy")
            self.download_button.setEnabled(False)
        elif model.name in self.waiting:  # an earlier download stopped: it goes on where it stopped
            of = f" of {model.size / 1e6:.0f}" if model.size else ""
            self.download_button.setText(f"Resume download ({self.waiting[model.name] / 1e6:.0f}{of} MB)")
            self.download_button.setEnabled(True)
        else:
            self.download_button.setText(f"Download ({model.size / 1e6:.0f} MB)")
            self.download_button.setEnabled(True)

    # -- download ------------------------------------------------------------------

    def start_download(self) -> None:
        model = self.selected()
        if model.name in self.installed_names:
            self.use_requested.emit(model.name)
            self.accept()
            return
        services = self.services

        def work(report: Report, cancel: threading.Event) -> str:
            try:
                return services.download_model(model.name, report, cancel).name
            except DownloadError as exc:  # the window's words (install_words), not the command line's
                raise MotisError(download_failure(exc)) from None

        self._run(work, f"Downloading {model.display_name}…", "download", model.display_name)

    def start_demo(self) -> None:
        """Build and install the demo model (colour words only) in the background; it then works as any install. Its
        Cancel stops it between its steps: in a window that has not imported torch yet it takes 2-3 s."""
        services = self.services
        self._run(
            lambda _report, cancel: services.install_demo_model(cancel).name, DEMO_BUILDING, "install", "the demo model"
        )

    # -- import --------------------------------------------------------------------

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self,
            "Choose a TorchScript pair (2 files) or one checkpoint",
            str(Path.home()),
            "Models (*.pt *.pth *.bin *.safetensors);;All files (*)",
        )
        if files:
            proposed = import_name(files, self.installed_names)  # as 'motis models import' without --name
            name, ok = QInputDialog.getText(self, "Model name", "Install the model as:", text=proposed)
            if ok and name.strip():
                self.import_files(files, name.strip())

    def import_files(self, files: list[str], name: str) -> None:
        """Install a pair (order found by trying) or a single checkpoint, in the background."""
        services = self.services
        taken = (
            f"A model named “{name}” is already installed: choose another name." if name in self.installed_names else ""
        )
        if taken or (taken := demo_name_problem(name) or ""):  # the core's words for the demo's name
            QMessageBox.information(self, "Import model files", taken[:1].upper() + taken[1:])
            return
        if len(files) == 2:
            answer = QMessageBox.question(
                self,
                "Import TorchScript files",
                "TorchScript files can contain code. Import them only if you trust where they came from.\n\nImport?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return

            def work(report: Report, cancel: threading.Event) -> str:
                first, second = _guess_pair_order(files)
                return services.import_pair(first, second, name, any_order=True, cancel=cancel).name
        elif len(files) == 1:

            def work(report: Report, cancel: threading.Event) -> str:
                return services.import_checkpoint(files[0], name, cancel=cancel).name
        else:
            QMessageBox.warning(self, "Import model files", "Choose two TorchScript files or one checkpoint.")
            return
        self._run(work, f"Importing {name}…", "import", name)

    # -- shared progress handling ----------------------------------------------------

    def _run(self, work: Callable[[Report, threading.Event], str], title: str, action: str, name: str) -> None:
        """Run ``work`` (the ``action``: "download", "import" or "install", as its failure is headed) of ``name``
        with a progress dialog and its Cancel: a download stops within a chunk, a conversion between its steps."""
        self.action, self.installing = action, name
        self.note.hide()
        step = InstallStep.DOWNLOAD if action == "download" else InstallStep.CONVERT
        dialog = self.progress_dialog = InstallProgressDialog(title, step, self)

        def connect(task: Task) -> None:
            dialog.cancel_requested.connect(task.cancel)
            task.signals.progress.connect(dialog.show_progress)
            task.signals.succeeded.connect(self._on_done)
            task.signals.failed.connect(self._on_failed)
            task.signals.finished.connect(dialog.finish)

        self._enable(False)
        dialog.show()
        self.runner = self.tasks.start(Lane.INSTALL, work, connect)

    def _enable(self, enabled: bool) -> None:
        """The buttons that start an install or a removal: off while one runs."""
        for button in (self.download_button, self.import_button, self.demo_button, self.offline.demo_button):
            button.setEnabled(enabled)
        self.models.set_busy(not enabled)
        if enabled:
            self._show_details()  # "In use" stays off; "Resume download" where a download stopped

    def _on_done(self, name: str) -> None:
        self.installed.emit(name)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self.waiting = {w.model: w.done for w in self.services.waiting_downloads()}  # what it kept, to resume
        self._enable(True)
        if self.runner is not None and self.runner.cancelled:  # the user cancelled: no failure, nothing installed
            resumable = self.action == "download" and self.selected().name in self.waiting
            self.note.setText(cancelled_words(self.action, self.installing, resumable))
            self.note.show()
            return
        self.show_offline(message, self.action)  # in the window: the addresses to fetch elsewhere and the way to import

    def wait(self, ms: int = 30_000) -> None:
        """Block until a running install has returned."""
        self.tasks.wait(Lane.INSTALL, ms)

    def shutdown(self) -> None:
        """Cancel a running install and wait for it (at quit); nothing half-installed stays."""
        if self.runner is not None:
            self.runner.cancel()
        self.wait()


def _reason(why: str) -> QLabel:
    """The offer's first line when it opened by itself for a reason ("The model colour was removed by …")."""
    label = QLabel(why[:1].upper() + why[1:] + "." if why else "")
    label.setObjectName("offerReason")
    label.setWordWrap(True)
    label.setVisible(bool(why))
    return label


def _guess_pair_order(files: list[str]) -> tuple[str, str]:
    """(image, text) by file name; the caller retries swapped if the guess fails to load."""
    a, b = files
    text_words = ("text", "txt", "caption", "bert", "lang")
    return (b, a) if any(w in os.path.basename(a).lower() for w in text_words) else (a, b)
