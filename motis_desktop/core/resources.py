"""Locate bundled resource files (vocabulary, registry) wherever we run from."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # .../motis_desktop


def resource_dirs() -> list[Path]:
    """Candidate resource folders, most specific first.

    ``MOTIS_RESOURCES`` (override), a PyInstaller bundle (``sys._MEIPASS``),
    an installed wheel (``motis_desktop/resources``), a source checkout
    (``<repo>/resources``).
    """
    dirs: list[Path] = []
    if os.environ.get("MOTIS_RESOURCES"):
        dirs.append(Path(os.environ["MOTIS_RESOURCES"]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        dirs.append(Path(bundle) / "resources")
    dirs.append(_PACKAGE_DIR / "resources")
    dirs.append(_PACKAGE_DIR.parent / "resources")
    return dirs


def resource_path(name: str) -> Path:
    """Path of the bundled resource ``name``; FileNotFoundError lists where we looked."""
    for folder in resource_dirs():
        candidate = folder / name
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(d) for d in resource_dirs())
    raise FileNotFoundError(f"resource {name!r} not found (looked in {looked})")
