"""A bounded cache of query text → text-tower vector, so repeated queries skip the model.

Keys are (model id, inference mode, cleaned text): the text is cleaned the way the
tokenizer cleans it (whitespace collapsed, lower case), so two strings that share a
key always tokenize the same. Cached vectors are read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch-free at import time
    from motis_desktop.core.models.engine import Encoder

DEFAULT_CAPACITY = 1024  # 1024 × 512 floats ≈ 2 MB


def _key(encoder: Encoder, text: str) -> tuple[str, str, str]:
    return (encoder.model_id, getattr(encoder, "mode", "fp32"), cache_key_text(text))


def cache_key_text(text: str) -> str:
    """The tokenizer's cleaning (``tokenizer._clean``) without importing it."""
    return " ".join(text.split()).lower()


class TextVectorCache:
    """LRU of unit text vectors shared by every query path (thread-safe)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[str, str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def vector(self, encoder: Encoder, text: str) -> np.ndarray:
        """``float32 [D]`` unit vector of ``text`` under ``encoder``, encoded at most once while cached."""
        key = _key(encoder, text)
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found
        vector = np.ascontiguousarray(encoder.encode_queries([text])[0], dtype=np.float32)
        vector.setflags(write=False)
        with self._lock:
            self.misses += 1
            self._items[key] = vector
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return vector

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
