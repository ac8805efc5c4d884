"""The model dialog's words for a download that failed: plain words and the dialog's own way around it (its
"Import files I downloaded…" button), where the command line names its commands (cli/model_commands.py); and
for an install the person cancelled."""

from __future__ import annotations

from motis_desktop.core.errors import DownloadError, DownloadProblem

IMPORT_DOWNLOADED = "Import files I downloaded…"  # the offline panel's button, named in its words
_BY_HAND = f"or download the files in a browser and use “{IMPORT_DOWNLOADED}” below."


def download_failure(exc: DownloadError) -> str:
    """Why the download failed and what to do here, from the core's kind and host."""
    host = exc.host or "the download site"
    if exc.kind is DownloadProblem.UNREACHABLE:
        return (
            f"Cannot reach the internet ({host}). If you downloaded the model files on another computer, "
            f"use “{IMPORT_DOWNLOADED}” below."
        )
    if exc.kind is DownloadProblem.REFUSED:
        return f"{host} would not send the model file. Try again later, {_BY_HAND}"
    if exc.kind is DownloadProblem.WEB_PAGE:
        return (
            f"{host} sent a web page instead of the model file (it may ask for a sign-in, or the file was "
            f"downloaded too often today). Try again later, {_BY_HAND}"
        )
    if exc.kind is DownloadProblem.STALLED:
        return f"The connection to {host} stopped. Try again (it goes on where it stopped), {_BY_HAND}"
    return str(exc)


_DOING = {"download": "Download", "import": "Import", "install": "Install"}  # ModelDialog's actions


def cancelled_words(action: str, name: str, resumable: bool = False) -> str:
    """The dialog's line once a cancelled ``action`` ("download", "import", "install") of ``name`` has stopped
    (QA walk 8 #8: the progress went away and nothing said so); ``resumable``: a download kept its files."""
    resume = "; “Resume download” goes on where it stopped" if resumable else ""
    return f"{_DOING.get(action, 'Install')} of {name} cancelled: nothing was installed{resume}."
