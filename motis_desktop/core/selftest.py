"""A self-test of the installed app (``motis --self-test``): no network, no downloaded model.

It exercises what a broken installation or bundle gets wrong: the bundled data
files (tokenizer vocabulary, model registry, the self-test's seed-format pair),
the native libraries (torch, onnxruntime, OpenCV, libheif, Pillow's AVIF, LibRaw, Annoy,
safetensors, SQLite), decoder worker processes, file-system watching, and the
code paths of a real session. In a temporary home it builds the hand-made colour
model, writes a few photos in each format (JPEG, PNG, WebP, HEIC, AVIF), decodes
them in a worker process, indexes them, and checks that searching for a colour
finds the photos of that colour with every vector index strategy; it sees a new
photo through the folder watcher; it reads the words in a photo with text through the bundled OCR
models in a worker process and finds the photo by them; it converts a mobile-optimized (XNNPACK) seed
pair to plain TorchScript and searches with it; and it builds a tiny random CLIP
from our own architecture code, imports it as a checkpoint, exports it as a
TorchScript pair and checks that both give the same vectors.

The checks run in order and stop at the first failure (later ones build on
earlier ones); :class:`SelfTestReport` says which passed and why one failed.
"""

from __future__ import annotations

import logging
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

# Photo colours (RGB) the colour model knows by name; each is written once per format.
COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (30, 180, 40),
    "blue": (30, 40, 220),
    "yellow": (240, 225, 30),
}
FORMATS = (".jpg", ".png", ".webp", ".heic", ".avif")
WATCH_TIMEOUT_S = 30.0  # generous: a loaded machine; the check returns as soon as the event arrives


# A seed-format pair (mobile-optimized TorchScript, XNNPACK prepacked ops) with known colour answers.
SEED_FILES = {"image": "selftest/seed-colour-image.pt", "text": "selftest/seed-colour-text.pt"}


class SelfTestFailure(Exception):
    """A check found a wrong answer (as opposed to crashing)."""


@dataclass
class CheckResult:
    """One check: its name, whether it passed, what it found and how long it took."""

    name: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class SelfTestReport:
    """The outcome of :func:`run_self_test`."""

    checks: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def failure(self) -> CheckResult | None:
        return next((c for c in self.checks if not c.ok), None)

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checks": [
                {"name": c.name, "ok": c.ok, "detail": c.detail, "seconds": round(c.seconds, 3)} for c in self.checks
            ],
        }


def run_self_test(
    work_dir: str | Path | None = None, on_check: Callable[[CheckResult], None] | None = None
) -> SelfTestReport:
    """Run every check in a temporary folder (inside ``work_dir`` if given); never raises for a failed check.

    ``on_check`` is called after each check (a front end can show progress).
    """
    report = SelfTestReport()
    with tempfile.TemporaryDirectory(prefix="motis-selftest-", dir=work_dir) as tmp:
        state = _State(Path(tmp))
        for name, check in (
            ("bundled data", state.check_resources),
            ("native libraries", state.check_native),
            ("colour model", state.check_colour_model),
            ("photo formats", state.check_photos),
            ("decoder worker processes", state.check_decode_workers),
            ("indexing", state.check_index),
            ("search", state.check_search),
            ("reading text in photos", state.check_text),
            ("watching folders", state.check_watch),
            ("seed-format mobile TorchScript", state.check_seed_mobile),
            ("checkpoint import and export", state.check_checkpoint),
        ):
            start = time.perf_counter()
            try:
                detail, ok = check(), True
            except Exception as exc:  # a self-test reports every failure as a result
                log.debug("self-test check %r failed", name, exc_info=True)
                detail, ok = _describe(exc), False
            result = CheckResult(name, ok, detail, time.perf_counter() - start)
            log.info("self-test %s: %s (%s)", name, "ok" if ok else "FAILED", detail)
            report.checks.append(result)
            if on_check is not None:
                on_check(result)
            if not ok:
                break
        state.close()
    return report


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SelfTestFailure):
        return str(exc)
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" at {'/'.join(Path(where.filename).parts[-3:])}:{where.lineno}" if where else ""
    return f"{type(exc).__name__}: {exc}{place}"


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestFailure(message)


class _State:
    """What the checks build on one another (a temporary home, the model, the photos)."""

    def __init__(self, root: Path) -> None:
        from motis_desktop.core.services import Services

        self.root = root
        self.services = Services.open(root / "home")
        self.photos = root / "photos"
        self.expected: dict[str, str] = {}  # photo path → colour

    def close(self) -> None:
        self.services.close()

    def check_resources(self) -> str:
        from motis_desktop.core.models.registry import load_registry
        from motis_desktop.core.models.tokenizer import BPETokenizer
        from motis_desktop.core.resources import resource_path

        ids = BPETokenizer().encode("a red car")  # read the vocabulary file now, not a cached copy
        _expect(len(ids) == 3, f"the tokenizer split 'a red car' into {len(ids)} tokens, expected 3")
        registry = load_registry()
        _expect(bool(registry), "the model registry lists no models")
        for name in SEED_FILES.values():
            resource_path(name)
        return f"tokenizer vocabulary, registry of {len(registry)} models, self-test seed pair"

    def check_native(self) -> str:
        import sqlite3

        import annoy  # noqa: F401  (the Annoy index's native module)
        import onnxruntime
        import pillow_heif
        import rawpy
        import torch
        import watchdog.observers
        from PIL import features

        from motis_desktop.core.images.opencv import cv2

        x = torch.arange(6, dtype=torch.float32).view(2, 3)
        _expect(float((x @ x.T)[1, 1]) == 50.0, "torch computed a wrong matrix product")
        providers = onnxruntime.get_available_providers()
        _expect("CPUExecutionProvider" in providers, f"onnxruntime has no CPU provider (only {providers})")
        _expect(bool(features.check("avif")), "Pillow has no AVIF support (libavif missing)")
        observer = getattr(watchdog.observers.Observer, "__name__", "Observer")
        return (
            f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, OpenCV {cv2.__version__}, "
            f"libheif {pillow_heif.libheif_version()}, "
            f"LibRaw {'.'.join(map(str, rawpy.libraw_version))}, SQLite {sqlite3.sqlite_version}, watchdog {observer}"
        )

    def check_colour_model(self) -> str:
        from motis_desktop.core.models.architectures.colour import build_colour_pair

        image_pt, text_pt = build_colour_pair(self.root / "colour-model")
        info = self.services.import_pair(image_pt, text_pt, "selftest-colour")
        self.services.use_model(info.name)
        return f"built and imported ({info.embed_dim}-d TorchScript pair)"

    def check_photos(self) -> str:
        from motis_desktop.core.images.decode import load_image

        formats = FORMATS
        written: dict[str, np.ndarray] = {}
        for i, (colour, rgb) in enumerate(COLOURS.items()):
            for j, suffix in enumerate(formats):
                path = self.photos / f"{colour}-{j}{suffix}"
                pixels = _photo(rgb, 96 + 16 * j, 64 + 8 * i, seed=10 * i + j)
                _write_photo(path, pixels)
                self.expected[str(path)] = colour
                written[str(path)] = pixels.reshape(-1, 3).mean(axis=0)
        for written_path, want in written.items():  # each format decodes to what was written (lossy: about)
            got = load_image(written_path).reshape(-1, 3).mean(axis=0)
            _expect(
                bool(np.all(np.abs(got - want) < 12)),
                f"{Path(written_path).name} decoded to mean colour {got.round().tolist()}, "
                f"expected {want.round().tolist()}",
            )
        return f"{len(self.expected)} photos written and decoded ({', '.join(f.lstrip('.') for f in formats)})"

    def check_decode_workers(self) -> str:
        from motis_desktop.core.images.preprocess import PreprocessConfig
        from motis_desktop.core.library.decode_pool import DecodeJob, ProcessDecodePool

        jobs = [DecodeJob(i, path) for i, path in enumerate(self.expected)]
        with ProcessDecodePool(PreprocessConfig(), workers=1, queue_size=4).start() as pool:
            results = list(pool.stream(jobs))
            crashes = pool.crashes
        errors = [f"{Path(r.path).name}: {r.error}" for r in results if r.error or r.pixels is None]
        _expect(crashes == 0 and not errors, f"decoding in a worker process failed ({'; '.join(errors)})")
        _expect(len(results) == len(jobs), f"the worker process returned {len(results)} of {len(jobs)} photos")
        return f"{len(results)} photos decoded in a worker process"

    def check_index(self) -> str:
        self.services.add_folders([str(self.photos)])
        summary = self.services.index(batch_size=4)
        skipped = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in summary.skipped)
        _expect(not summary.skipped, f"indexing skipped {len(summary.skipped)} photos ({skipped})")
        _expect(
            summary.encoded == len(self.expected),
            f"indexing encoded {summary.encoded} photos, expected {len(self.expected)}",
        )
        return f"{summary.encoded} photos encoded in {summary.elapsed_s:.1f} s"

    def check_search(self) -> str:
        from motis_desktop.core.search.indexes import STRATEGIES

        per_colour = len(self.expected) // len(COLOURS)
        for strategy in STRATEGIES:
            for colour in COLOURS:
                hits = self.services.query(colour, per_colour, cutoff=False, strategy=strategy).hits
                found = [self.expected.get(h.path, "?") for h in hits]
                _expect(
                    found == [colour] * per_colour,
                    f"{strategy} search for {colour!r} returned {found}, expected {per_colour} x {colour!r}",
                )
        return f"every colour found with {', '.join(STRATEGIES)} indexes"

    def check_text(self) -> str:
        """The bundled OCR models read a photo with text in a worker process, and search finds it by its words."""
        import cv2

        from motis_desktop.core.ocr.engine import model_files

        model_files()  # the ONNX files are bundled
        pixels = np.full((200, 640, 3), 245, np.uint8)
        cv2.putText(pixels, "PLATFORM 9", (30, 90), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (20, 20, 20), 4, cv2.LINE_AA)
        cv2.putText(pixels, "self test", (30, 170), cv2.FONT_HERSHEY_DUPLEX, 1.6, (150, 20, 20), 3, cv2.LINE_AA)
        path = self.photos / "sign.png"
        _write_photo(path, pixels)
        summary = self.services.index(batch_size=4, read_text=True)
        failed = "; ".join(f"{Path(s.path).name}: {s.reason}" for s in summary.text_failed)
        _expect(not summary.text_failed, f"reading text failed ({failed})")
        text = self.services.photo_text(path, read_now=False).text
        _expect("PLATFORM 9" in text.upper(), f"the text read was {text!r}, expected 'PLATFORM 9'")
        hits = self.services.query('text:"platform 9"').hits
        _expect([h.path for h in hits] == [str(path)], f'text:"platform 9" found {[h.path for h in hits]}')
        path.unlink()
        self.services.index(batch_size=4, read_text=False)  # the later checks see the colour photos only
        from motis_desktop.core.formatting import count

        read = count(summary.text_read, "photo")
        return f"text of {read} read in a worker process; 'PLATFORM 9' found by its words"

    def check_watch(self) -> str:
        import threading

        seen = threading.Event()
        watcher = self.services.watch(lambda roots: seen.set(), quiet_s=0.1, max_wait_s=1.0)
        try:
            _write_photo(self.photos / "new-red.jpg", _photo(COLOURS["red"], 80, 60, seed=99))
            start = time.perf_counter()
            _expect(seen.wait(WATCH_TIMEOUT_S), f"no change reported within {WATCH_TIMEOUT_S:.0f} s of a new photo")
            waited = time.perf_counter() - start
        finally:
            watcher.stop()
        (self.photos / "new-red.jpg").unlink()
        return f"a new photo reported after {waited:.2f} s"

    def check_seed_mobile(self) -> str:
        from motis_desktop.core.models.encoders.mobile_convert import convert_mobile_torchscript, needs_conversion
        from motis_desktop.core.resources import resource_path

        converted = []
        for role, name in SEED_FILES.items():
            src = resource_path(name)
            _expect(needs_conversion(src), f"{name} should hold XNNPACK prepacked ops")
            dst = self.root / "seed" / f"{role}_encoder.pt"
            dst.parent.mkdir(exist_ok=True)
            convert_mobile_torchscript(src, dst)  # always, also where this torch could run the file as it is
            _expect(not needs_conversion(dst), f"the converted {role} tower still holds XNNPACK ops")
            converted.append(dst)
        info = self.services.import_pair(converted[0], converted[1], "selftest-seed")
        summary = self.services.index(info.name, batch_size=4)
        _expect(summary.encoded == len(self.expected), f"the seed pair encoded {summary.encoded} photos")
        per_colour = len(self.expected) // len(COLOURS)
        for colour in COLOURS:
            hits = self.services.query(colour, per_colour, cutoff=False, model=info.name).hits
            found = [self.expected.get(h.path, "?") for h in hits]
            _expect(
                found == [colour] * per_colour,
                f"search for {colour!r} with the converted seed pair returned {found}",
            )
        return "converted to plain TorchScript, imported, indexed and searched"

    def check_checkpoint(self) -> str:
        import torch
        from safetensors.torch import save_file

        from motis_desktop.core.images.preprocess import preprocess_file
        from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig

        config = CLIPConfig.tiny(image_resolution=32, vision_layers=1, text_layers=1)
        torch.manual_seed(0)
        checkpoint = self.root / "tiny-clip.safetensors"
        save_file({k: v.contiguous() for k, v in CLIP(config).state_dict().items()}, str(checkpoint))
        services = self.services
        eager = services.reference_encoder(services.import_checkpoint(checkpoint, "selftest-clip").name)
        image_pt, text_pt = services.export_model("selftest-clip", self.root / "exported")
        scripted = services.reference_encoder(services.import_pair(image_pt, text_pt, "selftest-clip-ts").name)
        photo = next(iter(self.expected))
        batch = preprocess_file(photo, eager.preprocess_config)[None]
        pairs = (
            (eager.encode_images(batch), scripted.encode_images(batch)),
            (eager.encode_queries(["a red photo"]), scripted.encode_queries(["a red photo"])),
        )
        for a, b in pairs:
            _expect(np.allclose(a, b, atol=1e-5), "the exported TorchScript pair disagrees with the checkpoint")
        return "tiny random CLIP converted to ONNX towers, exported to TorchScript and re-imported with equal vectors"


def _photo(rgb: tuple[int, int, int], width: int, height: int, seed: int) -> np.ndarray:
    """A photo-like image of one colour: noise and a soft gradient over the colour."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 10, (height, width, 3)).astype(np.float32)
    ramp = np.linspace(-8, 8, width, dtype=np.float32)[None, :, None]
    photo: np.ndarray = np.clip(np.array(rgb, dtype=np.float32) + noise + ramp, 0, 255).astype(np.uint8)
    return photo


def _write_photo(path: Path, rgb: np.ndarray) -> None:
    """Write ``rgb`` in the format named by the suffix: OpenCV for JPEG/PNG/WebP, pillow-heif and Pillow else."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".heic":
        import pillow_heif

        pillow_heif.from_bytes("RGB", (rgb.shape[1], rgb.shape[0]), rgb.tobytes()).save(path, format="HEIF")
        return
    if path.suffix == ".avif":
        from PIL import Image

        Image.fromarray(rgb).save(path, "AVIF", quality=90)
        return
    from motis_desktop.core.images.opencv import cv2

    ok, buf = cv2.imencode(path.suffix, np.ascontiguousarray(rgb[:, :, ::-1]))
    if not ok:
        raise SelfTestFailure(f"OpenCV cannot encode {path.suffix} images")
    path.write_bytes(buf.tobytes())
