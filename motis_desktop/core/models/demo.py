"""The demo model: the hand-made colour model (``architectures/colour.py``, which the self-test uses too)
installed under :data:`DEMO_MODEL`, so that a new user without internet can try the app. It understands colour
words only ("red", "blue", ...): it finds photos by their main colour, nothing else.

It is built in a temporary folder under the home's cache and imported like any TorchScript pair (the import
stages it and moves it into place at once: a failed build or import leaves nothing installed). The app knows it
by the origin recorded in its manifest (:data:`DEMO_ORIGIN`, :func:`is_demo`), not by its name; a model a
person imports may not take the demo's name (:func:`demo_name_problem`).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from motis_desktop.core.errors import ModelError, short_reason

if TYPE_CHECKING:
    from motis_desktop.core.models.manifest import ModelInfo

DEMO_MODEL = "colour-demo"
# In its manifest: what the model is, for whoever reads it, and how the app knows the demo (:func:`is_demo`): by
# this origin, never by its name alone.
DEMO_ORIGIN = {"demo": "colour words only"}
# The words the demo knows: the colour pair's palette (``architectures/colour.py``, torch: not imported here; a test
# keeps the two the same). The front ends' example and note below name them.
DEMO_COLOURS = ("red", "green", "blue", "yellow", "orange", "purple", "pink", "cyan", "white", "black", "gray", "brown")
# What a search says while the demo answers, after the words it ignored (QA walk 8: "a dog on the beach" got "none
# stand out" with no word that the demo knows colours only): the one sentence both front ends show.
DEMO_LIMITS = "the demo model knows colour words only (red, blue, …): install a real model for other searches"
# The search box's example while the demo answers (the usual one, "sunset over the sea", finds nothing with it).
DEMO_EXAMPLE = "Try a colour, e.g. “red” or “blue” (demo model)"
_WORD = re.compile(r"[^\W\d_]+")
# Words a sentence needs that no search is about: not named among the ignored ones ("a dog on the beach": “dog”,
# “beach”)
_SMALL_WORDS = frozenset("a an the of on in at to by for from with and or near over under into onto".split())


def is_demo(info: ModelInfo) -> bool:
    """``info`` is the demo model, known by the origin its install recorded: a model a person imported under the
    demo's name (an older version let them) is theirs, not the demo."""
    return all(info.origin.get(key) == value for key, value in DEMO_ORIGIN.items())


def demo_limits_note(info: ModelInfo | None, texts: Iterable[str]) -> str:
    """For a search by the demo model (``info``) whose query ``texts`` hold words that are not colours, those words
    and :data:`DEMO_LIMITS` ("“dog”, “beach” ignored: the demo model knows colour words only …"; QA walk 9: "a dog on
    the beach" found 30 photos by a folder's name and said nothing of "dog"); "" otherwise (a real model says
    nothing). Small words ("a", "on", "the") are not named unless they are all there is."""
    if info is None or not is_demo(info):
        return ""
    words = dict.fromkeys(w.lower() for text in texts for w in _WORD.findall(text))  # in the query's order, once
    unknown = [w for w in words if w not in DEMO_COLOURS and w.removesuffix("s") not in DEMO_COLOURS]
    named = [w for w in unknown if w not in _SMALL_WORDS] or unknown
    if not named:
        return ""
    return f"{', '.join(f'“{w}”' for w in named)} ignored: {DEMO_LIMITS}"


def demo_name_problem(name: str) -> str | None:
    """Why a model a person imports may not be called ``name``: the demo's name is kept for the demo (a model of
    theirs under it looked like the demo, and the demo could not be installed beside it). None when it may."""
    if name == DEMO_MODEL:
        return f"{DEMO_MODEL!r} is the demo model's name: choose another name"
    return None


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
            raise ModelError(f"cannot build the demo model: {short_reason(exc)}") from None
        yield files  # the caller imports them (its errors are its own)
