"""Read the words in a photo: PP-OCRv4 detection and recognition run by onnxruntime.

The two ONNX models come from ``rapidocr-onnxruntime`` (Apache-2.0; PaddleOCR's PP-OCRv4, Chinese and English,
Latin script) and live in ``resources/ocr/``. We run them with our own code instead of installing that
package, because it declares ``opencv-python`` (which clashes with PySide6's Qt); everything here needs only
``onnxruntime``, NumPy and ``opencv-python-headless``.

1. **Detect** (DB, differentiable binarisation): first a quick look at ``PRESCREEN_SIDE`` (:meth:`prescreen`;
   the worker gives it a photo decoded at a reduced JPEG scale) — no pixel that might be text means no text,
   and nothing else runs (the fast path for photos without text). Otherwise the detector runs at the scale
   that gives the photo a long side of ``DET_MAX_SIDE``, but only over the parts where the quick look saw
   something (with a margin; the whole photo when they cover most of it): a photo of a landscape with one
   sign pays for the sign. → a text-probability map → regions above ``DET_THRESH`` → their rotated
   rectangles, kept when the mean probability inside is ≥ ``BOX_THRESH``, grown by the DB "unclip"
   distance. No region means no text: recognition is skipped.
2. **Crop**: each rectangle is cut out of the full-resolution photo with a perspective warp, so lines
   rotated by ±30° or seen at an angle are straightened; tall narrow crops are turned 90°.
3. **Recognise** (CRNN/SVTR + CTC): crops scaled to 48 px high, batched by width, the per-step argmax with
   repeats and blanks removed is the text; the mean of the kept steps' probabilities is the confidence.
   The characters' column positions give each word its own box inside the line's box.
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from motis_desktop.core.resources import resource_path

log = logging.getLogger(__name__)

DET_MODEL = "ocr/ch_PP-OCRv4_det_infer.onnx"
REC_MODEL = "ocr/ch_PP-OCRv4_rec_infer.onnx"
# Stored with each photo's text: a new engine id re-reads the library. 2: the quick look changed (512 px at
# 0.15 → 384 px at 0.08, then detection only over the flagged parts), so texts read by 1 are read again.
ENGINE_ID = "ppocrv4-onnx-2"

DET_MAX_SIDE = 960  # PaddleOCR's default detector size for photos
# The fast path: the detector first looks at the photo at this long side (about a sixth of the work of the
# full look); where no pixel reaches PRESCREEN_THRESH (well below DET_THRESH, so small or blurred text still
# counts) the photo has no text and nothing else runs. Measured (docs/benchmarks.md, "Words in photos"): at
# 384 rather than 512 the word recall on the generated text photos is the same (the full look sees the
# flagged parts at DET_MAX_SIDE), and 2 of 200 camera photos without text are flagged instead of 24.
PRESCREEN_SIDE = 384
PRESCREEN_THRESH = 0.08
# Around each spot the quick look flags, the full detector sees this much more (fraction of the photo's long
# side: the context the detector needs and the ends of lines too faint to flag); where the flagged parts
# cover more than FULL_DETECT_AREA of the photo, the detector sees the whole photo (as good and simpler).
REGION_MARGIN = 0.04
REGION_MIN_SIDE = 0.1
FULL_DETECT_AREA = 0.5
MAX_REGIONS = 12
DET_THRESH = 0.3
BOX_THRESH = 0.5
UNCLIP_RATIO = 1.6
MIN_BOX_SIDE = 3
MAX_BOXES = 300
REC_HEIGHT = 48
REC_MIN_WIDTH = 320
REC_BATCH = 6
MIN_CONFIDENCE = 0.5  # lines read with less are dropped (mostly texture mistaken for letters)


Quad = list[tuple[float, float]]  # four corners: top-left, top-right, bottom-right, bottom-left
Region = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the photo's width and height
WHOLE: Region = (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class Word:
    text: str
    box: Quad


@dataclass(frozen=True)
class TextLine:
    """One line of text read in a photo: its text, the recogniser's confidence and its box (photo pixels)."""

    text: str
    confidence: float
    box: Quad
    words: tuple[Word, ...] = ()


@dataclass
class OcrResult:
    lines: list[TextLine] = field(default_factory=list)
    width: int = 0
    height: int = 0
    regions: int = 0  # regions the detector found (0: recognition skipped)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def model_files() -> list[Path]:
    """The ONNX files the engine loads (FileNotFoundError when they are missing)."""
    return [resource_path(DET_MODEL), resource_path(REC_MODEL)]


class OcrEngine:
    """Detector and recogniser sessions; ``read(rgb)`` is thread-safe (onnxruntime sessions are)."""

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Threads that spin while they wait for work doubled the CPU the quick look takes (a 384×512 input
        # keeps a second thread mostly waiting), for little less wall time, on a machine whose other cores
        # are busy.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        det_path, rec_path = model_files()
        providers = ["CPUExecutionProvider"]
        self._det = ort.InferenceSession(str(det_path), options, providers=providers)
        self._rec = ort.InferenceSession(str(rec_path), options, providers=providers)
        self._det_input = self._det.get_inputs()[0].name
        self._rec_input = self._rec.get_inputs()[0].name
        chars = self._rec.get_modelmeta().custom_metadata_map.get("character", "")
        # CTC: index 0 is the blank, then the dictionary, then the space the model was trained with.
        self._chars = ["", *chars.splitlines(), " "]
        self._lock = threading.Lock()

    # -- the whole pipeline -------------------------------------------------------

    def read(self, rgb: np.ndarray, regions: list[Region] | None = None) -> OcrResult:
        """The text lines in an RGB ``uint8 H×W×3`` photo, top to bottom, left to right. ``regions``: where
        :meth:`prescreen` saw something (``[]``: nothing, no text); looked for here when not given."""
        height, width = rgb.shape[:2]
        result = OcrResult(width=width, height=height)
        if min(height, width) < 8:
            return result
        if regions is None:
            regions = self.prescreen(rgb) if max(height, width) > PRESCREEN_SIDE * 1.25 else [WHOLE]
        if not regions:
            return result
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])  # PaddleOCR's models were trained on OpenCV's BGR
        boxes = self.detect(bgr, regions)
        result.regions = len(boxes)
        if not boxes:
            return result
        crops = [_crop(bgr, box) for box in boxes]
        for box, crop, (text, conf, cols) in zip(boxes, crops, self.recognize([c for c, _ in crops])):
            text = text.strip()
            if not text or conf < MIN_CONFIDENCE:
                continue
            quad = [(float(x), float(y)) for x, y in box]
            words = () if crop[1] else _word_boxes(text, cols, quad)
            result.lines.append(TextLine(text, float(conf), quad, words))
        return result

    def prescreen(self, rgb: np.ndarray) -> list[Region]:
        """The detector's quick look at the photo (any size; scaled to ``PRESCREEN_SIDE``): the parts of it
        that might hold text, ``[]`` when none does."""
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        height, width = bgr.shape[:2]
        prob = self._probability(bgr, min(1.0, PRESCREEN_SIDE / max(height, width)))
        return flagged_regions(prob >= PRESCREEN_THRESH, width / height)

    # -- detection --------------------------------------------------------------------

    def detect(self, bgr: np.ndarray, regions: list[Region] | None = None) -> list[np.ndarray]:
        """Text regions as ``4×2`` float arrays of corners (clockwise from top-left) in photo pixels, found in
        ``regions`` (default: the whole photo) at the scale that gives the photo a long side of
        ``DET_MAX_SIDE``."""
        height, width = bgr.shape[:2]
        scale = min(1.0, DET_MAX_SIDE / max(height, width))
        boxes: list[np.ndarray] = []
        for x0, y0, x1, y1 in regions or [WHOLE]:
            left, right = _window(x0, x1, width, scale)
            top, bottom = _window(y0, y1, height, scale)
            prob = self._probability(bgr[top:bottom, left:right], scale)
            boxes += _boxes(prob, (right - left, bottom - top), (left, top), (width, height))
        boxes.sort(key=lambda b: (round(float(b[:, 1].min()) / 10), float(b[:, 0].min())))
        return boxes[:MAX_BOXES]

    def _probability(self, bgr: np.ndarray, scale: float) -> np.ndarray:
        """The detector's text-probability map of the image scaled by ``scale`` (sides multiples of 32)."""
        height, width = bgr.shape[:2]
        rh = max(32, int(round(height * scale / 32)) * 32)
        rw = max(32, int(round(width * scale / 32)) * 32)
        resized = cv2.resize(bgr, (rw, rh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        blob = (resized.astype(np.float32) / 255.0 - 0.5) / 0.5
        return np.asarray(self._det.run(None, {self._det_input: blob.transpose(2, 0, 1)[None]})[0][0, 0])

    # -- recognition ------------------------------------------------------------------

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float, list[tuple[str, float]]]]:
        """(text, confidence, [(char, column fraction of the crop)]) per BGR crop."""
        out: list[tuple[str, float, list[tuple[str, float]]]] = [("", 0.0, [])] * len(crops)
        order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / max(1, crops[i].shape[0]))
        for start in range(0, len(order), REC_BATCH):
            chunk = order[start : start + REC_BATCH]
            ratios = [crops[i].shape[1] / max(1, crops[i].shape[0]) for i in chunk]
            target_w = max(REC_MIN_WIDTH, int(math.ceil(REC_HEIGHT * max(ratios))))
            target_w = min(target_w, 3200)
            batch = np.zeros((len(chunk), 3, REC_HEIGHT, target_w), dtype=np.float32)
            widths = []
            for j, i in enumerate(chunk):
                w = min(target_w, max(1, int(math.ceil(REC_HEIGHT * ratios[j]))))
                resized = cv2.resize(crops[i], (w, REC_HEIGHT)).astype(np.float32)
                batch[j, :, :, :w] = ((resized / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)
                widths.append(w)
            probs = self._rec.run(None, {self._rec_input: batch})[0]
            for j, i in enumerate(chunk):
                out[i] = self._ctc(probs[j], target_w, widths[j])
        return out

    def _ctc(self, probs: np.ndarray, padded_w: int, used_w: int) -> tuple[str, float, list[tuple[str, float]]]:
        steps = probs.shape[0]
        best = probs.argmax(axis=1)
        conf = probs.max(axis=1)
        chars: list[tuple[str, float]] = []
        confs: list[float] = []
        previous = -1
        for t, k in enumerate(best):
            k = int(k)
            if k != previous and k != 0 and k < len(self._chars):
                column = (t + 0.5) * padded_w / steps / max(1, used_w)
                chars.append((self._chars[k], min(1.0, column)))
                confs.append(float(conf[t]))
            previous = k
        text = "".join(c for c, _ in chars)
        return text, float(np.mean(confs)) if confs else 0.0, chars


def _window(lo: float, hi: float, total: int, scale: float) -> tuple[int, int]:
    """Pixel bounds of a region along one axis, grown so that at ``scale`` it spans a multiple of 32 pixels
    (the detector's input is: a part of the photo is not stretched to fit)."""
    start, end = int(lo * total), max(int(lo * total) + 1, int(round(hi * total)))
    if (start, end) == (0, total):
        return start, end
    needed = min(total, int(math.ceil(math.ceil((end - start) * scale / 32) * 32 / scale)))
    grow = needed - (end - start)
    start = max(0, start - grow // 2)
    end = min(total, start + needed)
    return max(0, end - needed), end


def _boxes(
    prob: np.ndarray, size: tuple[int, int], offset: tuple[int, int], bounds: tuple[int, int]
) -> list[np.ndarray]:
    """The text boxes of one probability map of a ``size`` part of the photo at ``offset``, in photo pixels."""
    rh, rw = prob.shape
    mask = cv2.dilate((prob > DET_THRESH).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    sx, sy = size[0] / rw, size[1] / rh
    boxes: list[np.ndarray] = []
    for contour in contours[:MAX_BOXES]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < MIN_BOX_SIDE:
            continue
        if _box_score(prob, cv2.boxPoints(rect)) < BOX_THRESH:
            continue
        (cx, cy), (w, h), angle = rect
        distance = w * h * UNCLIP_RATIO / (2 * (w + h))  # DB's unclip of a rectangle: grow each side
        grown = ((cx, cy), (w + 2 * distance, h + 2 * distance), angle)
        if min(grown[1]) < MIN_BOX_SIDE + 2:
            continue
        points = _order_corners(cv2.boxPoints(grown))
        points[:, 0] = np.clip(points[:, 0] * sx + offset[0], 0, bounds[0] - 1)
        points[:, 1] = np.clip(points[:, 1] * sy + offset[1], 0, bounds[1] - 1)
        boxes.append(points)
    return boxes


def flagged_regions(mask: np.ndarray, aspect: float) -> list[Region]:
    """The parts of the photo (fractions) around the flagged pixels of a quick-look ``mask``, with a margin,
    overlapping parts merged; ``[WHOLE]`` when they cover most of it, ``[]`` when nothing is flagged.
    ``aspect``: the photo's width / height (the margin is a fraction of its long side)."""
    if not mask.any():
        return []
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    rh, rw = mask.shape
    mx = REGION_MARGIN * max(1.0, 1.0 / aspect)  # margin and minimum side as fractions of each axis
    my = REGION_MARGIN * max(1.0, aspect)
    rects: list[list[float]] = []
    for x, y, w, h, _area in stats[1:count]:
        cx, cy = (x + w / 2) / rw, (y + h / 2) / rh
        half_w = max(w / rw / 2 + mx, REGION_MIN_SIDE * mx / REGION_MARGIN / 2)
        half_h = max(h / rh / 2 + my, REGION_MIN_SIDE * my / REGION_MARGIN / 2)
        rects.append([max(0.0, cx - half_w), max(0.0, cy - half_h), min(1.0, cx + half_w), min(1.0, cy + half_h)])
    rects = _merge(rects)
    if len(rects) > MAX_REGIONS or sum((r[2] - r[0]) * (r[3] - r[1]) for r in rects) > FULL_DETECT_AREA:
        return [WHOLE]
    return [(r[0], r[1], r[2], r[3]) for r in rects]


def _merge(rects: list[list[float]]) -> list[list[float]]:
    """Rectangles merged until none overlaps another (each merge is their bounding rectangle)."""
    merged = True
    while merged:
        merged = False
        out: list[list[float]] = []
        for r in rects:
            for o in out:
                if r[0] < o[2] and o[0] < r[2] and r[1] < o[3] and o[1] < r[3]:
                    o[:] = [min(o[0], r[0]), min(o[1], r[1]), max(o[2], r[2]), max(o[3], r[3])]
                    merged = True
                    break
            else:
                out.append(list(r))
        rects = out
    return rects


def _box_score(prob: np.ndarray, points: np.ndarray) -> float:
    """Mean probability inside the polygon (DB's "fast" score)."""
    h, w = prob.shape
    xs, ys = points[:, 0], points[:, 1]
    x0, x1 = int(np.clip(np.floor(xs.min()), 0, w - 1)), int(np.clip(np.ceil(xs.max()), 0, w - 1))
    y0, y1 = int(np.clip(np.floor(ys.min()), 0, h - 1)), int(np.clip(np.ceil(ys.max()), 0, h - 1))
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=np.uint8)
    shifted = (points - np.array([x0, y0], dtype=np.float32)).astype(np.int32)
    cv2.fillPoly(mask, [shifted], 1)
    return float(cv2.mean(prob[y0 : y1 + 1, x0 : x1 + 1], mask)[0])


def _order_corners(points: np.ndarray) -> np.ndarray:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    pts = points[np.argsort(points[:, 0])]
    left, right = pts[:2], pts[2:]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def _crop(bgr: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, bool]:
    """The region straightened by a perspective warp; True when it was turned 90° (vertical text)."""
    tl, tr, br, bl = box
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(box.astype(np.float32), target)
    crop = cv2.warpPerspective(bgr, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if height / width >= 1.5:
        return np.rot90(crop), True
    return crop, False


def _word_boxes(text: str, columns: list[tuple[str, float]], quad: Quad) -> tuple[Word, ...]:
    """Split a line into words and give each the part of the line's box its characters span: from halfway
    between it and the word before to halfway to the next, the first from the line's start and the last to its
    end (the recognizer places each character at one point, not at its edges: padding by a mean character width
    cut wide letters off, the W of "WiFi")."""
    spans: list[tuple[str, float, float]] = []  # (word, first character's place, last character's place)
    current: list[tuple[str, float]] = []
    for ch, col in [*columns, (" ", 1.0)]:
        if not ch.isspace():
            current.append((ch, col))
            continue
        word = "".join(c for c, _ in current).strip()
        if word:
            spans.append((word, current[0][1], current[-1][1]))
        current = []
    words: list[Word] = []
    for n, (word, first, last) in enumerate(spans):
        lo = 0.0 if n == 0 else (spans[n - 1][2] + first) / 2
        hi = 1.0 if n == len(spans) - 1 else (last + spans[n + 1][1]) / 2
        words.append(Word(word, _sub_quad(quad, max(0.0, lo), min(1.0, hi))))
    return tuple(words)


def _sub_quad(quad: Quad, lo: float, hi: float) -> Quad:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad

    def lerp(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
        return (round(a[0] + (b[0] - a[0]) * t, 1), round(a[1] + (b[1] - a[1]) * t, 1))

    top_l, top_r = lerp((x0, y0), (x1, y1), lo), lerp((x0, y0), (x1, y1), hi)
    bot_r, bot_l = lerp((x3, y3), (x2, y2), hi), lerp((x3, y3), (x2, y2), lo)
    return [top_l, top_r, bot_r, bot_l]


def engine_threads(value: Any = None) -> int:
    """onnxruntime threads for one reader: all cores this process may use (the stage runs alone)."""
    from motis_desktop.core.cores import available_cores

    if isinstance(value, int) and value > 0:
        return value
    return available_cores()
