"""A journal of the files being decoded, so no run crashes twice on the same file.

Decoders run in worker processes (``decode_pool``), where a crash costs one
file. This journal covers the rest: a crash of the indexing process itself
while it decodes in-process (``MOTIS_DECODE_ISOLATION=0``, or where worker
processes cannot start), and a worker crash whose batch was never committed.

While a run encodes, each file handed to a decoder is appended as
``+ID THREAD`` and, once its result is known, ``-ID``; a file whose worker
process died is appended as ``!ID``. Python's ``faulthandler`` writes a fatal
signal's tracebacks (SIGSEGV, SIGABRT, …) to a side file, naming the thread
that crashed. A run that ends normally deletes both files. The next run reads
what an abnormal end left:

- ``!ID``: the decoder crashed on this file.
- after a fatal signal: the in-flight file being decoded by the crashing
  thread is the culprit. If no in-flight file can be tied to that thread, all
  files in flight become suspects and are decoded one at a time first, so a
  second crash leaves one file in flight.
- no fatal signal (``kill -9``, power loss): the files in flight are innocent
  and are simply decoded again.

Appends are flushed but not fsynced: a process crash leaves the OS's page
cache intact, and after a power loss nothing is blamed.
"""

from __future__ import annotations

import contextlib
import faulthandler
import logging
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from motis_desktop.core.formatting import count

log = logging.getLogger(__name__)

_CRASHING_THREAD = re.compile(r"^Current thread (0x[0-9a-fA-F]+)", re.M)


@dataclass
class Recovery:
    """What the previous run's abnormal end tells: files to mark as crashed, files to decode alone."""

    culprits: list[int] = field(default_factory=list)
    suspects: list[int] = field(default_factory=list)
    fatal_signal: bool = False


class DecodeJournal:
    """Append-only record of in-flight decodes for one library (``path`` next to its database)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.crash_path = self.path.with_name(self.path.name + ".crash")
        self._fh: IO[str] | None = None
        self._crash_fh: IO[str] | None = None
        self._lock = threading.Lock()
        self._faulthandler_was_enabled = False

    def recover(self) -> Recovery:
        """Read what a previous run left behind (call before :meth:`open`)."""
        result = Recovery()
        try:
            lines = self.path.read_text("utf-8", "replace").splitlines()
        except FileNotFoundError:
            return result
        try:
            crash_text = self.crash_path.read_text("utf-8", "replace")
        except FileNotFoundError:
            crash_text = ""
        in_flight: dict[int, int] = {}
        crashed: list[int] = []
        for line in lines:
            parts = line.split()
            if not parts:
                continue
            try:
                if line[0] == "+" and len(parts) == 2:
                    in_flight[int(parts[0][1:])] = int(parts[1])
                elif line[0] == "-":
                    in_flight.pop(int(parts[0][1:]), None)
                elif line[0] == "!":
                    crashed.append(int(parts[0][1:]))
                    in_flight.pop(crashed[-1], None)
            except ValueError:
                continue  # a line cut short by the crash
        result.culprits.extend(crashed)
        match = _CRASHING_THREAD.search(crash_text)
        result.fatal_signal = bool(crash_text.strip())
        if result.fatal_signal and in_flight:
            thread = int(match.group(1), 16) if match else None
            blamed = [fid for fid, tid in in_flight.items() if thread is not None and tid == thread]
            if blamed:
                result.culprits.extend(blamed)
            elif len(in_flight) == 1:
                result.culprits.extend(in_flight)
            else:
                result.suspects.extend(in_flight)
        if result.culprits or result.suspects:
            log.warning(
                "the last indexing run ended abnormally: %s crashed a decoder, %s to retry alone",
                count(len(result.culprits), "file"),
                count(len(result.suspects), "suspect"),
            )
        return result

    def open(self) -> None:
        """Start journaling a run; a fatal signal's report goes to the side file until :meth:`close`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self._crash_fh = open(self.crash_path, "w", encoding="utf-8")  # noqa: SIM115
        self._faulthandler_was_enabled = faulthandler.is_enabled()
        faulthandler.enable(file=self._crash_fh, all_threads=True)

    def begin(self, file_id: int, thread: int = 0) -> None:
        """``file_id`` is being decoded by ``thread`` (0: in a worker process)."""
        self._write(f"+{file_id} {thread}\n")

    def end(self, file_id: int) -> None:
        self._write(f"-{file_id}\n")

    def crashed(self, file_id: int) -> None:
        self._write(f"!{file_id}\n")

    def _write(self, line: str) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.write(line)
                self._fh.flush()

    def close(self) -> None:
        """The run ended normally (or was cancelled): nothing to blame, remove both files."""
        if self._crash_fh is not None:
            faulthandler.disable()
            if self._faulthandler_was_enabled:
                with contextlib.suppress(ValueError, OSError, AttributeError):
                    if sys.__stderr__ is not None:
                        faulthandler.enable(file=sys.__stderr__, all_threads=True)
        for fh in (self._fh, self._crash_fh):
            if fh is not None:
                fh.close()
        self._fh = self._crash_fh = None
        for path in (self.path, self.crash_path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
