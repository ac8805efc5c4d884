"""A coarse int8 copy of an exact index's vectors: one query's candidates in a quarter of the memory traffic.

Exact float32 search of one query reads every stored vector: 205 MB at 100k × 512, memory-bound (about
10 ms on a quiet 2-core VM, 20-40 ms on a busy one). This copy holds each vector's difference from the
library's mean vector in int8 with one scale per dimension, transposed ``[D, N]``, so that onnxruntime's
``MatMulInteger`` (MLAS: VNNI where the CPU has it) scores a query in one pass over 51 MB.

**The float32 hits, except with a small stated probability.** The vectors' differences from the library's mean
are first turned by one random orthogonal matrix (seeded, ``rotation``; the query too, one ``D × D`` product),
as RaBitQ does: a rotation keeps every dot product, and it spreads each vector over all dimensions, so that its
rounding errors no longer depend on how the data or the query lie. A coarse score then differs from the cosine
only by rounding: ``c - a = Σ_d qs_d·δ_d + Q·Σ_d ε_d·m_d`` (``qs`` the rotated query times the scales, ``m`` a
vector's codes, ``Q`` the query's own int8 step, ``δ``/``ε`` the vector's and the query's rounding errors, each
within ±½). Treating those errors as independent and zero-mean, Hoeffding's inequality bounds ``|c - a|`` by
``margin = sqrt(ln(2/P)/2 · (Σ qs² + Q²·max‖m‖²))`` except with probability ``P`` (1e-9) per vector. That is a
model, not a proof: without the rotation, vectors built on the coarse grid so that their errors line up with a
query's signs broke it (tests/test_coarse_scan.py keeps that set; rotated, it is found). Measured, the margin
was 2.4-3.0 times the largest error over 100k vectors; a bound that needs no model (Cauchy-Schwarz) was 7-9
times, too wide to narrow the library down. Vectors with a non-finite value are never narrowed (float32 serves).
Every photo of the true top ``k`` then has a coarse score of at least the coarse k-th best minus twice the
margin; those candidates (typically k plus a few hundred) are rescored in float32 from the index's own
vectors and the best ``k`` returned, with their float32 scores. When the margin is too wide to narrow the
library down (vectors that barely differ, as a random-weight model gives), the caller scores in float32.

AVX2 without VNNI adds pairs of u8·s8 products in int16 with saturation, so there the codes use ±63.
"""

from __future__ import annotations

import math
import threading
from functools import lru_cache
from typing import Any

import numpy as np

from motis_desktop.core.cores import available_cores, has_vnni
from motis_desktop.core.vectors import scores_of

COARSE_MIN = 20_000  # fewer vectors: the float32 product is as fast
FAIL_P = 1e-9  # the chance, per vector, that a rounding error exceeds the margin (Hoeffding)
MAX_CANDIDATES = 0.25  # more candidates than this share of the library: score all of them in float32
ROTATION_SEED = 0x6D6F746973  # the rotation applied before quantizing (see the module docstring)
_CHUNK = 8192  # rows quantized at a time (stays in cache)

# ONNX: y int32 [1, n] = MatMulInteger(q uint8 [1, d], m int8 [d, n]) (opset 10; made with onnx.helper, see
# tests/test_coarse_scan.py, so the runtime needs no onnx package).
SCAN_MODEL = (
    b'\x08\x05\x12\x05motis:h\n\x18\n\x01q\n\x01m\x12\x01y"\rMatMulInteger\x12\tint8-scanZ\x14\n\x01q\x12\x0f'
    b"\n\r\x08\x02\x12\t\n\x02\x08\x01\n\x03\x12\x01dZ\x15\n\x01m\x12\x10\n\x0e\x08\x03\x12\n\n\x03\x12\x01d"
    b"\n\x03\x12\x01nb\x14\n\x01y\x12\x0f\n\r\x08\x06\x12\t\n\x02\x08\x01\n\x03\x12\x01nB\x04\n\x00\x10\n"
)
_session_lock = threading.Lock()


def code_levels() -> int:
    """127 where int8 products are summed in int32 (x86 with VNNI), else 63 (no int16 saturation anywhere)."""
    return 127 if has_vnni() else 63


@lru_cache(maxsize=4)
def rotation(dim: int) -> np.ndarray:
    """A random orthogonal ``[dim, dim]`` float32 matrix, the same in every process (seeded)."""
    gauss = np.random.default_rng(ROTATION_SEED).standard_normal((dim, dim))
    q, r = np.linalg.qr(gauss)
    made: np.ndarray = (q * np.sign(np.diag(r))).astype(np.float32)  # uniform (Haar) over rotations
    return made


@lru_cache(maxsize=2)
def _session(threads: int = 2) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    # one pass over memory, split in two: 100k x 512 codes in 1.2 ms instead of 2.1 ms on 2 quiet cores (one operator:
    # nothing to spin for between operators); a k-means list (~1,000 codes) in one thread: 42 µs instead of 70 µs
    opts.intra_op_num_threads = min(threads, available_cores())
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(SCAN_MODEL, sess_options=opts, providers=["CPUExecutionProvider"])


def query_codes(
    rotation_: np.ndarray, scale: np.ndarray, max_code_norm2: float, query: np.ndarray
) -> tuple[np.ndarray, float, float]:
    """``(codes, step, margin)`` of a unit ``query`` against vectors quantized with ``rotation_`` and ``scale``:
    its uint8 codes ``[1, D]`` (zero point 128) for :func:`scan`, the step that turns their dots into cosines, and
    the margin (module docstring) that vectors whose codes' squared norm is at most ``max_code_norm2`` stay within."""
    scaled = (rotation_ @ query) * scale
    step = float(np.abs(scaled).max()) / 127 or 1.0
    codes = (np.rint(scaled / step) + 128).astype(np.uint8)[None, :]  # zero point 128: uint8 as MLAS wants
    spread = float(np.dot(scaled, scaled)) + step * step * max_code_norm2
    return codes, step, math.sqrt(math.log(2 / FAIL_P) / 2 * spread)


def scan(codes: np.ndarray, matrix: np.ndarray, threads: int = 2) -> np.ndarray:
    """int32 ``[n]``: the query ``codes`` (uint8 ``[1, D]``) times each column of ``matrix`` (int8 ``[D, n]``,
    C-contiguous), 128 times the column's sum too many (the zero point); on up to ``threads`` threads."""
    with _session_lock:
        session = _session(threads)
    dots: np.ndarray = session.run(None, {"q": codes, "m": matrix})[0][0]
    return dots


def code_scale(vectors: np.ndarray, mean: np.ndarray, turn: np.ndarray, levels: int) -> np.ndarray:
    """One scale per rotated dimension: its range over ``vectors`` (less ``mean``, turned by ``turn``) in
    ``levels`` steps each way (the exact index's coarse copy and the k-means lists quantize alike)."""
    peak = np.zeros(len(mean), dtype=np.float32)
    for start in range(0, len(vectors), _CHUNK):
        np.maximum(peak, np.abs((vectors[start : start + _CHUNK] - mean) @ turn.T).max(axis=0), out=peak)
    scale: np.ndarray = (np.maximum(peak, 1e-12) / levels).astype(np.float32)
    return scale


class CoarseScan:
    """int8 codes of ``vectors`` (unit float32 rows ``[N, D]``, kept by the caller for rescoring), rotated."""

    def __init__(self, vectors: np.ndarray, levels: int | None = None) -> None:
        n, dim = vectors.shape
        self.levels = levels or code_levels()
        self.mean = vectors.mean(axis=0, dtype=np.float64).astype(np.float32)
        self.rotation = rotation(dim)
        self.codes = np.empty((dim, 0), dtype=np.int8)
        self.code_sums = np.empty(0, dtype=np.int32)  # Σ_d m_d per vector: undoes the query's zero point
        self.scale = np.ones(dim, dtype=np.float32)
        self.max_code_norm2 = 0.0
        self._zero_shift: np.ndarray | None = None  # 128 · code_sums, made at the first query
        # the caller's note: False once a search could not narrow these vectors down; a non-finite row (its
        # mean is non-finite) would make every margin NaN, so such vectors are never narrowed (float32 serves)
        self.narrows = bool(np.isfinite(self.mean).all())
        if self.narrows and n:
            self._quantize(vectors)

    @classmethod
    def restored(cls, arrays: dict[str, np.ndarray], max_code_norm2: float, levels: int) -> CoarseScan:
        """A copy made earlier from the same vectors (``coarse_file``): its ``mean``, ``rotation``, ``scale``,
        ``codes`` and ``code_sums`` arrays."""
        made = cls.__new__(cls)
        made.levels = levels
        made.mean, made.rotation, made.scale = arrays["mean"], arrays["rotation"], arrays["scale"]
        made.codes, made.code_sums = arrays["codes"], arrays["code_sums"]
        made.max_code_norm2 = max_code_norm2
        made._zero_shift = None
        made.narrows = bool(np.isfinite(made.mean).all())
        return made

    def _rotated(self, vectors: np.ndarray, start: int, out: np.ndarray) -> np.ndarray:
        part = out[: min(_CHUNK, len(vectors) - start)]
        np.matmul(vectors[start : start + len(part)] - self.mean, self.rotation.T, out=part)
        return part

    def _quantize(self, vectors: np.ndarray) -> None:
        n, dim = vectors.shape
        rows = np.empty((min(_CHUNK, n), dim), dtype=np.float32)
        self.scale = code_scale(vectors, self.mean, self.rotation, self.levels)
        inverse = (1 / self.scale).astype(np.float32)
        self.codes = np.empty((dim, n), dtype=np.int8)
        self.code_sums = np.empty(n, dtype=np.int32)
        norm2 = 0.0
        for start in range(0, n, _CHUNK):  # second pass: the codes (N·D² twice, in the background thread)
            part = self._rotated(vectors, start, rows)
            np.multiply(part, inverse, out=part)
            np.rint(part, out=part)
            norm2 = max(norm2, float(np.einsum("nd,nd->n", part, part).max()))
            np.sum(part, axis=1, out=self.code_sums[start : start + len(part)], dtype=np.int32)
            self.codes[:, start : start + len(part)] = part.astype(np.int8).T
        self.max_code_norm2 = norm2

    def scores(self, query: np.ndarray) -> tuple[np.ndarray, float]:
        """Coarse cosines ``float32 [N]`` of a unit ``query`` and the margin their errors stay within."""
        query = np.asarray(query, dtype=np.float32)
        dots, step, margin = self._dots(query)
        return dots.astype(np.float32) * np.float32(step) + np.float32(np.dot(query, self.mean)), margin

    def _dots(self, query: np.ndarray) -> tuple[np.ndarray, float, float]:
        """``(dots, step, margin)``: the coarse cosines are ``dots · step + query·mean`` (``dots`` int32 ``[N]``:
        the query's codes times each vector's), within ``margin`` of the true ones."""
        codes, step, margin = query_codes(self.rotation, self.scale, self.max_code_norm2, query)
        with _session_lock:
            if self._zero_shift is None or len(self._zero_shift) != len(self.code_sums):
                self._zero_shift = 128 * self.code_sums
        dots = scan(codes, self.codes)
        np.subtract(dots, self._zero_shift, out=dots)  # in place: a fresh array of 100k is page faults
        return dots, step, margin

    def search(
        self, vectors: np.ndarray, query: np.ndarray, k: int, floor: float | None = None
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Positions and float32 scores of the top ``k`` rows of ``vectors`` for a unit ``query``, best first
        (with a ``floor``: only those of them scoring ``floor`` or more); None when the coarse scores cannot
        narrow the rows down (score them all instead)."""
        if not self.narrows:
            return None
        query = np.asarray(query, dtype=np.float32)
        dots, step, margin = self._dots(query)
        if not math.isfinite(margin):
            return None
        # in the integers: coarse >= kth's coarse - 2·margin  <=>  dots >= kth's dots - 2·margin / step
        kth = int(np.partition(dots, len(dots) - k)[len(dots) - k])
        least = kth - math.floor(2 * margin / step)
        if floor is not None and math.isfinite(floor):
            # a row scoring ``floor`` or more has a coarse score of at least ``floor - margin``: the relevance
            # cut-off's bar leaves ~10x fewer candidates to rescore than the k-th best (k = 1,000)
            least = max(least, math.floor((floor - margin - float(np.dot(query, self.mean))) / step))
        candidates = np.flatnonzero(dots >= least)
        if len(candidates) > MAX_CANDIDATES * len(dots) or (floor is None and len(candidates) < k):
            return None
        exact = scores_of(vectors[candidates], query)
        if floor is not None:
            kept = np.flatnonzero(exact >= np.float64(floor))  # in float64, as the cut-off compares
            candidates, exact = candidates[kept], exact[kept]
        top = np.argpartition(-exact, k - 1)[:k] if k < len(exact) else np.arange(len(exact))
        order = top[np.lexsort((top, -exact[top]))]  # equal scores: the earlier row first, whatever the candidates
        return candidates[order], exact[order]
