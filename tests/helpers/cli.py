"""Running the real ``motis`` command line in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, home: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run the real ``motis`` entry point in a subprocess."""
    env = dict(os.environ)
    if home is not None:
        env["MOTIS_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-m", "motis_desktop.cli.main", *args], capture_output=True, text=True, env=env, timeout=600
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"motis {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def import_colour_model(colour_pair: tuple[Path, Path], home: Path, name: str = "c") -> None:
    """Install the colour model through the real CLI."""
    run_cli(
        "models", "import", "--image", str(colour_pair[0]), "--text", str(colour_pair[1]), "--name", name, home=home
    )


def cli_json(*args: str, home: Path | None = None) -> object:
    return json.loads(run_cli(*args, "--json", home=home).stdout)
