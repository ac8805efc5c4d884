"""The local query service behind ``motis search``: same answers, this user only, safe fallbacks."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest
from helpers.models import open_indexed_with_colour
from helpers.photos import make_colour_folder
from helpers.serving import search_in_process, serving

from motis_desktop.cli import server
from motis_desktop.cli.entry import _command
from motis_desktop.core.services import Services


@pytest.fixture
def services(home: Path, colour_pair, tmp_path: Path) -> Services:
    make_colour_folder(tmp_path / "photos", per_colour=3)
    svc = open_indexed_with_colour(home, colour_pair, tmp_path / "photos")
    yield svc
    svc.close()


def test_service_answers_like_an_in_process_search(services: Services) -> None:
    expected = search_in_process(services, ["red", "-k", "3"])
    with serving(services):
        reply = server.forward_search(services.home, ["red", "-k", "3"])
    assert reply == expected
    assert sum("red_" in line for line in reply[1].splitlines()) == 3  # one line per photo


def test_service_reports_usage_errors_like_the_cli(services: Services) -> None:
    expected = search_in_process(services, ["red", "-k", "0"])
    with serving(services):
        reply = server.forward_search(services.home, ["red", "-k", "0"])
    assert reply == expected
    assert reply[0] != 0 and "-k" in reply[2]


def test_socket_is_private_to_the_user(services: Services) -> None:
    with serving(services) as service:
        mode = stat.S_IMODE(os.lstat(service.path).st_mode)
    assert mode & 0o077 == 0


def test_other_users_get_no_answer(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server, "_peer_uid", lambda conn: os.getuid() + 1)
    with serving(services) as service:
        assert server.forward_search(services.home, ["red"]) is None
    assert service.served == 0


def test_no_service_means_search_in_process(home: Path) -> None:
    assert server.forward_search(home, ["red"]) is None


def test_stale_socket_is_ignored_and_replaced(services: Services) -> None:
    path = server.socket_path(services.home)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))  # bound, never listening: what a killed service leaves behind
    stale.close()
    assert server.forward_search(services.home, ["red"]) is None
    with serving(services):
        assert server.forward_search(services.home, ["red", "-k", "1"])[0] == 0


def test_second_service_for_the_same_home_is_refused(services: Services) -> None:
    from motis_desktop.core.errors import MotisError

    with serving(services), pytest.raises(MotisError, match="already running"):
        server.QueryService(services).bind()


def test_long_home_gets_a_private_socket_folder(tmp_path: Path) -> None:
    home = tmp_path / ("h" * 120)
    path = server.socket_path(home)
    assert len(os.fsencode(path)) < 108
    folder = os.lstat(path.parent)
    assert (folder.st_uid, stat.S_IMODE(folder.st_mode)) == (os.getuid(), 0o700)


@pytest.mark.parametrize(
    ("argv", "command"),
    [(["search", "red"], "search"), (["--home", "search", "index"], "index"), (["--home=x", "search"], "search")],
)
def test_entry_point_finds_the_command(argv: list[str], command: str) -> None:
    assert _command(argv) == command
