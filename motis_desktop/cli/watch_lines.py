"""``motis watch``'s words for what happens between its runs: a photo still being copied in (``core/library/
settling.py``: said when its wait begins and, if it comes to that, when the wait is given up; nothing in between),
and a model made active by another process (Settings, ``motis models use``), which the next run indexes with."""

from __future__ import annotations

from motis_desktop.cli.output import one_line
from motis_desktop.core.kinds import CopyWait
from motis_desktop.core.services import IndexSummary, Services


def copy_wait_line(path: str, wait: CopyWait) -> str:
    """What ``motis watch`` says of a photo still being written (``FolderWatcher``'s ``on_writing``)."""
    if wait is CopyWait.WAITING:
        return f"waiting for {one_line(path)} to finish copying…"
    return f"{one_line(path)}: its copy stopped without finishing; reading it as it is"


class ModelFollow:
    """The model of each watch run: each reads the active model anew (``Services.index``), so a switch made in
    another process (the window's Settings, ``motis models use``) is what the next run indexes with, said once."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.model_id, self.name = "", ""  # the last run's model (its name then: it may be removed since)

    def said(self, summary: IndexSummary) -> list[str]:
        """The line for a run whose model is not the last run's ([] for the first run, and when the run's model
        took over from the demo model: ``motis watch`` says that in its own words)."""
        if summary.model_id == self.model_id:
            return []
        before = self.name
        installed = {m.model_id: m.name for m in self.services.installed_models()}
        self.model_id, self.name = summary.model_id, installed.get(summary.model_id, summary.model_id)
        if not before or summary.took_over:
            return []
        if self.services.takeover_model() == self.name:  # installed over the demo meanwhile: takes over when done
            return [
                f"indexing with {self.name} now: it takes over from the demo model once every photo is indexed with it"
            ]
        return [f"the active model is now {self.name} (it was {before}); watching indexes with it from this run on"]
