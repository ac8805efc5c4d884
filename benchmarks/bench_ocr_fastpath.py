"""The OCR fast path against the path before it, in one run: word recall and CPU seconds per photo.

Usage: PYTHONPATH=tests python benchmarks/bench_ocr_fastpath.py [--text 300] [--plain 100] [--look 384:0.08 ...]

On ``bench_ocr.py``'s generated photos (same seed: the same set), in this process, one onnxruntime thread:
- ``old``: the path before the rework — the photo decoded at a short side ≥ 1536, the detector's quick look at
  512 with threshold 0.15 on that decode, then the detector on the whole photo;
- ``new SIDE:THRESH`` (default the engine's own): what the worker does (``worker.read_photo``) — the quick look
  on a reduced JPEG decode, the full decode and the detector only over the parts it flagged.
Prints word recall, CPU-s per photo with and without text, and photos without text where text was read.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text", type=int, default=300)
    parser.add_argument("--plain", type=int, default=100)
    parser.add_argument("--look", nargs="*", help="quick-look SIDE:THRESH pairs to try (default: the engine's)")
    parser.add_argument("--keep", help="write the photos here (kept)")
    args = parser.parse_args()

    import bench_ocr
    import cv2

    from motis_desktop.core.ocr import engine as ocr_engine
    from motis_desktop.core.ocr import worker

    cv2.setNumThreads(1)
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="motis-bench-fastpath-"))
    truth = bench_ocr.make_set(root, args.text, args.plain)
    print("load", [round(x, 2) for x in os.getloadavg()], flush=True)
    engine = ocr_engine.OcrEngine(1)
    side, thresh = ocr_engine.PRESCREEN_SIDE, ocr_engine.PRESCREEN_THRESH

    def old(path: str) -> str:
        ocr_engine.PRESCREEN_SIDE, ocr_engine.PRESCREEN_THRESH = 512, 0.15
        rgb, factor = worker.load_photo(path)
        look = max(rgb.shape[:2]) <= 640 or bool(engine.prescreen(rgb))
        return worker.to_full_size(engine.read(rgb, [ocr_engine.WHOLE] if look else []), factor).text

    def new(path: str) -> str:
        return "\n".join(line.text for line in worker.read_photo(engine, worker.ReadJob(0, path)).lines)

    variants = [("old (512:0.15, whole photo)", old, None)]
    variants += [(f"new {look}", new, look) for look in (args.look or [f"{side}:{thresh}"])]
    for name, read, look in variants:
        if look:
            s, t = look.split(":")
            ocr_engine.PRESCREEN_SIDE = worker.PRESCREEN_SIDE = int(s)
            ocr_engine.PRESCREEN_THRESH = float(t)
        texts, cpu = {}, {True: 0.0, False: 0.0}
        for path, info in truth.items():
            started = time.process_time()
            texts[path] = read(path)
            cpu[bool(info["words"])] += time.process_time() - started
        recall, words = bench_ocr.word_recall(truth, texts)
        n_text = sum(1 for info in truth.values() if info["words"])
        n_plain = len(truth) - n_text
        false_text = sum(1 for p, info in truth.items() if not info["words"] and texts[p].strip())
        print(
            f"{name}: word recall {recall:.3f} ({words} words); CPU-s per photo with text {cpu[True] / n_text:.3f},"
            f" without {cpu[False] / n_plain:.3f}; text read on {false_text} of {n_plain} photos without text",
            flush=True,
        )
    print("load", [round(x, 2) for x in os.getloadavg()])


if __name__ == "__main__":
    main()
