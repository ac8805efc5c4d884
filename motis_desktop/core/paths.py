"""Where the app keeps its state: one home folder, never inside photo folders."""

from __future__ import annotations

import json
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from motis_desktop.core.atomic import write_json_atomic
from motis_desktop.core.errors import MotisError

log = logging.getLogger(__name__)

HOME_ENV = "MOTIS_HOME"
PRIVATE_FOLDER_MODE = 0o700  # the home and its folders, created by us (POSIX)
PRIVATE_FILE_MODE = 0o600  # the library database (SQLite gives its -wal and -shm the same mode)
EMPTY_HOME = "the home folder (--home) is empty: give a folder, or leave the option out for the default"


class NoLibrary(MotisError):
    """A home named by ``--home`` or ``$MOTIS_HOME`` that does not exist, met by a command that only reads: a
    typo must not make a new, empty library (the message says where it looked)."""

    def __init__(self, home: Path) -> None:
        super().__init__(f"no library at {home} (check --home or {HOME_ENV})")
        self.home = home


class NotALibrary(MotisError):
    """A home named by ``--home`` or ``$MOTIS_HOME`` that is an existing folder holding other files and no library
    (``--home ~``, someone's Documents): nothing is written into it (QA: the library's files spilled into it)."""

    def __init__(self, home: Path) -> None:
        super().__init__(
            f"{home} holds other files and no MoTIS library: choose an empty folder or an existing library"
        )
        self.home = home


# What the app itself makes at the top of its home (front ends' files too: gui.ini, the log, the query socket), by
# how their names begin ("library." covers the database's -wal, -shm, .checked and damaged copies set aside;
# ".config.json." the settings' temporary file).
HOME_NAMES = (
    "library.",
    "models",
    "cache",
    "config.json",
    ".config.json.",
    "index.lock",
    "gui.ini",
    "motis-desktop.log",
    "query.sock",
)


def holds_other_files(home: Path) -> bool:
    """Whether ``home`` is a folder holding files the app did not make and no library database (an unreadable
    folder: False, its own errors say why later)."""
    try:
        names = os.listdir(home)
    except OSError:
        return False
    return "library.sqlite3" not in names and any(not _housekeeping(name) for name in names)


def _housekeeping(name: str) -> bool:
    """A name the app makes, or one a file system or desktop puts in any folder: a freshly formatted drive holds
    ``lost+found``, a folder opened in a file manager ``.DS_Store`` or ``.Trash-1000`` — still an empty home."""
    return name.startswith(HOME_NAMES) or name.startswith(".") or name == "lost+found"


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
    def resolve(cls, home: str | os.PathLike[str] | None = None, create: bool = True) -> AppPaths:
        """Paths under ``home`` (flag), else ``$MOTIS_HOME``, else the platform default.

        An empty ``home`` (``--home ""``) is a :class:`MotisError`, never a silent switch to the default.
        ``create=False`` (a command that only reads): a named home (flag or ``$MOTIS_HOME``) that does not exist
        is :class:`NoLibrary`. The platform default is made as always: it cannot be mistyped, and a first
        ``motis status`` there says what to do first instead of an error. A named home that holds other files and
        no library is :class:`NotALibrary`, whatever the command: nothing is ever written into it.
        """
        if home is not None and not os.fspath(home).strip():
            raise MotisError(EMPTY_HOME)
        paths = cls(Path(home).expanduser().resolve() if home else default_home().resolve())
        named = home is not None or bool(os.environ.get(HOME_ENV))
        if not create and named and not os.path.lexists(paths.home):
            raise NoLibrary(paths.home)
        if named and paths.home.is_dir() and holds_other_files(paths.home):
            raise NotALibrary(paths.home)
        return paths

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
        """Create the home folders if missing: private to this user (0700) on POSIX, since the library
        lists every photo path and holds their vectors.

        A path that exists but is not a folder (``--home /dev/null``, a file named ``models``) is a
        :class:`MotisError` naming it. A home that cannot be written is left as it is: reading
        (status, search) still works and writes fail later with their own message. An existing folder
        keeps its mode (see :meth:`privacy_warning`).
        """
        for folder in (self.home, self.models_dir, self.cache_dir):
            if os.path.lexists(folder) and not folder.is_dir():
                raise MotisError(self._not_a_folder(folder))
            try:
                if not folder.exists():
                    folder.parent.mkdir(parents=True, exist_ok=True)  # parents as the user's umask makes them
                folder.mkdir(mode=PRIVATE_FOLDER_MODE, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise MotisError(self._not_a_folder(folder)) from None
            except OSError as exc:  # read-only home or disk: not fatal for reading
                log.info("cannot create %s: %s", folder, exc.strerror or exc)

    def privacy_warning(self) -> str | None:
        """One line when other local users can read the library (a home, or a database made by an older
        version, that is group/other accessible and ours); None when it is private, another user's, or not
        on POSIX. Nothing is changed: the user decides (a shared home may be on purpose)."""
        if os.name != "posix":
            return None
        for path, fix in ((self.home, f"chmod 700 {self.home}"), (self.library_db, f"chmod 600 {self.library_db}*")):
            try:
                info = os.stat(path)
            except OSError:
                continue
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077 and info.st_uid == os.geteuid():  # only its owner can (and may) change it
                return (
                    f"{path} can be read by other users on this machine (mode {mode:04o}); "
                    f"to keep your photo library private: {fix}"
                )
        return None

    def _not_a_folder(self, folder: Path) -> str:
        if folder == self.home:
            return f"{folder}: the app's home (--home or $MOTIS_HOME) must be a folder, and this is not one"
        return f"{folder}: expected a folder but found something else; move it aside and try again"


class AppConfig:
    """Small JSON settings shared by the CLI and the GUI (e.g. the active model)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, Any]:
        """The settings; {} if the file is missing or not valid JSON (MotisError if it cannot be read)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except IsADirectoryError:
            raise MotisError(f"{self.path}: the settings file is a folder; move it aside and try again") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise MotisError(
                f"{self.path}: cannot read the settings ({getattr(exc, 'strerror', None) or exc})"
            ) from None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            log.warning("%s is not valid JSON; using default settings", self.path)
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str, default: Any = None) -> Any:
        return self.read().get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Save ``key`` (None removes it); a value already saved writes nothing (a read-only home stays usable)."""
        data = self.read()
        if data.get(key) == value and (value is not None or key not in data):
            return
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
        try:
            write_json_atomic(self.path, data)
        except OSError as exc:
            raise MotisError(f"{self.path}: cannot save the settings ({exc.strerror or exc})") from None
