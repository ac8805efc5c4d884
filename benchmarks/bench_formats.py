"""Decode speed of HEIC and RAW (embedded JPEG preview) next to JPEG, 2 threads.

Usage: python benchmarks/bench_formats.py [--threads 2] [--passes 3] [--json]

Photos: scikit-image's sample photos upscaled to 12 MP (4000x3000), written as
JPEG (quality 92), HEIC (pillow-heif, quality 90) and DNG whose embedded
preview is that same 12 MP JPEG (the layout of current cameras' RAW files).
Two paths are timed: the indexing decode (``load_image(min_side=224)``: a
reduced JPEG decode where the format allows) and the viewer's full decode.
Prints photos/s (best of ``--passes``) per format and path.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "benchmarks"), str(REPO / "tests")]
from helpers.formats import make_dng  # noqa: E402
from photo_fixtures import make_photo_jpegs  # noqa: E402

from motis_desktop.core.images.decode import load_image  # noqa: E402


def make_files(out: Path) -> dict[str, list[Path]]:
    import numpy as np
    import pillow_heif
    from PIL import Image

    jpegs = make_photo_jpegs(out / "jpeg", sizes=("12mp",))
    files: dict[str, list[Path]] = {"JPEG": jpegs, "HEIC": [], "RAW preview (DNG)": []}
    for jpeg in jpegs:
        rgb = np.asarray(Image.open(jpeg).convert("RGB"))
        heic = out / "heic" / (jpeg.stem + ".heic")
        heic.parent.mkdir(exist_ok=True)
        pillow_heif.from_pillow(Image.fromarray(rgb)).save(heic, format="HEIF", quality=90)
        files["HEIC"].append(heic)
        dng = out / "dng" / (jpeg.stem + ".dng")
        dng.parent.mkdir(exist_ok=True)
        files["RAW preview (DNG)"].append(make_dng(dng, rgb, preview=jpeg.read_bytes()))
    return files


def rate(paths: list[Path], threads: int, passes: int, min_side: int | None) -> tuple[float, float]:
    """(photos/s wall clock, CPU ms per photo), best pass of each."""
    best, best_cpu = float("inf"), float("inf")
    work = paths * 4  # 24 decodes per pass
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(passes):
            start, cpu = time.perf_counter(), time.process_time()
            list(pool.map(lambda p: load_image(p, min_side=min_side), work))
            best = min(best, time.perf_counter() - start)
            best_cpu = min(best_cpu, time.process_time() - cpu)
    return len(work) / best, 1000 * best_cpu / len(work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(Path(tmp))
        results = {}
        for fmt, paths in files.items():
            index_rate, index_cpu = rate(paths, args.threads, args.passes, 224)
            full_rate, full_cpu = rate(paths, args.threads, args.passes, None)
            results[fmt] = {
                "mean_file_mb": round(sum(p.stat().st_size for p in paths) / len(paths) / 1e6, 2),
                "index_decode_photos_per_s": round(index_rate, 1),
                "index_decode_cpu_ms": round(index_cpu),
                "full_decode_photos_per_s": round(full_rate, 1),
                "full_decode_cpu_ms": round(full_cpu),
            }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"12 MP photos, {args.threads} threads, best of {args.passes} passes (photos/s; CPU ms per photo)")
    print(f"{'format':<20}{'file MB':>8}{'index /s':>10}{'index CPU ms':>14}{'full /s':>9}{'full CPU ms':>13}")
    for fmt, r in results.items():
        print(
            f"{fmt:<20}{r['mean_file_mb']:>8}{r['index_decode_photos_per_s']:>10}{r['index_decode_cpu_ms']:>14}"
            f"{r['full_decode_photos_per_s']:>9}{r['full_decode_cpu_ms']:>13}"
        )


if __name__ == "__main__":
    main()
