"""What the window says of the subfolders that cannot be opened (permission denied) since the last scan: their photos
are left out of every search (QA walk 7 #5: a photo counted as indexed went missing from searches without a word;
the command line said it, the window did not). The words are the core's (``QueryResult.locked``,
``LockedFolder.words``: "Photos/Locked cannot be opened (permission denied): its 1 photo is left out"), said after a
search's other notes: on the status line, on the empty page, and on the folder's row in Settings. A search says them
only when their photos could have passed its filters (the core leaves the others out of ``QueryResult.locked``); the
idle status line says how many there are (QA walk 9 #7: it said nothing at start, and every search said them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from motis_desktop.core.formatting import count
from motis_desktop.gui.local_files import readable


class Locked(Protocol):
    """A subfolder that cannot be opened (the core's ``LockedFolder``)."""

    def words(self) -> str: ...


def locked_sentences(locked: Sequence[Locked]) -> str:
    """The empty page's sentences: "Photos/Locked cannot be opened (permission denied): its 1 photo is left out."."""
    return " ".join(f"{readable(folder.words())}." for folder in locked)


def with_locked(line: str, locked: Sequence[Locked]) -> str:
    """The status line ``line`` with the locked subfolders said before its " — Esc to go back"."""
    if not locked:
        return line
    note = "; ".join(readable(folder.words()) for folder in locked)
    head, sep, tail = line.rpartition(" — ")
    return f"{head} · {note}{sep}{tail}" if sep else f"{line} · {note}"


def locked_words(subfolders: int) -> str:
    """The idle status line's part after the photo count (" · 1 subfolder can't be opened · See Settings", whose
    folder rows name them); "" without any."""
    return f" · {count(subfolders, 'subfolder')} can't be opened · See Settings" if subfolders else ""


def folder_status(locked: Sequence[Locked]) -> tuple[str, str]:
    """Settings' Status of an online library folder with locked subfolders: ("online, 1 subfolder locked", the
    core's words for each, one a line, for its tooltip)."""
    text = f"online, {count(len(locked), 'subfolder')} locked"
    lines = [f"{readable(folder.words())} of searches" for folder in locked]
    return text, "Connected and watched, but:\n" + "\n".join(lines)
