"""The progress of a model install (download, import, the demo's build) with a Cancel that says what it does.

A download stops within a chunk of Cancel; a conversion (an import, or a download once its files are here) only
between its steps (``core.models.staging.InstallStep``: an ONNX export runs to its end, a minute for a large
model). Qt's QProgressDialog hid itself on Cancel while the work went on (QA walk 6: an import cancelled went on
and installed the model), so this dialog stays until the work has stopped, its button reading "Cancelling…" or
"Cancelling after this step…". Esc and the close button cancel too.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from motis_desktop.core.formatting import format_duration
from motis_desktop.core.models.staging import InstallStep
from motis_desktop.core.services import InstallProgress

CANCEL = "Cancel"
CANCELLING = "Cancelling…"  # a download: it stops within a chunk
CANCELLING_AFTER_STEP = "Cancelling after this step…"  # a conversion: it stops between its steps
CONVERTING = "Converting the model for this computer (a minute for a large model)…"


class InstallProgressDialog(QDialog):
    """The label, a bar (busy while nothing can be counted) and Cancel; emits ``cancel_requested`` once.

    ``step`` is what runs now: a download until its files are here, then the conversion; an import or the demo's
    build starts at the conversion. The owner closes it with :meth:`finish` when the work has stopped.
    """

    cancel_requested = Signal()

    def __init__(self, title: str, step: InstallStep, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Installing model")
        self.step = step
        self.cancelling = False
        self.finished_work = False
        self.label = QLabel(title)
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until a download says how much there is
        self.cancel_button = QPushButton(CANCEL)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addLayout(buttons)
        self.setMinimumWidth(420)

    def show_progress(self, p: InstallProgress) -> None:
        """A download's file, bytes, rate and time left; or, once its files are here, that it converts."""
        if p.step is InstallStep.CONVERT:
            self.step = InstallStep.CONVERT
            self.bar.setRange(0, 0)
            self.label.setText(CONVERTING)
            self._say_cancelling()
            return
        d = p.download
        if d.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * d.done / d.total))
        size = f"{d.done / 1e6:.1f} of {d.total / 1e6:.1f} MB" if d.total else f"{d.done / 1e6:.1f} MB"
        self.label.setText(
            f"File {p.file_index + 1} of {p.file_count} ({p.role}): {size}\n"
            f"{d.rate / 1e6:.1f} MB/s, {format_duration(d.eta_s)} left"
        )

    def cancel(self) -> None:
        """Ask the work to stop (once); the dialog stays, saying when it will, until :meth:`finish`."""
        if self.cancelling:
            return
        self.cancelling = True
        self.cancel_button.setEnabled(False)
        self._say_cancelling()
        self.cancel_requested.emit()

    def _say_cancelling(self) -> None:
        if self.cancelling:
            self.cancel_button.setText(CANCELLING if self.step is InstallStep.DOWNLOAD else CANCELLING_AFTER_STEP)

    def finish(self) -> None:
        """The work has stopped (done, failed or cancelled): close for good."""
        self.finished_work = True  # a close now is not a Cancel
        self.done(QDialog.DialogCode.Accepted)

    def reject(self) -> None:  # Esc: Cancel, not a hidden dialog over work that goes on
        self.cancel()

    def closeEvent(self, event: QCloseEvent) -> None:  # the title bar's close button: the same
        if self.finished_work:
            super().closeEvent(event)
            return
        self.cancel()
        event.ignore()  # it closes when the work has stopped
