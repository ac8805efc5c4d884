"""Search results whose files were renamed or moved (within the library folders, in a file manager) while shown.

The gallery read after the folder watcher's run lacks the old path: the result was shown at one of its copies and
said "was deleted", or dropped ("… is no longer in the library"), though the photo was still in the library under
its new name. The core knows what became what (``Services.where_now``, by the photo's id: a rename keeps its row);
:func:`ask_where_now` asks it on the library lane (no SQL on this thread). The result keeps its rank at the new
path (:func:`renamed_rows`), an open viewer stays on the photo, and the status line says it (:func:`renamed_words`):
"red_00.jpg was renamed to red_00 holiday.jpg", "red_00.jpg was moved to Trips/2024" (the folder from its library
folder, as ``result_copies`` names copies). A result deleted for real is still shown at a copy (``result_copies``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Protocol

from motis_desktop.core.search.copy_words import folder_words
from motis_desktop.gui.gallery_rows import Row
from motis_desktop.gui.local_files import readable


class Renamed(Protocol):
    """What the window reads of the core's answer (``core/library/renames.py``): a photo at ``old`` now at
    ``new``, ``moved`` to another folder (else renamed in its folder)."""

    @property
    def old(self) -> str: ...

    @property
    def new(self) -> str: ...

    @property
    def moved(self) -> bool: ...


def ask_where_now(
    submit: Callable[..., object] | None,
    rows: Sequence[Row],
    gone: Collection[str],
    known_at: float,
    answer: Callable[[set[str], Sequence[Renamed]], None],
) -> None:
    """Ask the core (``submit``: the library lane) where the results among ``rows`` whose paths are ``gone`` are now,
    ``known_at`` being when they were read at those paths; ``answer(gone, renamed)`` on this thread then (with none
    renamed when the look-up failed, or at once without a library lane)."""
    shown = {r.file_id: r.path for r in rows if r.path in gone}
    asked = set(shown.values())
    if submit is None:
        answer(asked, [])
        return
    submit(
        lambda services: services.where_now(shown, known_at),
        lambda found: answer(asked, found),
        lambda _: answer(asked, []),
    )


def renamed_rows(
    rows: Sequence[Row], renamed: Sequence[Renamed], present: Mapping[str, int], gallery: Sequence[Row]
) -> dict[str, Row]:
    """For each of ``rows`` (results) that was renamed or moved (``renamed``) to a path the gallery lists
    (``present``: each gallery path's place in ``gallery``), the row to show instead: at its new path, with its
    score, rank and copies; the words its old name matched are dropped (its name changed)."""
    new_of = {r.old: r.new for r in renamed}
    shown = {r.path for r in rows}
    out: dict[str, Row] = {}
    for row in rows:
        new = new_of.get(row.path)
        if new is None or new not in present or new in shown:  # renamed again since, or already a result
            continue
        now = gallery[present[new]]
        out[row.path] = row._replace(
            path=new,
            error=now.error,
            matches=tuple(m for m in row.matches if m.kind != "name"),
            aspect=now.aspect if now.aspect is not None else row.aspect,
            also_at=tuple(p for p in row.also_at if p != new),
        )
        shown.add(new)
    return out


def renamed_words(renamed: Sequence[Renamed], roots: Sequence[str]) -> str:
    """The status line when results' files were renamed or moved while shown: "red_00.jpg was renamed to red_00
    holiday.jpg", "red_00.jpg was moved to Trips/2024" (and "as NEW NAME" when its name changed too), "3 photos
    shown were renamed or moved; each keeps its place"."""
    if len(renamed) != 1:
        return f"{len(renamed)} photos shown were renamed or moved; each keeps its place"
    (one,) = renamed
    name, new_name = readable(os.path.basename(one.old)), readable(os.path.basename(one.new))
    if not one.moved:
        return f"{name} was renamed to {new_name}"
    return f"{name} was moved to {folder_words(one.new, roots, one.old)}" + (
        f" as {new_name}" if new_name != name else ""
    )
