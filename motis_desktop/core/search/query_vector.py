"""Turn a parsed query's terms into one query vector: the weighted sum of unit vectors, normalized.

Text terms go through the shared text-vector cache (``search/text_cache.py``),
so a term seen before skips the text tower. An image term that is a photo of
the library uses its stored embedding; any other image file is decoded and
encoded with the model's image tower.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from motis_desktop.core.errors import ImageError
from motis_desktop.core.images.decode import decode_image, read_image_bytes
from motis_desktop.core.images.preprocess import preprocess
from motis_desktop.core.kinds import ImageProblem
from motis_desktop.core.library.store import LibraryStore
from motis_desktop.core.search.query import Query, QueryError
from motis_desktop.core.search.text_cache import TextVectorCache

if TYPE_CHECKING:  # torch-free at import time
    from motis_desktop.core.models.engine import Encoder

# Below this norm the terms cancelled out (e.g. "red - red"): there is no direction to search in.
CANCELLED_NORM = 1e-4


@dataclass(frozen=True)
class QueryVector:
    vector: np.ndarray | None  # float32 [D], unit length; None when the terms cancel out
    library_ids: frozenset[int]  # library photos used as image terms (left out of the results)
    # The unit vectors of the subtracted terms when the query also adds one: the relevance cut-off leaves
    # their matches out of its background (``cutoff.without_subtracted``).
    subtracted: tuple[np.ndarray, ...] = ()


def query_vector(
    encoder: Encoder, store: LibraryStore, query: Query, text_cache: TextVectorCache | None = None
) -> QueryVector:
    """The unit query vector for ``query``'s terms under ``encoder``'s model (text vectors through
    ``text_cache`` when given, so repeated terms skip the text tower)."""
    if not query.terms:
        raise QueryError("the query has no words or images to search for, only filters")
    parts: list[tuple[float, np.ndarray]] = []
    texts = [t for t in query.terms if t.text is not None]
    if texts:
        if text_cache is not None:
            encoded = [text_cache.vector(encoder, t.text or "") for t in texts]
        else:
            encoded = list(encoder.encode_queries([t.text or "" for t in texts]))
        parts.extend((t.weight, v) for t, v in zip(texts, encoded, strict=True))
    used: set[int] = set()
    for term in query.terms:
        if term.text is not None:
            continue
        file_id = term.file_id if term.file_id is not None else store.file_id(term.image or "")
        vector = store.embedding_of(file_id, encoder.model_id) if file_id is not None else None
        if vector is not None and file_id is not None:
            used.add(file_id)
        elif term.image is not None:
            vector = encode_image_file(encoder, term.image)
        else:
            raise QueryError(f"photo #{term.file_id} has no embedding for this model yet")
        parts.append((term.weight, vector))
    total = np.zeros_like(parts[0][1], dtype=np.float64)
    for weight, vector in parts:
        total += weight * np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(total))
    if norm < CANCELLED_NORM:
        return QueryVector(None, frozenset(used))
    subtracted = tuple(unit(v) for w, v in parts if w < 0) if any(w > 0 for w, _ in parts) else ()
    return QueryVector((total / norm).astype(np.float32), frozenset(used), subtracted)


def unit(vector: np.ndarray) -> np.ndarray:
    v = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


def encode_image_file(encoder: Encoder, path: str) -> np.ndarray:
    """Embed an image file that is not in the library."""
    try:
        cfg = encoder.preprocess_config
        pixels = preprocess(decode_image(read_image_bytes(path), min_side=cfg.size), cfg.size, cfg.mean, cfg.std)
    except ImageError as exc:
        if exc.kind is ImageProblem.VANISHED:  # the reader's words suit a library file, not a name given now
            gone = "broken symbolic link" if os.path.lexists(path) else "no such file"
            raise QueryError(f"{gone}: {path}") from None
        raise QueryError(f"{os.path.basename(path)}: cannot use as a query image ({exc})") from None
    vector: np.ndarray = encoder.encode_images(pixels[None])[0]
    return vector
