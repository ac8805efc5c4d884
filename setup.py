"""Build hook: copy the top-level ``resources/`` into the wheel's package.

In a checkout the resources stay at the repository root (one copy, easy to
find); an installed wheel carries them as ``motis_desktop/resources``.
``motis_desktop.core.resources`` knows both places (and PyInstaller's).
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        src = Path(__file__).parent / "resources"
        dst = Path(self.build_lib) / "motis_desktop" / "resources"
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithResources})
