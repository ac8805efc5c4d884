"""The text stage of indexing: after every photo has its embedding (searchable by meaning first), read the
words in the photos whose text is not known yet.

- Which photos: those that decoded fine and whose text was never read, or was read from an older version of
  the file (size or mtime changed) or by another engine (``TextStore.pending``).
- Fast path: the detector decides; a photo where it finds no text region skips recognition. A photo whose
  bytes equal one read earlier in the run (new copies of each other) takes what that one gave.
- Isolation: the reader runs in a worker process (``worker.ProcessTextReader``); a photo that crashes it,
  hangs it past the timeout or is a decompression bomb is stored with its reason (not read again until the
  file changes), reported and skipped; the stage goes on with a fresh worker.
- Progress: ``Progress(phase="text")`` after each batch; cancel between photos; every ``BATCH`` photos are
  committed in one transaction, so a cancelled or killed run resumes where it stopped.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from motis_desktop.core.ocr.database import TextDatabase
from motis_desktop.core.ocr.engine import ENGINE_ID, engine_threads
from motis_desktop.core.ocr.text_store import TextRead, TextStore, TextTodo
from motis_desktop.core.ocr.worker import ProcessTextReader, ReadJob, ReadOutcome, TextReader, default_timeout

log = logging.getLogger(__name__)

BATCH = 8


class _Reader(Protocol):
    crashes: int

    def read(self, job: ReadJob) -> ReadOutcome: ...

    def close(self) -> None: ...


@dataclass
class TextSummary:
    read: int = 0  # photos whose text was read (with or without text)
    with_text: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    # photos gone when read (their folder moved away, a drive unplugged): nothing saved, read when they are back
    vanished: list[str] = field(default_factory=list)
    cancelled: bool = False
    elapsed_s: float = 0.0


@dataclass(frozen=True)
class TextProgress:
    done: int
    total: int
    elapsed_s: float
    current: str
    # Copies of a photo read earlier in this run take its text at once: counted in ``done``, not in a rate (QA: "8.5
    # photos/s · ETA 09:45 24/5000" where 3,500 were copies)
    copies_done: int = 0
    copies_total: int = 0

    @property
    def rate(self) -> float:
        """Photos read per second, copies left out."""
        return (self.done - self.copies_done) / max(self.elapsed_s, 1e-6)

    @property
    def eta_s(self) -> float | None:
        """Seconds left for the photos still to read (their copies take no time)."""
        rate, left = self.rate, (self.total - self.copies_total) - (self.done - self.copies_done)
        return max(0, left) / rate if rate > 0 else None


def run_text_stage(
    store: TextDatabase,
    folder_ids: Iterable[int],
    cancel: threading.Event,
    progress: Callable[[TextProgress], None] | None = None,
    isolate: bool = True,
    timeout_s: float | None = None,
    threads: int | None = None,
) -> TextSummary:
    """Read the text of every photo of ``folder_ids`` that needs it; see the module's docstring."""
    started = time.monotonic()
    texts = TextStore(store)
    texts.sync_names()
    todo = texts.pending(folder_ids, ENGINE_ID)
    summary = TextSummary()
    if not todo:
        return summary
    copies = _copies(todo)
    if progress:
        progress(TextProgress(0, len(todo), 0.0, "", 0, copies))
    reader = _open_reader(isolate, timeout_s or default_timeout(), engine_threads(threads))
    batch: list[TextRead] = []
    done = copied = 0
    by_content: dict[str, ReadOutcome] = {}
    try:
        while done < len(todo):
            if cancel.is_set():
                summary.cancelled = True
                break
            item = todo[done]
            following = todo[done + 1].path if done + 1 < len(todo) else None
            copied += item.content_hash in by_content
            outcome = _read_once(reader, item, following, by_content)
            if _counted(summary, item, outcome):
                batch.append(_text_read(item, outcome))
            done += 1
            if len(batch) >= BATCH or done == len(todo):
                if texts.save(batch, ENGINE_ID):  # their folder left the library meanwhile: so did the rest
                    todo = todo[:done] + texts.still_in_library(todo[done:])
                batch = []
                if progress:
                    elapsed = time.monotonic() - started
                    progress(TextProgress(done, len(todo), elapsed, item.path, copied, copies))
        texts.save(batch, ENGINE_ID)
    finally:
        reader.close()
    summary.elapsed_s = time.monotonic() - started
    log.info(
        "text stage: %d read (%d with text), %d failed in %.1f s%s",
        summary.read,
        summary.with_text,
        len(summary.failed),
        summary.elapsed_s,
        " (cancelled)" if summary.cancelled else "",
    )
    return summary


def _counted(summary: TextSummary, item: TextTodo, outcome: ReadOutcome) -> bool:
    """Count ``outcome`` in ``summary``; False for a photo gone meanwhile (saving its failure would keep it from
    being read once it is back with the same size and time)."""
    if outcome.error and not os.path.lexists(item.path):
        summary.vanished.append(item.path)
        return False
    if outcome.error:
        summary.failed.append((item.path, outcome.error))
        log.info("%s: text not read: %s", item.path, outcome.error)
    else:
        summary.read += 1
        summary.with_text += bool(outcome.lines)
    return True


def _text_read(item: TextTodo, outcome: ReadOutcome) -> TextRead:
    return TextRead(item.file_id, item.size, item.mtime_ns, outcome.lines, outcome.error, outcome.width, outcome.height)


def _copies(todo: list[TextTodo]) -> int:
    """How many of ``todo`` have the bytes of one before them (read once: ``_read_once``)."""
    hashes = [item.content_hash for item in todo if item.content_hash]
    return len(hashes) - len(set(hashes))


def _read_once(reader: _Reader, item: TextTodo, following: str | None, known: dict[str, ReadOutcome]) -> ReadOutcome:
    """What ``reader`` reads in ``item``, or what it read in a photo of equal bytes earlier (``known``: by content
    hash; copies among the photos are read once)."""
    outcome = known.get(item.content_hash)
    if outcome is None:
        outcome = reader.read(ReadJob(item.file_id, item.path, following))
        if item.content_hash and not outcome.error:
            known[item.content_hash] = outcome
    return outcome


def _open_reader(isolate: bool, timeout_s: float, threads: int) -> _Reader:
    if isolate:
        try:
            return ProcessTextReader(threads, timeout_s).start()
        except (OSError, RuntimeError) as exc:
            log.warning("the text reader process cannot start (%s); reading text in this process", exc)
    return TextReader(threads)
