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
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from motis_desktop.core.errors import DownloadError, MotisError
from motis_desktop.core.formatting import format_duration, format_size
from motis_desktop.core.models.demo import demo_name_problem, is_demo
from motis_desktop.core.models.naming import import_name
from motis_desktop.core.services import InstallProgress, RegistryFile, RegistryModel, Services
from motis_desktop.gui.dialogs import within_screen
from motis_desktop.gui.first_run_keys import first_run_keys
from motis_desktop.gui.install_words import download_failure
from motis_desktop.gui.models_in_use import ADD_ANOTHER, in_use_label
from motis_desktop.gui.offline_panel import OfflinePanel, demo_button
from motis_desktop.gui.tasks import Lane, Report, Task, TaskRunner

log = logging.getLogger(__name__)

DEMO_BUILDING = "Building the demo model (colour words only)…"


class ModelDialog(QDialog):
    """Offers the registry's models (recommended first) and importing files; emits ``installed(name)``.

    A model installed already is not offered again: its button reads "Use this model" (emits
    ``use_requested(name)``), or "In use" for the active one; an import under an installed model's name is refused
    before any work. A model whose download stopped early (cancelled, failed, the app closed) reads "Resume download":
    the download goes on where it stopped.
    """

    installed = Signal(str)
    use_requested = Signal(str)

    def __init__(
        self, services: Services, parent: QWidget | None = None, runner: TaskRunner | None = None, why: str = ""
    ) -> None:
        """long: the offer's parts, laid out in the order they read, and its keys (``first_run_keys``)."""
        super().__init__(parent)
        self.services = services.spawn()  # used by the install thread only (models and settings, no library)
        self.tasks = runner if runner is not None else TaskRunner(self)  # installs run on its INSTALL lane
        self.runner: Task | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.action = "download"  # what the last install ran: its failure is headed "The download/import did not work"
        self.setWindowTitle("Install a model")
        self.registry: list[RegistryModel] = sorted(services.available_models(), key=lambda m: not m.recommended)
        models = services.installed_models()  # model files only, no library
        self.installed_names, self.demo_installed = {m.name for m in models}, any(map(is_demo, models))
        self.waiting = {w.model: w.done for w in services.waiting_downloads()}  # unfinished: Download resumes
        self.active_name = getattr(services.active_model(), "name", None)
        self.choice = QComboBox()
        # as narrow as a small screen needs (the model's long name is cut), not as wide as its longest choice
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(24)
        for model in self.registry:
            installed = " — installed" if model.name in self.installed_names else ""
            self.choice.addItem(_choice_label(model) + installed, model.name)
        self.details = QLabel()  # the chosen model in one plain sentence
        self.details.setWordWrap(True)
        self.technical, self.technical_button = _technical_part(self.fit)  # figures, sources, files: on request
        self.choice.currentIndexChanged.connect(self._show_details)
        self.download_button = QPushButton()
        self.download_button.setDefault(True)
        self.download_button.clicked.connect(self.start_download)
        self.import_button = QPushButton("Import model files…")
        self.import_button.clicked.connect(self.choose_files)
        later = QPushButton("Close" if self.active_name else "Later")  # "Later" is the first-run offer's word
        later.clicked.connect(self.reject)
        intro = self._intro()
        links = self._build_more()
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(later)
        buttons.addWidget(self.download_button)
        self.body = QWidget()  # in a scroll area: the offline panel's lines outgrew a small screen
        layout = QVBoxLayout(self.body)
        self.why = _reason(why)  # why the offer opened by itself
        # which model answers and the installed ones (not on first run), then the offer
        for part in (self.why, in_use_label(models, self.active_name), intro, self.recommendation):
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
        self._show_details()
        self.fit()
        first_run_keys(later, self.download_button, self.demo_button, first_run=not self.active_name)

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
        """The first-run sentence (with the recommended model's size), or how to add another once one is in use; sets
        the recommendation line."""
        recommended = next((m for m in self.registry if m.recommended), self.registry[0] if self.registry else None)
        size = f"about {recommended.size / 1e6:.0f} MB" if recommended is not None and recommended.size else "a file"
        intro = QLabel(
            ADD_ANOTHER
            if self.active_name
            else "To find photos by describing them, MoTIS Desktop needs a <b>model</b>: "
            f"{size} that turns photos and words into numbers it can compare. "
            "It is downloaded once; after that everything stays on this computer, offline."
        )
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
        if self.demo_installed:  # File ▸ Install model… after it was installed: not offered again
            self.demo_button.hide()
            self.offline.demo.hide()
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
        self.technical.setText(_technical(model))
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

        self._run(work, f"Downloading {model.display_name}…", "download")

    def start_demo(self) -> None:
        """Build and install the demo model (colour words only) in the background; it then works as any install. Its
        Cancel stops it between its steps: in a window that has not imported torch yet it takes 2-3 s."""
        services = self.services
        self._run(lambda _report, cancel: services.install_demo_model(cancel).name, DEMO_BUILDING, "install")

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
                return services.import_pair(first, second, name, any_order=True).name
        elif len(files) == 1:

            def work(report: Report, cancel: threading.Event) -> str:
                return services.import_checkpoint(files[0], name).name
        else:
            QMessageBox.warning(self, "Import model files", "Choose two TorchScript files or one checkpoint.")
            return
        self._run(work, f"Importing {name}…", "import")

    # -- shared progress handling ----------------------------------------------------

    def _run(self, work: Callable[[Report, threading.Event], str], title: str, action: str) -> None:
        """Run ``work`` (the ``action``: "download", "import" or "install", as its failure is headed) with a
        progress dialog and its Cancel (an import's conversion does not stop early yet)."""
        self.action = action
        dialog = QProgressDialog(title, "Cancel", 0, 0, self)
        dialog.setWindowTitle("Installing model")
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        self.progress_dialog = dialog

        def connect(task: Task) -> None:
            dialog.canceled.connect(task.cancel)
            task.signals.progress.connect(self._on_progress)
            task.signals.succeeded.connect(self._on_done)
            task.signals.failed.connect(self._on_failed)
            task.signals.finished.connect(dialog.close)

        self._enable(False)
        dialog.show()
        self.runner = self.tasks.start(Lane.INSTALL, work, connect)

    def _enable(self, enabled: bool) -> None:
        """The buttons that start an install: off while one runs."""
        for button in (self.download_button, self.import_button, self.demo_button, self.offline.demo_button):
            button.setEnabled(enabled)

    def _on_progress(self, p: InstallProgress) -> None:
        if self.progress_dialog is None:
            return
        d = p.download
        if d.total:
            self.progress_dialog.setRange(0, 1000)
            self.progress_dialog.setValue(int(1000 * d.done / d.total))
        size = f"{d.done / 1e6:.1f} of {d.total / 1e6:.1f} MB" if d.total else f"{d.done / 1e6:.1f} MB"
        self.progress_dialog.setLabelText(
            f"File {p.file_index + 1} of {p.file_count} ({p.role}): {size}\n"
            f"{d.rate / 1e6:.1f} MB/s, {format_duration(d.eta_s)} left"
        )

    def _on_done(self, name: str) -> None:
        self.installed.emit(name)
        self.accept()

    def _on_failed(self, message: str) -> None:
        self._enable(True)
        self.waiting = {w.model: w.done for w in self.services.waiting_downloads()}  # what it kept, to resume
        self._show_details()
        if self.runner is not None and self.runner.cancelled:
            return  # the user cancelled: nothing to report, nothing was installed
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


def _technical_part(fit: Callable[[], None]) -> tuple[QLabel, QToolButton]:
    """The chosen model's technical notes (hidden) and the "Technical details" toggle that shows them."""
    label = QLabel()
    label.setObjectName("technicalDetails")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    button = QToolButton()
    button.setObjectName("technicalDetailsButton")
    button.setText("Technical details")
    button.setCheckable(True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setArrowType(Qt.ArrowType.RightArrow)

    def toggle(shown: bool) -> None:
        label.setVisible(shown)
        button.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        fit()

    button.toggled.connect(toggle)
    return label, button


def _technical(model: RegistryModel) -> str:
    """What the catalogue says for the curious: notes, the published figure and its source, disk use, the full
    licence and each file (its size once)."""
    source = f" (source: {model.quality_source})" if model.quality_source else ""
    files = "\n".join(_file_line(model, f) for f in model.files)
    facts = (
        model.notes,
        f"Quality: {model.quality}{source}" if model.quality else "",
        f"Disk: {model.disk_note}" if model.disk_note else "",
        f"Licence: {model.license}" if model.license else "",
        f"Files:\n{files}" if files else "",
    )
    return "\n".join(x for x in facts if x)


def _choice_label(model: RegistryModel) -> str:
    """One line per choice: name, size, and for the seed's file combinations whether the seed measured them."""
    size = "import only" if model.import_only else f"{model.size / 1e6:.0f} MB"
    label = f"{model.display_name} — {size}"
    if model.recommended:
        label += " (recommended)"
    combination = model.extra.get("combination")
    if combination is not None:
        label += " (tested together)" if combination["measured"] else " (your combination, not measured)"
    return label


def _file_line(model: RegistryModel, f: RegistryFile) -> str:
    line = f"• {f.role}: {f.description or f.tower} ({format_size(f.size) if f.size else 'size unknown'})"
    if model.format == "torchscript-pair":
        line += f", R@10 {f.r_at_10 if f.r_at_10 is not None else 'not published'}"
    return line


def _guess_pair_order(files: list[str]) -> tuple[str, str]:
    """(image, text) by file name; the caller retries swapped if the guess fails to load."""
    a, b = files
    text_words = ("text", "txt", "caption", "bert", "lang")
    return (b, a) if any(w in os.path.basename(a).lower() for w in text_words) else (a, b)
