"""Running the ``motis`` command line: in this process (fast), or as the real command in a subprocess.

``run_cli`` calls ``cli.main.main`` here with stdout/stderr captured and ``MOTIS_HOME`` set for the call:
the same parser, handlers and exit codes as the command, without starting Python and importing torch
again (seconds per call on a loaded machine). ``run_cli_process`` runs the installed entry point in a
subprocess; keep it for the few end-to-end tests that prove the command itself works (exit status,
output encoding, signals, crashes that must not take the test run down).
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CliResult:
    """What a ``motis`` run returned: the fields of ``subprocess.CompletedProcess`` that tests read."""

    args: list[str]
    returncode: int
    stdout: str
    stderr: str
    in_process: bool = field(default=True, compare=False)


def run_cli(*args: str, home: Path | None = None, check: bool = True) -> CliResult:
    """Run ``motis ARGS`` in this process (``MOTIS_HOME=home`` for the call when given)."""
    from motis_desktop.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    saved = os.environ.get("MOTIS_HOME")
    if home is not None:
        os.environ["MOTIS_HOME"] = str(home)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: usage errors (2), --help and --version (0)
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if saved is None:
            os.environ.pop("MOTIS_HOME", None)
        else:
            os.environ["MOTIS_HOME"] = saved
    result = CliResult(["motis", *args], code, out.getvalue(), err.getvalue())
    if check and code != 0:
        raise AssertionError(f"motis {' '.join(args)} failed ({code}):\n{result.stderr}")
    return result


def run_cli_process(
    *args: str, home: Path | None = None, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``motis`` entry point in a subprocess (end-to-end tests)."""
    full_env = dict(os.environ, **(env or {}))
    if home is not None:
        full_env["MOTIS_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "motis_desktop.cli.entry", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"motis {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def ctrl_c_armed(module: str = "motis_desktop.cli.entry") -> str:
    """A ``python -c`` program that runs ``module`` as ``motis``, with Ctrl+C armed as in a terminal: a suite started
    in the background by a non-interactive shell runs with SIGINT ignored, the child inherits that, and Python then
    never raises KeyboardInterrupt (the command would wait forever for a Ctrl+C it cannot receive)."""
    return (
        "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        f"sys.argv[0] = 'motis'; runpy.run_module({module!r}, run_name='__main__', alter_sys=True)"
    )


@contextmanager
def ended(proc: subprocess.Popen[Any]) -> Iterator[subprocess.Popen[Any]]:
    """``proc``, killed on the way out if it is still running (a test that failed half-way leaves no process). A
    ``motis_process`` still running then is first made to write where each of its threads was (``faulthandler``, on
    SIGABRT), printed with the test's output: CI's "did not stop after Ctrl+C" failures showed no more than that."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            _print_stacks(proc)
            proc.kill()
            proc.wait()


def _print_stacks(proc: subprocess.Popen[Any]) -> None:
    """Where ``proc``'s threads are, on this test's stdout, if it runs with ``PYTHONFAULTHANDLER`` and its stderr is
    ours to read (waits up to 10 s for the dump)."""
    if proc.stderr is None:
        return
    said: list[Any] = []

    def read() -> None:
        with suppress(OSError, ValueError):  # the test may have read it to its end and closed it
            said.append(proc.stderr.read())  # type: ignore[union-attr]

    reader = threading.Thread(target=read, daemon=True)
    proc.send_signal(signal.SIGABRT)
    reader.start()
    reader.join(10)
    print(f"{proc.args} was still running; its stderr and threads:\n{said[0] if said else '(nothing read)'}")


@contextmanager
def motis_process(
    *args: str,
    home: Path,
    armed: str | None = None,
    python: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    **popen: Any,
) -> Iterator[subprocess.Popen[str]]:
    """The real ``motis ARGS`` running over ``home`` in a subprocess (stdout and stderr piped, as text; ``popen``
    changes that), killed on the way out if still running. ``armed``: run through that ``python -c`` program
    (:func:`ctrl_c_armed`) instead of ``-m motis_desktop.cli.entry``; ``python``: the interpreter's own flags."""
    program = ["-c", armed] if armed is not None else ["-m", "motis_desktop.cli.entry"]
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    full_env = {**os.environ, "MOTIS_HOME": str(home), "PYTHONFAULTHANDLER": "1", **(env or {})}
    with ended(subprocess.Popen([sys.executable, *python, *program, *args], env=full_env, **options)) as proc:
        yield proc


class SettingsPipe:
    """``home``'s settings (``config.json``) behind a named pipe: a command that reads them waits there until
    :meth:`feed`, so a signal sent before then comes while it reads its settings (it cannot have indexed yet).
    ``writer`` (started by the test) opens the pipe's other end: it returns once the command opened it."""

    def __init__(self, home: Path, spare: Path) -> None:
        self.config, self.spare = home / "config.json", spare / "config.json"
        self.settings = self.config.read_bytes()
        self.config.unlink()
        os.mkfifo(self.config)
        self.opened: list[int] = []
        self.writer = threading.Thread(target=self._open_for_writing, daemon=True)

    def _open_for_writing(self) -> None:
        self.opened.append(os.open(self.config, os.O_WRONLY))  # returns once the other end is opened for reading

    def release_writer(self) -> None:
        """The command ended without opening the settings: open the other end, for the writer's open to return."""
        if not self.opened:
            os.close(os.open(self.config, os.O_RDONLY | os.O_NONBLOCK))

    def feed(self) -> None:
        """The settings back in a file (later reads find it) and to the read that waits on the pipe."""
        self.spare.write_bytes(self.settings)
        os.replace(self.spare, self.config)
        os.write(self.opened[0], self.settings)
        os.close(self.opened[0])


def import_colour_model(colour_pair: tuple[Path, Path], home: Path, name: str = "c") -> None:
    """Install the colour model through the command line."""
    run_cli(
        "models", "import", "--image", str(colour_pair[0]), "--text", str(colour_pair[1]), "--name", name, home=home
    )


def cli_json(*args: str, home: Path | None = None) -> object:
    return json.loads(run_cli(*args, "--json", home=home).stdout)
