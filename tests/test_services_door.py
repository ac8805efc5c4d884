"""The one door into the core: typed failures, one activation rule for every front end, one message helper."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers.cli import cli_json, run_cli

import motis_desktop.core.library.file_decoder as file_decoder
from motis_desktop.core.errors import ImageError, ImageProblem, MotisError, UnknownStrategy, user_message
from motis_desktop.core.images.preprocess import PreprocessConfig
from motis_desktop.core.library.decode_pool import DecodeJob, decode_file
from motis_desktop.core.library.locking import IndexLock, LibraryBusy
from motis_desktop.core.services import Services


@pytest.mark.parametrize(
    ("kind", "vanished", "transient"),
    [
        (ImageProblem.VANISHED, True, False),
        (ImageProblem.UNREADABLE, False, True),
        (ImageProblem.INVALID, False, False),
    ],
)
def test_decoder_decides_by_kind_not_by_words(tmp_path: Path, monkeypatch, kind, vanished, transient) -> None:
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8 not really a photo")

    def read(_path: str) -> bytes:
        raise ImageError("words that match no rule: vanished, read error, permission denied", kind)

    monkeypatch.setattr(file_decoder, "read_image_bytes", read)
    item = decode_file(DecodeJob(1, str(photo)), PreprocessConfig())
    assert item.vanished is vanished
    assert item.transient is transient
    assert item.problem is kind  # the store keeps this kind, not one guessed from the words


def test_library_busy_carries_its_holder() -> None:
    busy = LibraryBusy("4242")
    assert busy.holder == "4242"
    assert busy.summary == "another MoTIS process (pid 4242) is updating this library"
    assert str(busy).startswith(busy.summary)


def test_waiting_for_the_library_ends_when_another_indexer_lets_go(home: Path) -> None:
    """The window waits with this for another process's run (``motis index``) and indexes right after it."""
    services = Services.open(home)
    cancel = threading.Event()
    assert services.wait_until_free(cancel)  # nobody indexes: at once
    lock = IndexLock(home / "index.lock")  # the indexer's lock, as another process's run holds it
    with lock:
        freed = threading.Timer(0.5, lock.__exit__, (None, None, None))  # that run ends while we wait
        freed.start()
        assert services.wait_until_free(cancel)
    with IndexLock(home / "index.lock"):
        cancel.set()
        assert not services.wait_until_free(cancel)  # quitting the window stops the wait
    services.close()


def test_user_message_is_the_message_of_a_motis_error_and_names_a_bug() -> None:
    assert user_message(MotisError("no model installed")) == "no model installed"
    assert user_message(KeyError("x")) == "internal error: KeyError: 'x'"


def test_unknown_strategy_is_a_motis_error_and_a_value_error(home: Path) -> None:
    services = Services.open(home)
    with pytest.raises(UnknownStrategy, match="unknown index strategy 'fast'") as caught:
        services.set_index_strategy("fast")
    assert isinstance(caught.value, ValueError)


def test_a_new_model_becomes_active_only_when_none_is(home: Path, colour_pair) -> None:
    services = Services.open(home)
    services.import_pair(*colour_pair, name="first")
    services.import_pair(*colour_pair, name="second")
    assert services.active_model().name == "first"
    assert services.settings()["active_model"] == "first"


def test_cli_follows_the_same_activation_rule(home: Path, colour_pair) -> None:
    image, text = (str(p) for p in colour_pair)
    run_cli("models", "import", "--image", image, "--text", text, "--name", "first", home=home)
    run_cli("models", "import", "--image", image, "--text", text, "--name", "second", home=home)
    status = cli_json("status", "--json", home=home)
    assert status["active_model"] == "first"
