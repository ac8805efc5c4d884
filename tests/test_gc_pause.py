"""The cyclic collector is paused while the whole library's rows are built (core/gc_pause.py), on any thread, and
left as it was afterwards; later collections no longer walk the rows."""

from __future__ import annotations

import gc
import threading

from motis_desktop.core.gc_pause import gc_paused


def test_paused_while_any_build_runs_and_restored_after() -> None:
    assert gc.isenabled()
    inside, release, seen = threading.Event(), threading.Event(), {}

    def other_build() -> None:
        with gc_paused():
            inside.set()
            release.wait(30)
        seen["after_other"] = gc.isenabled()

    with gc_paused():
        assert not gc.isenabled()
        thread = threading.Thread(target=other_build)
        thread.start()
        assert inside.wait(30)
    assert not gc.isenabled()  # the other thread's build still runs
    release.set()
    thread.join(30)
    assert seen["after_other"] is True and gc.isenabled()


def test_a_collector_switched_off_elsewhere_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_in_the_build_restores_the_collector() -> None:
    try:
        with gc_paused():
            raise ValueError("a damaged row")
    except ValueError:
        pass
    assert gc.isenabled()


def test_later_collections_skip_the_rows_kept_but_still_free_new_cycles() -> None:
    with gc_paused():
        passing = [[i] for i in range(1_000)]  # a build that does not ask to keep its rows
    with gc_paused(keep=True):
        rows = [(i, f"/photos/{i}.jpg", [i, 4000, 3000]) for i in range(10_000)]
    built, walked = {id(r) for r in rows}, {id(o) for o in gc.get_objects()}  # what a full collection walks
    assert not built & walked
    del rows  # still freed: by reference counting
    with gc_paused():
        later = [[i] for i in range(1_000)]
    assert {id(o) for o in later} <= {id(o) for o in gc.get_objects()}  # only a kept build froze anything
    del passing, later

    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    del a, b
    assert gc.collect() >= 2  # the collector itself still works on what came after
