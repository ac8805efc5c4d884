"""Where the app keeps its state: one home folder, never inside photo folders."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motis_desktop.core.atomic import write_json_atomic

HOME_ENV = "MOTIS_HOME"


def default_home() -> Path:
    """``$MOTIS_HOME`` if set, else the platform's user data folder (e.g. ~/.local/share/motis-desktop)."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("motis-desktop", appauthor=False))


@dataclass(frozen=True)
class AppPaths:
    """Every path of the app's state, derived from one home folder."""

    home: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> AppPaths:
        """Paths under ``home`` (flag), else ``$MOTIS_HOME``, else the platform default."""
        return cls(Path(home).expanduser().resolve() if home else default_home().resolve())

    @property
    def library_db(self) -> Path:
        return self.home / "library.sqlite3"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def config_file(self) -> Path:
        return self.home / "config.json"

    def ensure(self) -> None:
        """Create the home folders if missing."""
        for folder in (self.home, self.models_dir, self.cache_dir):
            folder.mkdir(parents=True, exist_ok=True)


class AppConfig:
    """Small JSON settings shared by the CLI and the GUI (e.g. the active model)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.read().get(key, default)

    def set(self, key: str, value: Any) -> None:
        data = self.read()
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
        write_json_atomic(self.path, data)
