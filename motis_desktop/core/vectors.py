"""Small NumPy helpers for embedding vectors (no torch, so light modules can use them)."""

from __future__ import annotations

import numpy as np


def l2_normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), float32 and contiguous."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def scores_of(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """``matrix @ vector`` for float32 rows and one query vector, on one core: NumPy's SIMD sum of products.
    (OpenBLAS splits a matrix-vector product over every core; measured on 2 busy cores at 100k × 512 it took
    2× longer than this, and 30× at the cut-off's 4,096 rows, waiting for its threads.)"""
    scores: np.ndarray = np.einsum("nd,d->n", matrix, np.asarray(vector, dtype=np.float32))
    return scores
