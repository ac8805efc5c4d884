"""Small kinds that cross modules, as enums instead of loose strings.

Each is a ``str`` enum: a member equals, hashes, prints and is stored (SQLite, JSON) as its value, so a
kind written by one module and read by another (or by an older file) stays the same word; code compares
against the members, never against text. Messages for users are made from kinds at the edge (the front
ends and ``errors.user_message``), not stored.
"""

from __future__ import annotations

import re
from enum import Enum


class Kind(str, Enum):
    """A ``str`` enum that prints as its value (``f"{kind}"`` is ``"jpeg"``, not ``"ImageFormat.JPEG"``)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class ImageFormat(Kind):
    """What a file's first bytes say it is (``images.header.sniff_format``)."""

    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    BMP = "bmp"
    WEBP = "webp"
    TIFF = "tiff"
    HEIC = "heic"
    AVIF = "avif"
    RAW = "raw"


class DateSource(Kind):
    """Where a photo's date comes from."""

    EXIF = "exif"  # EXIF date taken (DateTimeOriginal, else Digitized, else DateTime: images/dates.py)
    MTIME = "mtime"  # the file's modification time, EXIF read and absent
    FILE = "file"  # the file's modification time, metadata not read yet


class ProgressPhase(Kind):
    """The phase an indexing run reports progress for."""

    SCAN = "scan"
    CHECK = "check"  # the scan hashes known files whose time alone changed (library/retimed.py)
    LOCATE = "locate"  # a folder the user located: its photos whose time changed are hashed (library/folder_locate.py)
    ENCODE = "encode"
    TEXT = "text"  # reading the words in photos (OCR)


class SortOrder(Kind):
    """How query results are ordered."""

    SCORE = "score"  # best match first
    DATE = "date"  # newest first


class CopyWait(Kind):
    """What a watcher says of a photo still being written (``library/settling.py``): its folder's other files are
    indexed meanwhile, it alone waits for its close."""

    WAITING = "waiting"  # written to for over the quiet second and not closed: a slow copy, said once
    GAVE_UP = "gave_up"  # nothing written to it for ``SETTLE_S`` and still not closed: read as it is


class ImageProblem(Kind):
    """Why an image file cannot be used: decides what the indexer does with it, and is what the library stores
    (``files.problem``, schema v5) beside the detail in words (``files.error``)."""

    VANISHED = "vanished"  # the file is gone: forget it (never stored: the file leaves the library)
    UNREADABLE = "unreadable"  # permission or I/O trouble that may pass: retry on the next run
    INVALID = "invalid"  # the content cannot be used: skip until the file changes
    CRASHED = "crashed"  # the decoder process died on it: skip until the file changes
    UNKNOWN = "unknown"  # recorded in words no rule knows (before schema v5): skip until the file changes

    def explain(self, detail: str) -> str:
        """What a front end tells the user about a file with this problem, where nothing around it says the kind
        (``motis index``'s skipped lines): the kind's words, then the specific reason; ``detail`` is the reader's
        words."""
        lead, words = _PROBLEM_WORDS[self], detail_words(detail)
        return f"{lead}: {words}" if lead and words and not self._said(words) else lead or words

    def reason(self, detail: str) -> str:
        """The specific reason alone, for a place whose title says the kind already (Skipped…'s groups): "truncated
        JPEG (…)", not "not a photo this app can read: truncated JPEG (…)" under a title that says so; the kind's
        words where they say it all."""
        lead, words = _PROBLEM_WORDS[self], detail_words(detail)
        return lead if lead and (self._said(words) or not words) else words

    def _said(self, words: str) -> bool:
        """Whether the kind's words say all that ``words`` say (QA: "gone … vanished")."""
        return words == CRASHED_DETAIL or self is ImageProblem.VANISHED


def detail_words(detail: str) -> str:
    """A reader's words as the front ends say them: what versions before QA walk 5 stored of a file a decoder
    refused ("cannot decode HEIC: Invalid input: …") in the plain words new runs store."""
    old = _OLD_DECODER_WORDS.match(detail)
    if old:
        return f"damaged or incomplete {old.group(1) + ' ' if old.group(1) else ''}file"
    return detail


def brief_words(detail: str) -> str:
    """A reader's words cut for a small place (a grid tile): before their parenthesis, "truncated JPEG" of
    "truncated JPEG (no end-of-image marker after the image data)"; the whole words stay for the tooltip."""
    words = detail_words(detail)
    return words.split(" (", 1)[0].strip() or words


# What versions before QA walk 5 stored of a file a decoder refused: its library's own words ("cannot decode HEIC:
# Invalid input: Unspecified: Insufficient input data"), said as the plain words new runs store until the file changes
_OLD_DECODER_WORDS = re.compile(r"cannot decode(?: ([A-Z0-9]+)\b)?", re.DOTALL)
CRASHED_DETAIL = "the decoder crashed on this file"  # the words the indexer stores for ImageProblem.CRASHED
_PROBLEM_WORDS = {
    ImageProblem.VANISHED: "gone before it could be read",
    ImageProblem.UNREADABLE: "could not be read now (tried again next time)",
    ImageProblem.INVALID: "not a photo this app can read",
    ImageProblem.CRASHED: "the decoder crashed on it (skipped until the file changes)",
    ImageProblem.UNKNOWN: "",
}
