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
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path


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


def import_colour_model(colour_pair: tuple[Path, Path], home: Path, name: str = "c") -> None:
    """Install the colour model through the command line."""
    run_cli(
        "models", "import", "--image", str(colour_pair[0]), "--text", str(colour_pair[1]), "--name", name, home=home
    )


def cli_json(*args: str, home: Path | None = None) -> object:
    return json.loads(run_cli(*args, "--json", home=home).stdout)
