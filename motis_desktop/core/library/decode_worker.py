"""A decoder worker process: decodes one file at a time from its pipe, with native stderr captured per file."""

from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass
from typing import Any

from motis_desktop.core.library.file_decoder import DecodeJob, decode_file
from motis_desktop.core.library.memory_budget import ProcessBudget

READY = "ready"
START_TIMEOUT_S = 120.0  # importing numpy and OpenCV on a loaded machine


def worker_main(conn: Any, stderr_path: str, budget: tuple[int, Any, Any, int]) -> None:
    """Entry point of a decode worker: decode ``(job, config)`` pairs from ``conn`` until it sends None or closes."""
    capture = open(stderr_path, "w+b", buffering=0)  # noqa: SIM115 (lives as long as the process)
    os.dup2(capture.fileno(), 2)  # native warnings land here, read back after each file
    with contextlib.suppress(AttributeError, OSError):
        os.nice(5)  # the model's threads come first when the machine is busy
    import cv2
    import PIL.Image  # noqa: F401 (imported at start, not on the first file)

    cv2.setNumThreads(1)  # one worker, one core: the pool size is the decode parallelism
    reserve = ProcessBudget(*budget)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the main process's to handle
    conn.send(READY)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        job, config, crash_marker = message
        start = capture.tell()
        item = decode_file(job, config, reserve, crash_marker)
        capture.seek(start)
        text = capture.read().decode("utf-8", "replace")
        capture.seek(0)
        capture.truncate()
        item.warnings = [line for line in text.splitlines() if line.strip()]
        try:
            conn.send(item)
        except (BrokenPipeError, OSError):
            return


@dataclass
class Worker:
    """One worker process as the pool sees it (``job``: the file it is decoding, if any)."""

    slot: int
    process: Any
    conn: Any
    stderr_path: str
    job: DecodeJob | None = None


def recv_or_none(conn: Any) -> Any:
    """The next message on ``conn``, None if it closed."""
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None


def stderr_tail(path: str) -> str:
    """The last line a worker wrote to its stderr capture (what it said before dying)."""
    try:
        with open(path, "rb") as fh:
            lines = [ln.strip() for ln in fh.read()[-2000:].decode("utf-8", "replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1] if lines else ""
