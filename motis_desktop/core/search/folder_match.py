"""Which folders a ``folder:NAME`` filter lets through, and the folder names closest to one that matches none.

A name matches a folder of that name at any depth, in any case (``folder:trips``), as it always did. A name no
folder has whole matches the folders with a word of their name that starts with it (QA walk 5: ``folder:Italy``
found nothing in "2019 Italy trip"), among the library folders and the folders below them only: ``folder:a``
must not match every photo of ``/home/alice``. A relative sub-path (``folder:2022/Summer``) matches consecutive
folders by the same rules. Each folder is tested once (the photo table's folder list, ``FolderIndex``), never
each photo.
"""

from __future__ import annotations

import difflib
import operator
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from motis_desktop.core.pathnames import is_within


@dataclass(frozen=True)
class FolderName:
    """One ``folder:`` value as typed, split into its folders (casefolded)."""

    typed: str
    parts: tuple[str, ...]

    @classmethod
    def of(cls, typed: str) -> FolderName:
        parts = tuple(p.casefold() for p in re.split(r"[\\/]+", typed.strip()) if p)
        return cls(typed, parts or (typed.casefold(),))

    def whole(self, parts: Sequence[str]) -> bool:
        """``parts`` (a folder path's, casefolded) hold these folders, each by its whole name, one after another."""
        return _runs(parts, self.parts, operator.eq)

    def partial(self, parts: Sequence[str]) -> bool:
        """``parts`` hold these folders one after another, each by a word of its name starting with it."""
        return _runs(parts, self.parts, _word_start)


class FolderIndex:
    """The folders of the photo table as names, made once per table (``PhotoTable.folders``): each path's folder
    names (casefolded), and those from its library folder's own name down (``Pictures/2022/Summer`` of
    ``/home/alice/Pictures/2022/Summer``: what a partial match and a suggestion look at), as written and
    casefolded."""

    def __init__(self, directories: Sequence[str], roots: Iterable[str]) -> None:
        longest_first = sorted((r.rstrip(os.sep) or os.sep for r in roots), key=len, reverse=True)
        self.folded = [d.casefold() for d in directories]
        self.parts = [[p for p in d.split(os.sep) if p] for d in self.folded]
        self.written: list[list[str]] = []
        for directory in directories:
            root = next((r for r in longest_first if is_within(directory, r)), None)
            below = directory[len(os.path.dirname(root)) :] if root is not None else ""
            self.written.append([p for p in below.split(os.sep) if p])
        self.inside = [[p.casefold() for p in written] for written in self.written]
        self.inside_joined = ["/".join(parts) for parts in self.inside]  # "/": no letter or digit, ends a word

    def matching(self, typed: Iterable[str]) -> set[int]:
        """The indexes of the folders one of the ``typed`` names matches (see the module doc)."""
        matched: set[int] = set()
        for name in map(FolderName.of, typed):
            # a cheap substring test first: at 1M photos in 50k folders, most hold no such text at all
            holding = [i for i, d in enumerate(self.folded) if name.parts[-1] in d]
            if len(name.parts) == 1:  # the usual case, in C: a one-letter name is in nearly every path
                whole = {i for i in holding if name.parts[0] in self.parts[i]}
                starts = re.compile(r"(?<![^\W_])" + re.escape(name.parts[0])).search
                matched |= whole or {i for i in holding if starts(self.inside_joined[i])}
                continue
            whole = {i for i in holding if name.whole(self.parts[i])}
            matched |= whole or {i for i in holding if name.partial(self.inside[i])}
        return matched

    def closest(self, typed: str, n: int = 3) -> list[str]:
        """The folder names (as written on disk) closest to ``typed``, best first (for "did you mean"): a name
        against folder names and their words, a sub-path against the sub-paths of as many folders."""
        size = len(FolderName.of(typed).parts)
        known: dict[str, str] = {}  # casefolded → as written
        for written in self.written:
            for start in range(len(written) - size + 1):
                sub = "/".join(written[start : start + size])
                known.setdefault(sub.casefold(), sub)
        likeness = _Likeness("/".join(FolderName.of(typed).parts))
        scored = sorted(((likeness(c), c) for c in known), key=lambda sc: (-sc[0], sc[1]))
        return [known[c] for score, c in scored[:n] if score >= _CLOSE]


_CLOSE = 0.6  # difflib's usual cut-off for "close"


class _Likeness:
    """How close a folder name (casefolded) is to ``wanted``: the best of the name and its words (a typo of
    "Italy" against "2019 Italy trip"); the name holding it whole, 0.9."""

    def __init__(self, wanted: str) -> None:
        self.wanted = wanted
        self.matcher = difflib.SequenceMatcher(None, "", wanted)  # seq2 is the one difflib keeps facts about

    def __call__(self, name: str) -> float:
        if self.wanted in name:
            return 0.9
        best = 0.0
        for word in (name, *(w for w in re.split(r"[^\w/]+", name) if w)):
            self.matcher.set_seq1(word)
            if self.matcher.real_quick_ratio() > best and self.matcher.quick_ratio() > best:
                best = max(best, self.matcher.ratio())
        return best


def _runs(parts: Sequence[str], wanted: Sequence[str], same: Callable[[str, str], bool]) -> bool:
    """``wanted`` matches ``parts`` one after another somewhere, each by ``same``."""
    size = len(wanted)
    return any(
        all(same(part, want) for part, want in zip(parts[i : i + size], wanted, strict=True))
        for i in range(len(parts) - size + 1)
    )


def _word_start(part: str, want: str) -> bool:
    """A word of ``part`` (after a character that is no letter or digit, or at its start) starts with ``want``."""
    at = part.find(want)
    while at >= 0:
        if at == 0 or not part[at - 1].isalnum():
            return True
        at = part.find(want, at + 1)
    return False
