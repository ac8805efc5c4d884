"""The kind of a file problem known only by its words.

Libraries before schema v5 stored a decode problem as words (``files.error``) and a retry flag; v5 stores its
kind (``files.problem``, an :class:`ImageProblem` code) beside the words, which stay as the detail. This is
the one rule that names the kind from the words: the v5 migration applies it to old rows, and the store to
a :class:`~.records.FileError` that comes without a kind. Words it does not know keep their text under
``UNKNOWN``; the retry flag keeps deciding what the indexer does.
"""

from __future__ import annotations

from motis_desktop.core.kinds import CRASHED_DETAIL, ImageProblem

# decode_pool.CRASHED: what the indexer records when a decoder process died on a file (tested to match).
CRASHED_WORDS = CRASHED_DETAIL
# How the image readers (core/images) begin the words of content they cannot use.
INVALID_PREFIXES = (
    "symbolic link loop",
    "cannot open:",
    "not a regular file",
    "empty file",
    "file too large",
    "not an image",
    "unsupported image format",
    "invalid image size",
    "image too large",
    "truncated ",
    "cannot decode",
    "damaged or incomplete",
    "not enough memory to decode",
    "raw preview:",
    "raw file has no",
    "heic support not installed",
    "avif support not installed",
    "raw support not installed",
)


def problem_from_words(words: str | None, transient: bool) -> ImageProblem:
    """The kind of a problem stored as ``words`` with the retry flag ``transient``."""
    text = (words or "").strip().lower()
    if transient:
        return ImageProblem.UNREADABLE
    if text == CRASHED_WORDS:
        return ImageProblem.CRASHED
    if text.startswith(INVALID_PREFIXES):
        return ImageProblem.INVALID
    return ImageProblem.UNKNOWN


def problem_code(words: str | None, transient: object) -> str:
    """:func:`problem_from_words` as SQLite calls it (the v5 migration's ``motis_problem(error, transient)``)."""
    return problem_from_words(words, bool(transient)).value
