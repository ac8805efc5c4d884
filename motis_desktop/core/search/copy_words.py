"""A search result's copies in words, for both front ends: "Also in: Backup/Old disk/2024 Garden, Sent, and 4
more copies" (the window's tooltip and Details, the line below a hit of ``motis search``; ``--json`` keeps the full
paths).

The core shows a content once (``copies.py``): its best path, a few of its other paths (``SearchHit.also_at``) and
how many more (``also_more``). Each named copy is said by its folder *relative to its library folder*, elided in
the middle when long, so a ``cp -r`` backup of an event folder no longer reads "Also in: 2024 Garden" on a photo in
2024 Garden (QA walk 8, finding 3); copies in one folder are counted there ("Sent (2)") when every copy is named;
else each folder is named once and "N more copies" counts all the others, so no folder's count falls short.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from motis_desktop.core.pathnames import readable

FOLDER_CHARS = 48  # a copy's folder is elided in the middle past this many characters (tooltips stay one line)
SAME_FOLDER = "this folder"  # copies beside the photo itself


def elide_middle(text: str, limit: int = FOLDER_CHARS) -> str:
    """``text`` cut in its middle to ``limit`` characters ("Backup/Old…/2024 Garden"): both ends of a path say
    most (its top folder, and the folder the copy is in)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head) :]


def library_folder(path: str, roots: Sequence[str]) -> str | None:
    """The library folder holding ``path`` (the deepest, should one lie inside another), or None."""
    inside = [r for r in roots if path.startswith(r.rstrip(os.sep) + os.sep)]
    return max(inside, key=len) if inside else None


def folder_words(path: str, roots: Sequence[str], shown: str = "") -> str:
    """The folder of ``path`` as a person tells it apart: relative to its library folder ("Backup/Old disk/2024
    Garden"; the library folder's own name for a file at its top), led by its library folder's name when the
    ``shown`` photo is in another one; the whole folder when in none. Elided in the middle when long."""
    folder = os.path.dirname(path)
    root = library_folder(path, roots)
    if root is None:
        return elide_middle(readable(folder))
    name = os.path.basename(root.rstrip(os.sep)) or root
    relative = os.path.relpath(folder, root)
    words = name if relative == os.curdir else relative
    if relative != os.curdir and shown and library_folder(shown, roots) != root:
        words = os.path.join(name, relative)  # two library folders may hold the same names below them
    return elide_middle(readable(words))


def also_in(paths: Sequence[str], more: str = "", shown: str = "", roots: Sequence[str] = ()) -> str:
    """ "Also in: Backup/Old disk/2024 Garden, Sent, and 4 more copies": the folders of a result's named
    copies (``paths``), each with how many of them it holds when more than one and all are named, then the rest
    (``more``: ``SearchHit.also_more_words``, "4 more", "997+ more"). A copy beside the ``shown`` photo is in
    "this folder". With none named (those named were found gone from disk), "Also in: 4 other copies"."""
    counts: dict[str, int] = {}
    here = os.path.dirname(shown) if shown else None
    for path in paths:
        words = SAME_FOLDER if os.path.dirname(path) == here else folder_words(path, roots, shown)
        counts[words] = counts.get(words, 0) + 1
    if more and len(counts) < len(paths):
        # a folder's count would leave out its copies among "more" ("Sent (2), and 1 more copies" for 3 in Sent:
        # QA walk 9): each folder once, the other copies counted together
        more = _more_words(more, len(paths) - len(counts))
        counts = dict.fromkeys(counts, 1)
    named = [words if n == 1 else f"{words} ({n})" for words, n in counts.items()]
    copies = "copy" if more == "1 more" else "copies"
    if not named:
        return f"Also in: {more.removesuffix(' more')} other {copies}" if more else ""
    return "Also in: " + ", ".join(named) + (f", and {more} {copies}" if more else "")


def _more_words(more: str, extra: int) -> str:
    """``more`` ("4 more", "1,000+ more": ``SearchHit.also_more_words``) with ``extra`` copies added."""
    number = more.removesuffix(" more")
    bound = number.endswith("+")
    return f"{int(number.rstrip('+').replace(',', '')) + extra:,}{'+' if bound else ''} more"
