"""How good is the relevance cut-off? Precision/recall on the colour library, and what it returns on a
library indexed with a random-weights CLIP (where nothing truly matches, so it should return few or none).

Usage: .venv/bin/python benchmarks/bench_cutoff.py [--per-colour 10] [--photos 120]

1. Colour library: ``per_colour`` images of each of 6 colours, the colour model (models/colour_model.py);
   again with plain file names (``photo_000.jpg``: no name signal), at ``per_colour`` and at 1.
   Every palette word is a query; its true matches are the images of that colour (none for the 6 palette
   colours that have no images). Unknown words must return nothing; SUBTRACTIONS subtract a colour.
2. Random CLIP: ViT-B/32-shaped CLIP with random weights (seed 0), over the colour images plus
   crops of scikit-image's sample photos; a list of everyday queries; counts what the cut-off returns.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "models"), str(REPO / "tests")]

RANDOM_QUERIES = [
    "red",
    "a dog",
    "a cat on a sofa",
    "sunset over the sea",
    "astronaut",
    "a cup of coffee",
    "mountains with snow",
    "people at the beach",
    "a rocket launch",
    "green",
    "birthday cake",
    "a city at night",
    "flowers",
    "a red car",
    "blue sky",
    "portrait of a woman",
    "text document",
    "zebra",
    "qwxz",
    "food",
]


# Queries that subtract a colour, with the colours that truly match them.
SUBTRACTIONS = {"red - blue": {"red"}, "white - red": {"white"}, "red + blue - green": {"red", "blue"}}


def colour_library(tmp: Path, per_colour: int, with_photos: bool = False, plain_names: bool = False) -> None:
    from colour_model import PALETTE, build_colour_pair
    from helpers.photos import make_colour_folder
    from PIL import Image
    from skimage import data

    from motis_desktop.core.services import Services

    name = ("colours+photos" if with_photos else "colours") + (f"-plain-{per_colour}" if plain_names else "")
    colours = make_colour_folder(tmp / name, per_colour=per_colour)
    if plain_names:  # no colour word in the names, so the name signal cannot find what the cut-off hides
        renamed = {
            str(Path(p).with_name(f"photo_{i:03d}{Path(p).suffix}")): c for i, (p, c) in enumerate(colours.items())
        }
        for old_path, new_path in zip(colours, renamed, strict=True):
            Path(old_path).rename(new_path)
        colours = renamed
    if with_photos:  # real photos the colour model has no word for (counted as matching nothing)
        for photo in ("astronaut", "coffee", "chelsea", "rocket", "retina", "hubble_deep_field"):
            path = tmp / name / f"{photo}.jpg"
            Image.fromarray(getattr(data, photo)()).convert("RGB").save(path, quality=90)
            colours[str(path)] = "photo"
    services = Services.open(tmp / f"home-{name}")
    services.import_pair(*build_colour_pair(tmp / f"colour-model-{name}"), name="colour")
    services.add_folders([str(tmp / name)])
    services.index()
    extra = (" + 6 scikit-image photos" if with_photos else "") + (", plain file names" if plain_names else "")
    print(f"\n## colour library: {len(colours)} photos, {per_colour} per colour{extra}, colour model")
    print(f"{'query':18} {'returned':>8} {'true':>5} {'precision':>9} {'recall':>6}  threshold")
    tp_all = ret_all = true_all = 0
    queries = {word: {word} for word in list(PALETTE) + ["zebra", "sunset", "qwxz"]} | SUBTRACTIONS
    for word, matching in queries.items():
        result = services.query(word)
        got = {h.path for h in result.hits}
        truth = {p for p, c in colours.items() if c in matching}
        tp = len(got & truth)
        precision = tp / len(got) if got else (1.0 if not truth else 0.0)
        recall = tp / len(truth) if truth else 1.0
        tp_all, ret_all, true_all = tp_all + tp, ret_all + len(got), true_all + len(truth)
        threshold = result.cutoff.threshold if result.cutoff else float("nan")
        wrong = ", ".join(sorted(Path(p).name for p in got - truth))
        print(
            f"{word:18} {len(got):8d} {len(truth):5d} {precision:9.3f} {recall:6.3f}  {threshold:.4f}"
            + (f"  false: {wrong}" if wrong else "")
        )
    print(
        f"overall: precision {tp_all / max(ret_all, 1):.3f}, recall {tp_all / max(true_all, 1):.3f} "
        f"({tp_all} of {ret_all} returned are true; {true_all} true)"
    )
    services.close()


def random_clip_library(tmp: Path, photos: int) -> None:
    import torch
    from PIL import Image
    from safetensors.torch import save_file
    from skimage import data

    from motis_desktop.core.models.architectures.clip import CLIP, CLIPConfig
    from motis_desktop.core.services import Services

    folder = tmp / "mixed"
    folder.mkdir()
    rng = np.random.default_rng(0)
    names = [
        n for n in ("astronaut", "coffee", "chelsea", "rocket", "retina", "hubble_deep_field", "immunohistochemistry")
    ]
    sources = [np.asarray(getattr(data, n)()) for n in names]
    for i in range(photos):
        src = sources[i % len(sources)]
        h, w = src.shape[:2]
        ch, cw = int(h * rng.uniform(0.4, 1.0)), int(w * rng.uniform(0.4, 1.0))
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        Image.fromarray(src[y : y + ch, x : x + cw, :3]).save(folder / f"{names[i % len(names)]}_{i:03d}.jpg")
    torch.manual_seed(0)
    cfg = CLIPConfig.vit_b32()
    ckpt = tmp / "random-vitb32.safetensors"
    save_file({k: v.contiguous() for k, v in CLIP(cfg).state_dict().items()}, str(ckpt))
    services = Services.open(tmp / "home-random")
    services.import_checkpoint(ckpt, "random-vitb32")
    services.add_folders([str(folder), str(tmp / "colours")])
    started = time.perf_counter()
    services.index()
    total = services.counts(services.active_model().model_id)["indexed"]
    print(
        f"\n## random-weights ViT-B/32 CLIP (seed 0): {total} photos (indexed in {time.perf_counter() - started:.0f} s)"
    )
    print(f"{'query':24} {'returned':>8}  {'centre':>7} {'spread':>7} {'threshold':>9} {'best':>7}")
    returned = []
    for q in RANDOM_QUERIES:
        result = services.query(q)
        best = services.query(q, limit=1, cutoff=False).hits[0].score
        c = result.cutoff
        returned.append(len(result.hits))
        print(f"{q:24} {len(result.hits):8d}  {c.centre:7.4f} {c.spread:7.4f} {c.threshold:9.4f} {best:7.4f}")
    print(
        f"queries returning nothing: {sum(r == 0 for r in returned)}/{len(returned)}; "
        f"mean returned {np.mean(returned):.2f} of {total}; max {max(returned)}"
    )
    services.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-colour", type=int, default=10)
    parser.add_argument("--photos", type=int, default=120, help="sample-photo crops in the random-CLIP library")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        colour_library(Path(tmp), args.per_colour)
        colour_library(Path(tmp), args.per_colour, with_photos=True)
        colour_library(Path(tmp), args.per_colour, plain_names=True)
        colour_library(Path(tmp), 1, plain_names=True)
        random_clip_library(Path(tmp), args.photos)


if __name__ == "__main__":
    main()
