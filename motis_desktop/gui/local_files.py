"""Local file URLs and paths, keeping every byte of a name (drops, "Open in default app").

Qt decodes a ``file:`` URL's path as UTF-8 and ``QUrl.fromLocalFile`` takes a Qt string: a name whose bytes are not
UTF-8 (a Latin-1 ``café.jpg``; Python keeps those bytes as surrogates) comes out as another name, so a dropped
folder or photo with such a name was ignored, and opening one opened nothing. On POSIX the URL's percent-encoded
bytes are the file system's, so they are decoded here; Windows names are Unicode, Qt's own functions serve.
"""

from __future__ import annotations

import os
from urllib.parse import quote_from_bytes, unquote_to_bytes

from PySide6.QtCore import QUrl

from motis_desktop.core.pathnames import readable as readable  # the window's modules take it from here

_ENCODED = QUrl.ComponentFormattingOption.FullyEncoded


def local_path(url: QUrl) -> str | None:
    """The path of a local file URL, as the file system names it; None for other URLs."""
    if not url.isLocalFile():
        return None
    if os.name == "nt" or url.host():
        return url.toLocalFile()
    return os.fsdecode(unquote_to_bytes(url.path(_ENCODED)))


def file_url(path: str) -> QUrl:
    """A ``file:`` URL for ``path`` whose bytes are the file system's."""
    if os.name == "nt":
        return QUrl.fromLocalFile(path)
    return QUrl.fromEncoded(b"file://" + quote_from_bytes(os.fsencode(os.path.abspath(path))).encode("ascii"))


def fits_text(path: str) -> bool:
    """Whether ``path`` survives a Qt string (a widget's text): not when bytes of its name are not UTF-8."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
