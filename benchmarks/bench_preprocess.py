"""Preprocessing accuracy and speed vs CLIP's PIL pipeline on real photos.

Usage: python benchmarks/bench_preprocess.py [--repeat 3] [--json]

Photos: scikit-image's sample photos upscaled to 12 MP and 1080p JPEGs
(benchmarks/photo_fixtures.py). Prints, per size, the mean and worst mean-abs
difference (normalized units) and throughput of ours vs the PIL reference,
measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from photo_fixtures import make_photo_jpegs, pil_reference  # noqa: E402

from motis_desktop.core.images.preprocess import preprocess_file  # noqa: E402


def _throughput(fn, paths: list[Path], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for p in paths:
            fn(p)
        best = min(best, time.perf_counter() - start)
    return len(paths) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_photo_jpegs(Path(tmp))
        for size in ("12mp", "1080p"):
            group = [p for p in paths if size in p.name]
            diffs = [float(np.abs(preprocess_file(p) - pil_reference(p)).mean()) for p in group]
            ours = _throughput(preprocess_file, group, args.repeat)
            pil = _throughput(pil_reference, group, args.repeat)
            row = {
                "size": size,
                "images": len(group),
                "mean_abs_diff": round(float(np.mean(diffs)), 4),
                "worst_abs_diff": round(max(diffs), 4),
                "ours_img_s": round(ours, 1),
                "pil_img_s": round(pil, 1),
                "speedup": round(ours / pil, 2),
            }
            if args.json:
                print(json.dumps(row))
            else:
                print(
                    f"{size:6} n={row['images']}  diff mean {row['mean_abs_diff']:.4f} worst "
                    f"{row['worst_abs_diff']:.4f}  ours {row['ours_img_s']:6.1f} img/s  PIL "
                    f"{row['pil_img_s']:6.1f} img/s  speed-up {row['speedup']:.2f}x"
                )


if __name__ == "__main__":
    main()
