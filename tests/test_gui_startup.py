"""When the window's start-up indexing pass starts (gui/startup.py): once the model and the first gallery are in;
at once for a small library, after a delay for a large one; once only (a model loaded later indexes by itself)."""

from __future__ import annotations

from motis_desktop.gui.startup import StartupPass


def test_a_small_library_starts_its_pass_as_soon_as_model_and_gallery_are_in(qtbot) -> None:
    runs: list[str] = []
    first = StartupPass(lambda: runs.append("run"), delay_ms=60_000, delay_from=1_000)
    assert first.model_ready() and runs == []  # the gallery is not in yet
    first.gallery_shown(999)
    assert runs == ["run"] and first.done  # at once: no timer to wait for
    second = StartupPass(lambda: runs.append("other"), delay_ms=60_000, delay_from=1_000)
    second.gallery_shown(0)  # the other order; an empty library
    assert runs == ["run"]
    second.model_ready()
    assert runs == ["run", "other"]


def test_a_large_library_starts_its_pass_after_the_delay_and_only_once(qtbot) -> None:
    runs: list[int] = []
    startup = StartupPass(lambda: runs.append(1), delay_ms=50, delay_from=1_000)
    startup.gallery_shown(100_000)
    assert startup.model_ready()
    assert runs == []  # searchable meanwhile
    with qtbot.waitSignal(startup.started, timeout=5_000):
        pass
    assert runs == [1]
    startup.gallery_shown(5)  # later reads do not start it again
    assert startup.model_ready() is False  # a model loaded later (installed, switched) indexes by itself
    assert runs == [1]
