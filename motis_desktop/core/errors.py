"""Exceptions the core raises for conditions a user can act on.

Front ends show ``str(error)`` as a one-line message; anything else that
escapes the core is a bug.
"""


class MotisError(Exception):
    """A problem the user can fix (bad file, missing model, wrong argument)."""


class ImageError(MotisError):
    """An image file that cannot be used; the message names the reason."""


class ModelError(MotisError):
    """A model file that is missing, corrupt or of the wrong shape; names the file."""


class LibraryError(MotisError):
    """The library database cannot be used as asked."""
