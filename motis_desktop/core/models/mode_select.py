"""Choose a model's inference mode by measuring every mode on this machine.

For each mode: model-alone image throughput (one batch of preprocessed photos),
one-query text latency, and fidelity to fp32 on the same inputs. The rule: the
fastest mode (by image throughput) whose image and text vectors all keep cosine
≥ ``MIN_COSINE`` to fp32 and whose top-10 photos for every probe query equal fp32's.
fp32 always passes, so there is always a choice. The probe photos are the user's
own indexed photos when there are enough, else generated, JPEG-encoded and decoded
photo-like images; either way they go through the app's decode and preprocessing.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from motis_desktop.core.atomic import write_json_atomic
from motis_desktop.core.images.decode import decode_image, read_image_bytes
from motis_desktop.core.images.preprocess import PreprocessConfig, preprocess
from motis_desktop.core.models.encoders.base import Encoder
from motis_desktop.core.models.modes import MODES, REFERENCE, ModeUnavailable

log = logging.getLogger(__name__)

MODE_ENV = "MOTIS_INFERENCE_MODE"  # forces a mode, skipping measurement (benchmarks, debugging)
CHOICE_VERSION = 1
MIN_COSINE = 0.999
TOP_K = 10
PROBE_PHOTOS = 32
BATCH = 16
PROBE_QUERIES = (
    "a dog running on the beach",
    "sunset over the sea",
    "a birthday cake with candles",
    "snowy mountains under a blue sky",
    "a red car parked in the street",
    "people sitting at a table in a restaurant",
    "a cat sleeping on a sofa",
    "a receipt",
    "green forest with a path",
    "city skyline at night",
    "a child playing football",
    "flowers in a garden",
)


@dataclass
class ModeResult:
    """One mode's measurement (speeds are best-of-runs, this machine, this moment)."""

    mode: str
    available: bool
    reason: str = ""
    image_per_s: float = 0.0
    text_ms: float = 0.0
    image_cos_min: float = 0.0
    text_cos_min: float = 0.0
    top10_same: bool = False

    @property
    def faithful(self) -> bool:
        """The fidelity rule (fp32 is the reference and always faithful)."""
        if self.mode == REFERENCE:
            return self.available
        return (
            self.available and self.image_cos_min >= MIN_COSINE and self.text_cos_min >= MIN_COSINE and self.top10_same
        )

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "faithful": self.faithful}


Converter = Callable[[Encoder, str], Encoder]


def _default_convert(encoder: Encoder, mode: str) -> Encoder:
    return encoder.in_mode(mode)


def measure_modes(
    encoder: Encoder,
    images: np.ndarray,
    queries: Sequence[str] = PROBE_QUERIES,
    modes: Sequence[str] = MODES,
    convert: Converter = _default_convert,
    min_seconds: float = 1.0,
) -> list[ModeResult]:
    """Measure ``encoder`` (fp32) in each of ``modes`` on preprocessed ``images`` ``[N, 3, S, S]``.

    Timing rounds interleave the modes (each round times every mode once) and keep each
    mode's best run, so a busy machine slows all modes alike instead of whichever ran last.
    """
    batch = images[: min(BATCH, len(images))]
    ref_images = encoder.encode_images(images)
    ref_texts = encoder.encode_queries(list(queries))
    ref_top = _top_sets(ref_texts, ref_images)
    results: list[ModeResult] = []
    runnable: list[tuple[ModeResult, Encoder]] = []
    for mode in modes:
        try:
            model = encoder if mode == REFERENCE else convert(encoder, mode)
            img = model.encode_images(images)
            txt = model.encode_queries(list(queries))
        except ModeUnavailable as exc:
            results.append(ModeResult(mode, False, str(exc)))
            continue
        except Exception as exc:  # a mode that breaks on this model is reported, not fatal
            log.warning("inference mode %s failed: %s", mode, exc)
            results.append(ModeResult(mode, False, f"{type(exc).__name__}: {exc}"[:200]))
            continue
        result = ModeResult(
            mode,
            True,
            image_cos_min=float(np.min(np.sum(img * ref_images, axis=1))),
            text_cos_min=float(np.min(np.sum(txt * ref_texts, axis=1))),
            top10_same=_top_sets(txt, img) == ref_top,
        )
        results.append(result)
        runnable.append((result, model))
    image_s = _interleaved_best([functools.partial(m.encode_images, batch) for _, m in runnable], min_seconds)
    text_s = _interleaved_best(
        [functools.partial(m.encode_queries, [queries[0]]) for _, m in runnable], min_seconds / 4
    )
    for (result, _), img_t, txt_t in zip(runnable, image_s, text_s, strict=True):
        result.image_per_s, result.text_ms = len(batch) / img_t, 1e3 * txt_t
        log.info("mode %s: %s", result.mode, result.to_json())
    return results


def choose_mode(results: Sequence[ModeResult]) -> str:
    """The fastest faithful mode (fp32 when nothing else passes)."""
    faithful = [r for r in results if r.faithful]
    if not faithful:
        return REFERENCE
    return max(faithful, key=lambda r: r.image_per_s).mode


def measure_and_choose(
    encoder: Encoder, photo_paths: Sequence[str] = (), fingerprint: dict[str, object] | None = None
) -> dict[str, object]:
    """Measure every mode of ``encoder`` (fp32) on probe photos and return the choice as a JSON-able dict."""
    images = probe_images(encoder.preprocess_config, photo_paths)
    truncation = check_text_truncation(encoder)
    was = encoder.truncate_text
    encoder.truncate_text = truncation  # every mode runs as it will be used
    try:
        results = measure_modes(encoder, images)
    finally:
        encoder.truncate_text = was
    return {
        "version": CHOICE_VERSION,
        "model_id": encoder.model_id,
        "mode": choose_mode(results),
        "text_truncation": truncation,
        "fingerprint": fingerprint or machine_fingerprint(),
        "measured_at": time.time(),
        "probe_photos": int(len(images)),
        "results": [r.to_json() for r in results],
    }


def read_choice(path: Path, fingerprint: dict[str, object]) -> dict[str, object] | None:
    """A cached choice made on this machine with this torch, else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("version") != CHOICE_VERSION or data.get("mode") not in MODES:
        return None
    return data if data.get("fingerprint") == fingerprint else None


def write_choice(path: Path, choice: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, choice)


def check_text_truncation(encoder: Encoder, queries: Sequence[str] = PROBE_QUERIES) -> bool:
    """True if cutting token ids after end-of-text leaves every probe query's vector unchanged."""
    from motis_desktop.core.models.tokenizer import tokenize

    ids = tokenize(list(queries), encoder.context_length)
    was = encoder.truncate_text
    try:
        encoder.truncate_text = False
        full = encoder.encode_texts(ids)
        encoder.truncate_text = True
        short = encoder.encode_texts(ids)
    except Exception as exc:  # e.g. a tower that adds a fixed-length positional table
        log.info("text truncation not possible: %s", exc)
        return False
    finally:
        encoder.truncate_text = was
    return bool(np.min(np.sum(full * short, axis=1)) >= 0.99999)


def probe_images(config: PreprocessConfig, paths: Sequence[str] = (), count: int = PROBE_PHOTOS) -> np.ndarray:
    """``count`` preprocessed photos: readable ones from ``paths`` first, then generated ones."""
    out: list[np.ndarray] = []
    seen: set[tuple[int, int]] = set()
    for path in paths:
        if len(out) >= count:
            break
        try:
            info = os.stat(path)
            if (info.st_dev, info.st_ino) in seen:
                continue  # hard links to one photo would make ties, not a retrieval check
            seen.add((info.st_dev, info.st_ino))
            rgb = decode_image(read_image_bytes(path), min_side=config.size)
        except Exception:  # unreadable photos are simply not used as probes
            continue
        out.append(preprocess(rgb, config.size, config.mean, config.std))
    seed = 0
    while len(out) < count:
        rgb = decode_image(_generated_jpeg(seed), min_side=config.size)
        out.append(preprocess(rgb, config.size, config.mean, config.std))
        seed += 1
    return np.stack(out)


@functools.lru_cache(maxsize=64)
def _generated_jpeg(seed: int, width: int = 480, height: int = 360) -> bytes:
    """A photo-like JPEG: sky/ground gradient, a few soft blobs and sensor noise."""
    import cv2

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    top, bottom = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    horizon = rng.uniform(0.3, 0.7) * height
    t = np.clip((y - horizon) / (0.2 * height) + 0.5, 0, 1)[..., None]
    img = top * (1 - t) + bottom * t
    for _ in range(rng.integers(2, 6)):
        cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(30, 160)
        mask = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r))[..., None]
        img = img * (1 - mask) + rng.uniform(0, 255, 3) * mask
    img += rng.normal(0, 6, img.shape)
    ok, data = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8)[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def _top_sets(texts: np.ndarray, images: np.ndarray) -> list[frozenset[int]]:
    scores = texts @ images.T
    k = min(TOP_K, images.shape[0])
    return [frozenset(np.argsort(-row, kind="stable")[:k].tolist()) for row in scores]


def _interleaved_best(fns: list[Callable[[], object]], min_seconds: float, max_rounds: int = 10) -> list[float]:
    """Best wall time of each function over rounds that run every function once (at least 3 rounds)."""
    for fn in fns:  # warm-up: TorchScript profiles and optimizes on its first runs
        fn()
        fn()
    best = [float("inf")] * len(fns)
    spent, rounds = 0.0, 0
    while fns and (rounds < 3 or (spent < min_seconds and rounds < max_rounds)):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            elapsed = time.perf_counter() - start
            best[i], spent = min(best[i], elapsed), spent + elapsed
        rounds += 1
    return [max(b, 1e-9) for b in best]


def machine_fingerprint() -> dict[str, object]:
    """What a cached choice depends on: CPU model and features, core count, torch version."""
    import torch

    cpu, flags = "", set[str]()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name") and not cpu:
                    cpu = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        import platform

        cpu = platform.processor()
    wanted = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "amx_bf16", "amx_int8")
    return {
        "cpu": cpu,
        "features": [f for f in wanted if f in flags],
        "cores": os.cpu_count() or 1,
        "torch": torch.__version__,
        "capability": torch.backends.cpu.get_cpu_capability(),
    }
