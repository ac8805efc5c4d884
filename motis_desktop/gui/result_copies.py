"""A search result's copies in the window: a copy taking the place of a result whose file was deleted, and the
status line saying so. Where its copies are, in words ("Also in: …"), is the core's (``core/search/copy_words.py``,
shared with ``motis search``).

The core shows a content once (``core/search/copies.py``): its best path, a few of its other paths
(``SearchHit.also_at``) and how many more (``also_more``). Here:

- :func:`stand_ins`: a result whose file left the library (deleted outside the app) while a named copy is still
  in the gallery is shown at that copy, at the same rank (QA walk 8, finding 1: the result was dropped, "no longer
  in the library", while a fresh search showed it). The gallery lists every file, so no core call is needed.
  When none of its named copies is left but more were counted, the window searches again (the core then shows
  the photo at one of them, at its rank).
- :func:`deleted_words`: "photo 36.jpg was deleted; its copy in Backup/Old disk/2024 Garden stays".
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace

from motis_desktop.core.search.copy_words import folder_words, library_folder
from motis_desktop.core.services import SearchHit
from motis_desktop.gui.gallery_rows import Row
from motis_desktop.gui.local_files import readable


def stand_ins(
    rows: Sequence[Row], gone: Collection[str], present: Mapping[str, int], gallery: Sequence[Row]
) -> dict[str, Row]:
    """For each of ``rows`` (results) whose path is in ``gone`` (it left the library), the row of its first named
    copy still in the gallery (``present``: each gallery path's place in ``gallery``), to show in its place: same
    score, and the text read in it (the same bytes), its date as the gallery has it; its other named copies still
    there stay named (those gone are no longer counted), the rest as counted. A copy already among ``rows`` is none."""
    shown = {r.path for r in rows}
    out: dict[str, Row] = {}
    for row in rows:
        if row.path not in gone:
            continue
        here = [p for p in row.also_at if p in present and p not in shown]
        if not here:
            continue
        copy = gallery[present[here[0]]]
        out[row.path] = row._replace(
            file_id=copy.file_id,
            path=copy.path,
            error=copy.error,
            date_source=copy.date_source,
            taken_at=copy.taken_at,
            matches=tuple(m for m in row.matches if m.kind != "name"),  # its name was the deleted file's
            aspect=copy.aspect if copy.aspect is not None else row.aspect,
            also_at=tuple(here[1:]),
        )
        shown.add(copy.path)
    return out


def other_copies(row: Row) -> str:
    """How many other copies a result has, as ``deleted_words`` says them ("2 more"; "" when none)."""
    return row.also_more or (f"{len(row.also_at)} more" if row.also_at else "")


def hit_at(copy: Row, hit: SearchHit) -> SearchHit:
    """``hit`` shown at ``copy`` (its file was deleted): the copy's path and id, words and named copies."""
    return replace(hit, file_id=copy.file_id, path=copy.path, matches=copy.matches, also_at=copy.also_at)


def deleted_words(replaced: Mapping[str, str], unnamed: Mapping[str, str], roots: Sequence[str]) -> str:
    """The status line when results' files left the library while copies of them remain: a copy of each took its
    place (``replaced``: old path → copy's), or the copies were not named (``unnamed``: old path → "2 more"; the
    query runs again, and they may have gone too). "photo 36.jpg was deleted; its copy in Backup/Old disk/2024
    Garden stays". A file whose library folder was removed (Settings) "left the library": it was not deleted."""
    gone = [*replaced, *unnamed]
    verb = "was deleted" if all(library_folder(p, roots) for p in gone) else "left the library"
    if len(gone) != 1:
        done = "searching again for their other copies" if unnamed else "a copy of each takes its place"
        return f"{len(gone)} photos shown {verb.replace('was', 'were')}; {done}"
    name = readable(os.path.basename(gone[0]))
    if unnamed:
        return f"{name} {verb}; searching again for its {unnamed[gone[0]].removesuffix(' more')} other copies"
    old, new = gone[0], replaced[gone[0]]
    if os.path.dirname(old) == os.path.dirname(new):
        return f"{name} {verb}; its copy {readable(os.path.basename(new))} in the same folder stays"
    return f"{name} {verb}; its copy in {folder_words(new, roots, old)} stays"
