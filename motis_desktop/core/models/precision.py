"""Each tower's precision (fp32 or int8), chosen by measurement on this machine (docs/engine.md says the rule and
why int8 is dynamic quantization).

int8 towers are made once at install (:func:`quantize_towers`). On a model's first use each tower is measured in
each mode on probe photos and queries, judged against fp32 by :func:`judge` and timed (image tower: throughput;
text tower: one-query latency); the choice is cached in ``cache/modes/<model_id>.json`` with
:func:`machine_fingerprint`.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from motis_desktop.core.images.decode import decode_image, read_image_bytes
from motis_desktop.core.images.preprocess import PreprocessConfig, preprocess
from motis_desktop.core.models.engine import MODES, REFERENCE, ROLES, Encoder
from motis_desktop.core.models.manifest import ONNX_FILES

log = logging.getLogger(__name__)

MODE_ENV = "MOTIS_INFERENCE_MODE"  # forces a mode: "fp32", "int8", or "image=int8,text=fp32"
CHOICE_VERSION = 2
MIN_COSINE = 0.995
GAP_FACTOR = 3.0
MIN_AGREEMENT = 0.99
# A faithful int8 tower is kept unless the fastest mode beats it by more than this: it holds a quarter of the
# memory (a resident ViT-B/32 text tower: 64 MB against 254 MB), and timings on a busy machine swing more than
# that (an AVX-512 machine measured at load 4 chose the fp32 text tower, 10.6 against 12.4 ms a query, which a
# quiet rerun put at 8-22 against 3-9 ms; the app then held 870 MB after scrolling at 100k photos).
SMALLER_WINS = 1.25
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
    "red",
    "blue",
    "green",
    "yellow",
)


def _quantized_ops(src: Path) -> dict[str, list[str]]:
    """A transformer tower whose only convolution is its patch embedding keeps that one in fp32: onnxruntime's
    ConvInteger was 17 % of the int8 ViT-B/32 image tower's time, and with the patch embedding in fp32 the
    tower costs ~15 % less CPU and stays closer to fp32 (docs/benchmarks.md). Convolutional towers quantize
    every operator onnxruntime's default list has."""
    import onnx

    graph = onnx.load(str(src), load_external_data=False).graph
    convs = sum(node.op_type == "Conv" for node in graph.node)
    return {"op_types_to_quantize": ["MatMul"]} if convs == 1 else {}


def quantize_towers(folder: Path, out: Path | None = None) -> list[str]:
    """Write ``image.int8.onnx``/``text.int8.onnx`` of ``folder``'s fp32 towers into ``out`` (default: beside
    them); the keys of those made."""
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:  # a build without the quantizer: the model runs in fp32 only
        log.warning("no int8 towers: onnxruntime's quantizer cannot be loaded (%s)", exc)
        return []

    made = []
    root = logging.getLogger()
    root.addFilter(_quantizer_advice)  # the quantizer advises pre-processing on the root logger, every time
    try:
        for role in ROLES:
            src, dst = folder / ONNX_FILES[role], (out or folder) / ONNX_FILES[f"{role}.int8"]
            try:
                quantize_dynamic(
                    src,
                    dst,
                    per_channel=True,
                    reduce_range=int8_reduced_range(),
                    weight_type=QuantType.QInt8,
                    **_quantized_ops(src),
                )
            except Exception as exc:  # a tower int8 cannot express stays fp32-only
                log.info("no int8 %s tower: %s", role, exc)
                dst.unlink(missing_ok=True)
                continue
            made.append(f"{role}.int8")
    finally:
        root.removeFilter(_quantizer_advice)
    return made


def _quantizer_advice(record: logging.LogRecord) -> bool:
    """Drops what onnxruntime's quantizer logs on the root logger; other loggers' records are not filtered."""
    return "onnxruntime" not in record.pathname


@dataclass
class TowerResult:
    """One tower in one mode: availability, speed (best of rounds) and fidelity to fp32 on the probes."""

    role: str
    mode: str
    available: bool
    reason: str = ""
    speed: float = 0.0  # image: photos/s at batch BATCH; text: ms per one-query call
    cos_min: float = 1.0
    error_rms: float = 0.0  # RMS of score errors over (query, photo) probe pairs
    resolvable_pairs: int = 0  # photo pairs (per query) whose fp32 gap exceeds GAP_FACTOR x error_rms
    agreement: float = 1.0  # fraction of those ordered as in fp32

    @property
    def faithful(self) -> bool:
        """Available, and fp32 itself or within the rule."""
        within = self.cos_min >= MIN_COSINE and self.agreement >= MIN_AGREEMENT
        return self.available and (self.mode == REFERENCE or within)

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "faithful": self.faithful}


def judge(
    role: str, mode: str, ref_scores: np.ndarray, scores: np.ndarray, ref_vectors: np.ndarray, vectors: np.ndarray
) -> TowerResult:
    """The rule's measures of ``role`` in ``mode``: ``*_scores`` are ``[queries, photos]`` score tables (fp32 and
    the mode), ``*_vectors`` the tower's unit vectors in fp32 and in the mode. Faithful: every vector's cosine to
    fp32 ≥ MIN_COSINE, and of the photo pairs (per query) whose fp32 gap exceeds GAP_FACTOR × the mode's RMS score
    error, at least MIN_AGREEMENT ordered as in fp32 (closer pairs are ties at the mode's resolution)."""
    cos = np.sum(ref_vectors.astype(np.float64) * vectors.astype(np.float64), axis=1)
    err = scores.astype(np.float64) - ref_scores.astype(np.float64)
    rms = float(np.sqrt(np.mean(err**2))) if err.size else 0.0
    ref_gap = ref_scores[:, :, None].astype(np.float64) - ref_scores[:, None, :]
    gap = scores[:, :, None].astype(np.float64) - scores[:, None, :]
    upper = np.triu(np.ones(ref_gap.shape[1:], dtype=bool), 1)[None]
    resolvable = (np.abs(ref_gap) > GAP_FACTOR * rms) & upper
    count = int(resolvable.sum())
    same = np.sign(gap[resolvable]) == np.sign(ref_gap[resolvable])
    cos_min = float(cos.min()) if cos.size else 1.0
    return TowerResult(role, mode, True, "", 0.0, cos_min, rms, count, float(same.mean()) if count else 1.0)


class MeasureCancelled(Exception):
    """The run that needed the measuring was cancelled (its Cancel, or the app quitting): nothing was chosen."""


def _stop_if(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise MeasureCancelled


def measure_towers(
    encoder: Encoder,
    images: np.ndarray,
    min_seconds: float = 1.0,
    variants: Callable[[Encoder, str, str], Encoder] | None = None,
    cancel: threading.Event | None = None,
) -> list[TowerResult]:
    """Measure each tower of ``encoder`` (fp32) in each mode on ``images`` and the probe queries, the other tower
    in fp32: each mode judged against fp32, then timed in rounds that interleave the modes. ``variants(encoder,
    role, mode)`` makes the encoder to measure (default: :meth:`Encoder.with_modes`; tests pass perturbed ones).
    ``cancel`` is looked at before each mode and each timed round (MeasureCancelled): a quit waited for the whole
    measuring, seconds to a minute (QA walk 8 #5)."""
    make = variants or (lambda enc, role, mode: enc.with_modes(**{role: mode}))
    queries, batch = list(PROBE_QUERIES), images[:BATCH]
    runs: dict[str, tuple[Callable[[Encoder], np.ndarray], Callable[[Encoder], object]]] = {  # judged on, timed on
        "image": (lambda model: model.encode_images(images), lambda model: model.encode_images(batch)),
        "text": (lambda model: model.encode_queries(queries), lambda model: model.encode_queries(queries[:1])),
    }
    keep, encoder.copies = encoder.copies, None  # no optimized copies of modes not chosen
    try:
        ref = {role: run(encoder) for role, (run, _) in runs.items()}
        ref_scores = ref["text"] @ ref["image"].T
        results: list[TowerResult] = []
        for role in ROLES:
            timed: list[tuple[TowerResult, Callable[[], object]]] = []
            for mode in MODES:
                _stop_if(cancel)
                if mode != REFERENCE and f"{role}.{mode}" not in encoder.files:
                    results.append(TowerResult(role, mode, False, f"no {mode} {role} tower (it could not be made)"))
                    continue
                try:
                    model = encoder if mode == REFERENCE else make(encoder, role, mode)
                    vectors = runs[role][0](model)
                except Exception as exc:  # a mode that fails on this model is reported, not fatal
                    log.warning("%s tower in %s failed: %s", role, mode, exc)
                    results.append(TowerResult(role, mode, False, f"{type(exc).__name__}: {exc}"[:200]))
                    continue
                scores = ref["text"] @ vectors.T if role == "image" else vectors @ ref["image"].T
                results.append(judge(role, mode, ref_scores, scores, ref[role], vectors))
                timed.append((results[-1], functools.partial(runs[role][1], model)))
            fns: list[Callable[[], object]] = [functools.partial(_then, cancel, fn) for _, fn in timed]
            best = _interleaved_best(fns, min_seconds if role == "image" else min_seconds / 4)
            for (result, _), seconds in zip(timed, best, strict=True):
                result.speed = len(batch) / seconds if role == "image" else 1e3 * seconds
                log.info("%s tower %s: %s", role, result.mode, result.to_json())
        return results
    finally:
        encoder.copies = keep


def _then(cancel: threading.Event | None, fn: Callable[[], object]) -> object:
    """``fn()`` unless ``cancel`` is set (one timed run: the check costs nothing beside a batch)."""
    _stop_if(cancel)
    return fn()


def choose_modes(results: Sequence[TowerResult]) -> dict[str, str]:
    """Per tower, the fastest faithful mode (images: most photos/s; text: fewest ms) — int8 when it is faithful and
    within :data:`SMALLER_WINS` of the fastest —; fp32 when no other mode is faithful."""
    choice = {}
    for role in ROLES:
        faithful = [r for r in results if r.role == role and r.faithful and r.speed > 0]
        if not faithful:
            choice[role] = REFERENCE
            continue
        cost = {r.mode: (1 / r.speed if role == "image" else r.speed) for r in faithful}  # time per photo / query
        fastest = min(cost, key=lambda mode: cost[mode])
        small = cost.get("int8")
        choice[role] = "int8" if small is not None and small <= SMALLER_WINS * cost[fastest] else fastest
    return choice


def measure_and_choose(
    encoder: Encoder,
    photo_paths: Sequence[str],
    fingerprint: dict[str, object],
    cancel: threading.Event | None = None,
) -> dict[str, object]:
    """Measure both towers of ``encoder`` (fp32) on probe photos; the choice as a JSON-able dict (MeasureCancelled
    when ``cancel`` is set meanwhile)."""
    images = probe_images(encoder.preprocess_config, photo_paths)
    results = measure_towers(encoder, images, cancel=cancel)
    return {
        "version": CHOICE_VERSION,
        "model_id": encoder.model_id,
        "modes": choose_modes(results),
        "fingerprint": fingerprint,
        "measured_at": time.time(),
        "probe_photos": int(len(images)),
        "probe_queries": len(PROBE_QUERIES),
        "rule": {"min_cosine": MIN_COSINE, "gap_factor": GAP_FACTOR, "min_agreement": MIN_AGREEMENT},
        "results": [r.to_json() for r in results],
    }


def forced_modes(value: str) -> dict[str, str]:
    """``MOTIS_INFERENCE_MODE``: ``fp32``/``int8`` for both towers, or ``image=int8,text=fp32``."""
    if "=" not in value:
        return {role: value.strip() for role in ROLES}
    pairs = (part.split("=", 1) for part in value.split(",") if "=" in part)
    return {role.strip(): mode.strip() for role, mode in pairs if role.strip() in ROLES}


def read_choice(path: Path, fingerprint: dict[str, object]) -> dict[str, object] | None:
    """A cached choice made on this machine with this onnxruntime, else None."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: nested too deeply to be ours
        return None
    if not isinstance(data, dict) or data.get("version") != CHOICE_VERSION:
        return None
    modes = data.get("modes")
    if not isinstance(modes, dict) or any(modes.get(role) not in MODES for role in ROLES):
        return None
    if data.get("fingerprint") != fingerprint:
        return None
    measured = _results_of(data.get("results"))
    if measured:  # the measurements decide under today's rule (SMALLER_WINS came later): no new measuring
        data["modes"] = choose_modes(measured)
    return data


def _results_of(rows: object) -> list[TowerResult]:
    """The measurements a cached choice holds (``TowerResult.to_json``); [] when any is not one."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        return []
    names = {f.name for f in fields(TowerResult)}
    made = []
    for row in rows:
        try:
            result = TowerResult(**{k: v for k, v in row.items() if k in names})
        except TypeError:
            return []
        if not isinstance(result.speed, int | float) or not isinstance(result.cos_min, int | float):
            return []
        made.append(result)
    return made


def probe_images(config: PreprocessConfig, paths: Sequence[str] = ()) -> np.ndarray:
    """:data:`PROBE_PHOTOS` preprocessed photos: readable ones from ``paths`` first, then generated ones."""
    out: list[np.ndarray] = []
    seen: set[tuple[int, int]] = set()
    for path in paths:
        if len(out) >= PROBE_PHOTOS:
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
    while len(out) < PROBE_PHOTOS:
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


def _interleaved_best(fns: list[Callable[[], object]], min_seconds: float, max_rounds: int = 10) -> list[float]:
    """Best wall time of each function over rounds that run every function once (at least 3 rounds)."""
    for fn in fns:  # warm-up: first runs allocate
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


def _cpu() -> tuple[str, set[str]]:
    """This CPU's model name and feature flags (Linux's /proc/cpuinfo; elsewhere the name only, no flags)."""
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
    return cpu, flags


def reduced_range_for(machine: str, flags: set[str]) -> bool:
    """Whether int8 weights must use 7 bits on this CPU: an x86 CPU without VNNI multiplies u8 x s8 pairs with
    VPMADDUBSW, whose int16 sums saturate, and onnxruntime's quantization guide advises ``reduce_range`` there.
    Measured on an AVX2-only AMD EPYC: the random-weight test CLIP's int8 image tower had cosine 0.984 to fp32
    with 8-bit weights (rejected by the rule) and passed with 7-bit. An x86 CPU whose flags are unknown (not
    Linux) is treated as lacking VNNI: 7 bits cost little accuracy, saturation costs a lot."""
    if machine.lower() not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return False  # ARM and others: no VPMADDUBSW
    return not flags & {"avx512_vnni", "avx_vnni"}


@functools.lru_cache(maxsize=1)
def int8_reduced_range() -> bool:
    """:func:`reduced_range_for` this machine (int8 towers are made on the machine that runs them)."""
    import platform

    return reduced_range_for(platform.machine(), _cpu()[1])


def int8_weight_bits() -> int:
    """The int8 towers' weight bits on this machine (the manifest's ``conversion.int8_weight_bits``)."""
    return 7 if int8_reduced_range() else 8


def machine_fingerprint() -> dict[str, object]:
    """What a cached choice depends on: CPU model and features, core count, onnxruntime version."""
    import onnxruntime

    cpu, flags = _cpu()
    wanted = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8")
    return {
        "cpu": cpu,
        "features": [f for f in wanted if f in flags],
        "cores": os.cpu_count() or 1,
        "onnxruntime": onnxruntime.__version__,
    }
