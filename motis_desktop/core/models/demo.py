"""The demo model: the hand-made colour model (``architectures/colour.py``, which the self-test uses too)
installed under :data:`DEMO_MODEL`, so that a new user without internet can try the app. It understands colour
words only ("red", "blue", ...): it finds photos by their main colour, nothing else.

It is built in a temporary folder under the home's cache and imported like any TorchScript pair (the import
stages it and moves it into place at once: a failed build or import leaves nothing installed).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from motis_desktop.core.errors import ModelError

DEMO_MODEL = "colour-demo"
DEMO_ORIGIN = {"demo": "colour words only"}  # in its manifest: what the model is, for whoever reads it


@contextmanager
def demo_pair(cache_dir: Path) -> Iterator[tuple[Path, Path]]:
    """The colour pair's (image, text) files, built in a temporary folder under ``cache_dir`` that is removed
    afterwards; ModelError (one line) when it cannot be built."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"cannot build the demo model in {cache_dir}: {exc.strerror or exc}") from None
    with tempfile.TemporaryDirectory(prefix="demo-model-", dir=cache_dir) as tmp:
        try:
            from motis_desktop.core.models.architectures.colour import build_colour_pair  # torch: at install only

            files = build_colour_pair(Path(tmp))
        except (OSError, RuntimeError, ImportError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"cannot build the demo model: {first}") from None
        yield files  # the caller imports them (its errors are its own)
