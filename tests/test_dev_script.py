"""./dev: a clear word without a display, and patience (bounded) while apt's lock is held."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

FAKE_APT = """#!/bin/sh
# Fails with apt's lock message until it has been called $LOCKED_CALLS times, then succeeds.
n=$(($(cat "$CALLS" 2>/dev/null || echo 0) + 1))
echo "$n" > "$CALLS"
echo "$*" >> "$CALLS.args"
if [ "$n" -le "$LOCKED_CALLS" ]; then
  echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
  exit 100
fi
if [ "$LOCKED_CALLS" -lt 0 ]; then
  echo "E: Unable to locate package nope" >&2
  exit 100
fi
echo "installed $*"
"""


def _apt_get(tmp_path: Path, locked_calls: int, tries: int = 30) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "bin" / "apt-get"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text(FAKE_APT)
    fake.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{fake.parent}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls"),
        "LOCKED_CALLS": str(locked_calls),
        "APT_LOCK_WAIT_S": "0",
        "APT_LOCK_TRIES": str(tries),
        "MOTIS_DEV_SOURCED": "1",
    }
    return subprocess.run(
        ["bash", "-c", "source ./dev && apt_get install -y libfoo"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _calls(tmp_path: Path) -> int:
    return int((tmp_path / "calls").read_text())


def test_apt_lock_is_waited_for_then_install_goes_on(tmp_path: Path) -> None:
    proc = _apt_get(tmp_path, locked_calls=2)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("apt is busy") == 2
    assert "installed install -y libfoo" in proc.stderr
    assert _calls(tmp_path) == 3


def test_apt_lock_held_too_long_says_what_to_run(tmp_path: Path) -> None:
    proc = _apt_get(tmp_path, locked_calls=99, tries=3)
    assert proc.returncode == 1
    assert _calls(tmp_path) == 3  # bounded
    assert (
        proc.stderr.strip()
        .splitlines()[-1]
        .startswith("apt stayed busy; when the other install has finished, run: sudo apt-get install -y libfoo")
    )


def test_other_apt_failures_are_not_retried(tmp_path: Path) -> None:
    proc = _apt_get(tmp_path, locked_calls=-1)
    assert proc.returncode == 1
    assert _calls(tmp_path) == 1
    assert "Unable to locate package nope" in proc.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="DISPLAY/WAYLAND_DISPLAY are how Linux finds a display")
def test_app_without_a_display_says_so(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run(["./dev", "app"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith("no display available")
    assert "xcb" not in proc.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="DISPLAY/WAYLAND_DISPLAY are how Linux finds a display")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_app_help_needs_no_display(flag: str) -> None:
    """QA: ``./dev app --help`` refused with "no display available": the help is read before Qt starts."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["MOTIS_VENV"] = sys.prefix  # this suite's environment: nothing to set up
    proc = subprocess.run(["./dev", "app", flag], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("usage: motis-desktop [-h] [--home HOME]")
    assert "--home HOME" in proc.stdout and "app data folder" in proc.stdout
