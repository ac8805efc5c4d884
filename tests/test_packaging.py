"""Desktop integration: the .desktop entry, the icons, and the bundle's install/uninstall scripts.

The scripts run against a stand-in bundle (the real layout, tiny executables) in a temporary HOME;
packaging/smoke.sh runs the real bundle.
"""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A folder laid out like dist/motis-desktop/ whose executables print their name and arguments."""
    root = tmp_path / "dist" / "motis-desktop"
    shutil.copytree(REPO / "resources", root / "_internal" / "resources")
    for name in ("motis-desktop", "motis"):
        exe = root / name
        exe.write_text(f'#!/bin/sh\necho "{name} $*"\n')
        exe.chmod(0o755)
    for script in ("install.sh", "uninstall.sh"):
        shutil.copy2(REPO / "packaging" / script, root / script)
    return root


@pytest.fixture
def user_home(tmp_path: Path) -> Path:
    home = tmp_path / "user"
    home.mkdir()
    return home


def _run(script: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_") and k != "MOTIS_HOME"}
    env["HOME"] = str(home)
    proc = subprocess.run([str(script), *args], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_desktop_entry_names_the_app_and_its_icon() -> None:
    entry = _desktop_entry(REPO / "resources" / "motis-desktop.desktop")
    assert (entry["Type"], entry["Name"], entry["Exec"], entry["Icon"]) == (
        "Application",
        "MoTIS Desktop",
        "motis-desktop",
        "motis-desktop",
    )
    assert entry["Categories"].endswith(";")


@pytest.mark.parametrize("size", ICON_SIZES)
def test_png_icon_has_its_size(size: int) -> None:
    data = (REPO / "resources" / "icons" / f"motis-desktop-{size}.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (size, size)


def test_install_puts_the_bundle_commands_icons_and_menu_entry_in_place(bundle: Path, user_home: Path) -> None:
    _run(bundle / "install.sh", user_home)
    opt = user_home / ".local" / "opt" / "motis-desktop"
    entry = _desktop_entry(user_home / ".local" / "share" / "applications" / "motis-desktop.desktop")
    icons = user_home / ".local" / "share" / "icons" / "hicolor"
    assert entry["Exec"] == f'"{opt}/motis-desktop"'
    assert entry["TryExec"] == f"{opt}/motis-desktop"
    assert entry["Icon"] == "motis-desktop"
    assert sorted(p.parent.parent.name for p in icons.glob("*/apps/motis-desktop.png")) == sorted(
        f"{s}x{s}" for s in ICON_SIZES
    )
    assert (icons / "scalable" / "apps" / "motis-desktop.svg").is_file()
    out = subprocess.run([str(user_home / ".local" / "bin" / "motis"), "status"], capture_output=True, text=True)
    assert out.stdout.strip() == "motis status"


def test_install_again_upgrades_in_place(bundle: Path, user_home: Path) -> None:
    _run(bundle / "install.sh", user_home)
    (bundle / "motis").write_text('#!/bin/sh\necho "motis v2"\n')
    _run(bundle / "install.sh", user_home)
    out = subprocess.run([str(user_home / ".local" / "bin" / "motis")], capture_output=True, text=True)
    assert out.stdout.strip() == "motis v2"
    assert sorted(p.name for p in (user_home / ".local" / "opt").iterdir()) == ["motis-desktop"]


def test_install_refuses_a_folder_that_is_not_a_bundle(tmp_path: Path, user_home: Path) -> None:
    env = {**os.environ, "HOME": str(user_home)}
    proc = subprocess.run(
        [str(REPO / "packaging" / "install.sh"), str(tmp_path)], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 1
    assert "is not a MoTIS Desktop bundle" in proc.stderr


def test_uninstall_removes_the_app_and_keeps_the_library(bundle: Path, user_home: Path) -> None:
    _run(bundle / "install.sh", user_home)
    library = user_home / ".local" / "share" / "motis-desktop" / "library.db"
    library.parent.mkdir(parents=True)
    library.write_text("the user's library")
    _run(user_home / ".local" / "opt" / "motis-desktop" / "uninstall.sh", user_home)
    left = sorted(
        str(p.relative_to(user_home))
        for p in user_home.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name != "mimeinfo.cache"  # update-desktop-database's index
    )
    assert left == [".local/share/motis-desktop/library.db"]


def test_uninstall_purge_removes_the_library_too(bundle: Path, user_home: Path) -> None:
    _run(bundle / "install.sh", user_home)
    library = user_home / ".local" / "share" / "motis-desktop" / "library.db"
    library.parent.mkdir(parents=True)
    library.write_text("the user's library")
    _run(user_home / ".local" / "opt" / "motis-desktop" / "uninstall.sh", user_home, "--purge")
    assert not library.parent.exists()


def test_uninstall_leaves_another_motis_command_alone(bundle: Path, user_home: Path) -> None:
    _run(bundle / "install.sh", user_home)
    other = user_home / ".local" / "bin" / "motis"
    other.unlink()
    other.write_text("#!/bin/sh\necho pip-installed\n")  # e.g. pip install --user put its own there
    _run(user_home / ".local" / "opt" / "motis-desktop" / "uninstall.sh", user_home)
    assert other.read_text() == "#!/bin/sh\necho pip-installed\n"
